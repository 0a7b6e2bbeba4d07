/* Copy buttons: <button data-copy="FIELD-ID" data-copy-status="STATUS-ID" hidden> copies the
   value of the field with that id and says so in the status element. The button stays
   hidden without this script; the field's text can still be selected and copied. */
(function () {
  "use strict";

  function say(status, text) {
    if (status) status.textContent = text;
  }

  function copy(field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(field.value);
    }
    // Plain HTTP (no Clipboard API): the older command, on the selected text.
    field.focus();
    field.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy"));
  }

  function setUp() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var field = document.getElementById(button.dataset.copy);
      var status = document.getElementById(button.dataset.copyStatus || "");
      if (!field) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        copy(field).then(
          function () {
            say(status, gettext("Copied. Paste it into a message to its owner."));
          },
          function () {
            field.focus();
            field.select();
            say(status, gettext("Could not copy: the link is selected, copy it with Ctrl+C or ⌘+C."));
          }
        );
      });
      field.addEventListener("focus", function () {
        field.select();
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
