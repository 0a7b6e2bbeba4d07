/* Reachability preflight: while a worker checks who a push reaches, re-fetch that part of
 * the page every second until the check is finished. Plain JS, no build.
 *
 * [data-reach-poll]  the live part (a partial the status view renders again). Its parent
 *                    is an aria-live region, busy while the check runs, so a screen reader
 *                    reads the result once rather than every step of the progress bar.
 */
(function () {
  "use strict";

  var POLL_MS = 1000;
  var RETRY_MS = 5000;

  function settle(region, busy) {
    if (region) region.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function poll(node, delay) {
    var url = node.getAttribute("data-reach-poll");
    var region = node.parentElement;
    window.setTimeout(function () {
      if (!node.isConnected) return;
      fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
        .then(function (html) {
          var holder = document.createElement("template");
          holder.innerHTML = html.trim();
          var fresh = holder.content.firstElementChild;
          if (!fresh) return poll(node, RETRY_MS);
          node.replaceWith(fresh);
          if (fresh.hasAttribute("data-reach-poll")) poll(fresh, POLL_MS);
          else settle(region, false);
        })
        .catch(function (status) {
          // Gone (the push was deleted) or no longer allowed: stop asking.
          if (status === 403 || status === 404) settle(region, false);
          else poll(node, RETRY_MS);
        });
    }, delay);
  }

  function init() {
    document.querySelectorAll("[data-reach-poll]").forEach(function (node) { poll(node, POLL_MS); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
