/* The phone menu: a real button that opens and closes the nav (aria-expanded); Escape
   closes it and gives the focus back to the button.
   Loaded in <head> without defer, so the page is marked as scripted (html.js) before it
   is drawn: without this script the menu simply stays open (static/css/console.css). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setUp() {
    var button = document.querySelector(".nav-toggle");
    if (!button) return;

    function isOpen() {
      return button.getAttribute("aria-expanded") === "true";
    }

    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }

    button.addEventListener("click", function () {
      setOpen(!isOpen());
    });

    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || !isOpen()) return;
      setOpen(false);
      // The button is hidden on wide screens, where the nav is always shown.
      if (button.offsetParent !== null) button.focus();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
