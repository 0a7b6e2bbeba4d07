/* Create Push form: source panels, live account check, character counts, key/value rows.
   Everything works without this file; it only adds feedback while typing. */
(function () {
  "use strict";
  var form = document.getElementById("push-form");
  if (!form) return;

  // Django's JavaScript catalog (loaded first by base.html) translates; without it, English.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\(\w+\)s/g, function (match) { return String(values[match.slice(2, -2)]); });
  };
  function say(format, values) { return interpolate(format, values, true); }

  function csrf() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* Errors first: take keyboard users to the summary. */
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  /* Accounts from: show the panel of the chosen source. */
  var panels = form.querySelectorAll(".source-panel");
  function showSource() {
    var checked = form.querySelector("input[name=source]:checked");
    var source = checked ? checked.value : "manual";
    panels.forEach(function (panel) {
      panel.hidden = panel.getAttribute("data-source") !== source;
    });
  }
  form.querySelectorAll("input[name=source]").forEach(function (radio) {
    radio.addEventListener("change", showSource);
  });
  showSource();

  /* Open location: the target only matters for a URL or an intent. */
  var targetWrap = document.getElementById("open-target-wrap");
  function showTarget() {
    var checked = form.querySelector("input[name=open_action]:checked");
    if (targetWrap) targetWrap.hidden = !checked || checked.value === "app";
  }
  form.querySelectorAll("input[name=open_action]").forEach(function (radio) {
    radio.addEventListener("change", showTarget);
  });
  showTarget();

  /* Package: an upload and the chooser can both set `package`. The one the person used
     last wins: when the chooser was used last, the upload's value is cleared. */
  var packageSection = document.getElementById("package-section");
  if (packageSection) {
    var pickedAt = 0, uploadedAt = 0, lastUpload = null;
    function uploadInputs() {
      return packageSection.querySelectorAll(".package-upload-slot input[name=package]");
    }
    function uploadValue() {
      var value = "";
      uploadInputs().forEach(function (input) { if (input.value) value = input.value; });
      return value;
    }
    lastUpload = uploadValue();
    setInterval(function () {
      var value = uploadValue();
      if (value !== lastUpload) {
        lastUpload = value;
        if (value) uploadedAt = Date.now();
      }
    }, 400);
    packageSection.addEventListener("change", function (event) {
      var target = event.target;
      if (target.name === "package" && target.closest(".package-choose-slot")) pickedAt = Date.now();
    });
    form.addEventListener("submit", function () {
      if (uploadedAt > pickedAt && uploadValue()) {
        packageSection.querySelectorAll(".package-choose-slot input[name=package]").forEach(
          function (input) { input.disabled = true; });
      } else if (pickedAt > uploadedAt) {
        uploadInputs().forEach(function (input) { input.disabled = true; });
      }
    });
  }

  /* Live check of typed accounts, with the same rules as Preview and Confirm. */
  var textarea = document.getElementById("id_accounts_text");
  var result = document.getElementById("accounts-check");
  var checkUrl = form.getAttribute("data-check-url");
  var timer = null, sequence = 0;

  function renderCheck(data) {
    result.textContent = "";
    result.className = "accounts-check " + (data.ok ? "is-ok" : "is-bad");
    result.appendChild(el("p", "check-summary", data.summary));
    if (data.errors.length) {
      var list = el("ul", "check-errors");
      data.errors.forEach(function (error) {
        list.appendChild(el("li", "", error.line
          ? say(gettext("Line %(line)s: %(reason)s"), { line: error.line, reason: error.reason })
          : error.reason));
      });
      if (data.more_errors) list.appendChild(el("li", "", say(gettext("and %(count)s more"), { count: data.more_errors })));
      result.appendChild(list);
    }
    if (data.repeated.length) {
      var dup = el("ul", "check-duplicates");
      data.repeated.forEach(function (d) {
        dup.appendChild(el("li", "", say(gettext("Line %(line)s: “%(account)s” repeats line %(first)s (removed)"),
          { line: d.line, account: d.account, first: d.first_line })));
      });
      result.appendChild(dup);
    }
  }

  function check() {
    var mine = ++sequence;
    var body = new URLSearchParams();
    body.set("accounts_text", textarea.value);
    fetch(checkUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    }).then(function (data) {
      if (mine === sequence) renderCheck(data);
    }).catch(function () {
      if (mine === sequence) result.textContent = gettext("Could not check the accounts just now; they are checked again on Preview.");
    });
  }

  // The server's verdict on the saved text stays until the text changes; then the live
  // check takes over, so the same problem is never listed twice.
  var serverErrors = document.getElementById("id_accounts_text_errors");
  if (textarea && result && checkUrl) {
    textarea.addEventListener("input", function () {
      if (serverErrors) {
        serverErrors.remove();
        serverErrors = null;
        textarea.removeAttribute("aria-invalid");
        textarea.closest(".field").classList.remove("has-error");
      }
      clearTimeout(timer);
      if (!textarea.value.trim()) { result.textContent = ""; result.className = "accounts-check"; return; }
      timer = setTimeout(check, 350);
    });
    if (textarea.value.trim() && !serverErrors) check();
  }

  /* Character counts, with the vendor channels whose limits are passed. */
  function counter(name, wording) {
    var input = document.getElementById("id_" + name);
    var count = document.getElementById("id_" + name + "_count");
    var warnings = document.getElementById("id_" + name + "_limits");
    if (!input || !count) return;
    var limits = JSON.parse(input.getAttribute("data-limits") || "{}");
    function update() {
      var n = Array.from(input.value).length;
      count.textContent = say(wording(n), { count: n, limit: limits.TPNS });
      warnings.textContent = "";
      var over = Object.keys(limits).filter(function (channel) { return n > limits[channel]; });
      if (over.length) {
        warnings.appendChild(el("li", "", say(
          gettext("Longer than %(channels)s allow: those channels cut it short or fall back to the TPNS channel."),
          { channels: over.map(function (c) { return c + " (" + limits[c] + ")"; }).join(", ") })));
      }
    }
    input.addEventListener("input", update);
    update();
  }
  counter("title", function (n) {
    return ngettext("%(count)s character · TPNS shows %(limit)s, then an ellipsis",
      "%(count)s characters · TPNS shows %(limit)s, then an ellipsis", n);
  });
  counter("content", function (n) {
    return ngettext("%(count)s character", "%(count)s characters", n);
  });

  /* Custom key/value pairs: add and remove rows. */
  var rows = document.getElementById("kv-rows");
  var add = document.getElementById("kv-add");
  function renumber() {
    rows.querySelectorAll(".kv-row").forEach(function (row, index) {
      row.querySelector("[name=custom_key]").setAttribute("aria-label", say(gettext("Key %(number)s"), { number: index + 1 }));
      row.querySelector("[name=custom_value]").setAttribute("aria-label", say(gettext("Value %(number)s"), { number: index + 1 }));
      var remove = row.querySelector(".kv-remove");
      remove.hidden = false;
      remove.setAttribute("aria-label", say(gettext("Remove pair %(number)s"), { number: index + 1 }));
    });
  }
  if (rows && add) {
    add.hidden = false;
    add.addEventListener("click", function () {
      var template = rows.querySelector(".kv-row");
      var row = template.cloneNode(true);
      row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      rows.appendChild(row);
      renumber();
      row.querySelector("[name=custom_key]").focus();
    });
    rows.addEventListener("click", function (event) {
      var button = event.target.closest(".kv-remove");
      if (!button) return;
      var row = button.closest(".kv-row");
      if (rows.querySelectorAll(".kv-row").length > 1) {
        row.remove();
      } else {
        row.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      }
      renumber();
      add.focus();
    });
    renumber();
  }
})();
