/* Push record page: refresh the status part every 2 s while the push is in flight. */
(function () {
  "use strict";
  var box = document.getElementById("push-status");
  if (!box) return;
  var last = "";

  function schedule(delay) {
    if (box.getAttribute("data-live") !== "true") return;
    setTimeout(poll, delay);
  }

  function poll() {
    fetch(box.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        if (html !== last) {
          last = html;
          var template = document.createElement("template");
          template.innerHTML = html.trim();
          var fresh = template.content.querySelector("#push-status");
          if (fresh) {
            box.replaceWith(fresh);
            box = fresh;
          }
        }
        schedule(2000);
      })
      .catch(function () { schedule(6000); });
  }

  schedule(2000);
})();
