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
        var text = error.reason;
        if (error.line && error.value) {
          text = say(gettext("Line %(line)s, “%(value)s”: %(reason)s"), { line: error.line, value: error.value, reason: error.reason });
        } else if (error.line) {
          text = say(gettext("Line %(line)s: %(reason)s"), { line: error.line, reason: error.reason });
        }
        list.appendChild(el("li", "", text));
      });
      if (data.more_errors) {
        list.appendChild(el("li", "", say(ngettext(
          "… and %(count)s more line to fix (the first %(listed)s are listed).",
          "… and %(count)s more lines to fix (the first %(listed)s are listed).", data.more_errors),
          { count: number(data.more_errors), listed: data.errors.length })));
      }
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

  /* Counts under Title and Content: characters, and the bytes of the whole message as
     TPNS counts them (its JSON in UTF-8, the 4 KB limit), turning to a warning near and
     past each limit. They change on every key; a screen reader hears them once typing
     pauses, through one polite status region. */
  function number(n) {
    return Number(n).toLocaleString(document.documentElement.lang || "en");
  }
  function valueOf(name) {
    var input = document.getElementById("id_" + name);
    // The server strips both fields, and a browser posts a textarea's line ends as CRLF.
    return input ? input.value.replace(/\r?\n/g, "\r\n").trim() : "";
  }
  function checkedValue(name, fallback) {
    var checked = form.querySelector("input[name=" + name + "]:checked");
    return checked ? checked.value : fallback;
  }
  function customContent() {
    var keys = form.querySelectorAll("input[name=custom_key]");
    var values = form.querySelectorAll("input[name=custom_value]");
    var pairs = {}, any = false;
    keys.forEach(function (input, index) {
      var key = input.value.trim();
      if (!key || Object.prototype.hasOwnProperty.call(pairs, key)) return;
      pairs[key] = values[index] ? values[index].value : "";
      any = true;
    });
    return any ? pairs : null;
  }
  /* The `message` object exactly as Pushdeck builds it (pushes.snapshot.build_request). */
  function messagePayload() {
    var platform = form.getAttribute("data-platform") || "android";
    var title = valueOf("title"), content = valueOf("content");
    var message = { title: title, content: content };
    var android = null, ios = null;
    var action = checkedValue("open_action", "app"), target = valueOf("open_target");
    if (platform === "android") {
      if (action === "url") android = { action: { action_type: 2, browser: { url: target, confirm: 0 } } };
      if (action === "intent") android = { action: { action_type: 3, intent: target } };
    }
    if (platform === "ios" && checkedValue("message_type", "notify") === "notify") {
      ios = { aps: { alert: { title: title, body: content }, sound: "default" } };
    }
    var custom = customContent();
    if (custom) {
      if (!android && !ios) android = {};
      [android, ios].forEach(function (section) {
        if (section) section.custom_content = JSON.stringify(custom);
      });
    }
    if (android) message.android = android;
    if (ios) message.ios = ios;
    return message;
  }
  function messageBytes() {
    return new TextEncoder().encode(JSON.stringify(messagePayload())).length;
  }

  var maxBytes = 4096;
  var contentInput = document.getElementById("id_content");
  if (contentInput) maxBytes = Number(contentInput.getAttribute("data-max-bytes")) || maxBytes;
  var NEAR = 0.9;  // the share of a limit where the count turns to a warning

  function messageWarning(bytes) {
    if (bytes > maxBytes) {
      return ["over", say(gettext("The message is %(bytes)s bytes; TPNS allows at most %(max)s. Shorten the title, the content or the custom key/values."),
        { bytes: number(bytes), max: number(maxBytes) })];
    }
    if (bytes >= NEAR * maxBytes) {
      return ["near", say(gettext("The message is %(bytes)s bytes, close to the TPNS limit of %(max)s."),
        { bytes: number(bytes), max: number(maxBytes) })];
    }
    return null;
  }

  var counters = [];
  function counter(name, wording) {
    var input = document.getElementById("id_" + name);
    var count = document.getElementById("id_" + name + "_count");
    var warnings = document.getElementById("id_" + name + "_limits");
    if (!input || !count || !warnings) return;
    var limits = JSON.parse(input.getAttribute("data-limits") || "{}");
    var maxChars = Number(input.getAttribute("data-max-chars")) || 0;
    // The server's verdict on what was posted stays until the field changes; meanwhile the
    // live title and message warnings would only repeat it.
    var serverErrors = document.getElementById("id_" + name + "_errors");
    input.addEventListener("input", function () {
      if (!serverErrors) return;
      serverErrors.remove();
      serverErrors = null;
      input.removeAttribute("aria-invalid");
      input.closest(".field").classList.remove("has-error");
    });
    function lengthWarning(n) {
      if (!maxChars || n < NEAR * maxChars) return null;
      if (n > maxChars) {
        return ["over", say(ngettext("The title has %(count)s character; at most %(max)s.",
          "The title has %(count)s characters; at most %(max)s.", n), { count: number(n), max: number(maxChars) })];
      }
      return ["near", say(ngettext("%(count)s character left.", "%(count)s characters left.", maxChars - n),
        { count: number(maxChars - n) })];
    }
    function channelWarning(n) {
      var over = Object.keys(limits).filter(function (channel) { return n > limits[channel]; });
      if (!over.length) return null;
      return ["", say(
        gettext("Longer than %(channels)s allow: those channels cut it short or fall back to the TPNS channel."),
        { channels: over.map(function (c) { return c + " (" + limits[c] + ")"; }).join(", ") })];
    }
    function update(bytes) {
      var n = Array.from(valueOf(name)).length;
      var length = lengthWarning(n), message = messageWarning(bytes);
      var levels = [length ? length[0] : "", message ? message[0] : ""];
      count.textContent = say(wording(n), {
        count: number(n), max: number(maxChars), bytes: number(bytes), max_bytes: number(maxBytes)
      });
      count.classList.toggle("is-over", levels.indexOf("over") >= 0);
      count.classList.toggle("is-near", levels.indexOf("over") < 0 && levels.indexOf("near") >= 0);
      warnings.textContent = "";
      var shown = serverErrors ? [channelWarning(n)] : [length, message, channelWarning(n)];
      shown.forEach(function (warning) {
        if (warning) warnings.appendChild(el("li", warning[0] === "over" ? "is-over" : "", warning[1]));
      });
    }
    function spoken() {
      var parts = [count.textContent];
      warnings.querySelectorAll("li").forEach(function (item) { parts.push(item.textContent); });
      return parts.join(" ");
    }
    counters.push({ name: name, update: update, spoken: spoken });
  }
  counter("title", function (n) {
    return ngettext("%(count)s character (at most %(max)s) · message %(bytes)s of %(max_bytes)s bytes",
      "%(count)s characters (at most %(max)s) · message %(bytes)s of %(max_bytes)s bytes", n);
  });
  counter("content", function (n) {
    return ngettext("%(count)s character · message %(bytes)s of %(max_bytes)s bytes",
      "%(count)s characters · message %(bytes)s of %(max_bytes)s bytes", n);
  });

  var status = document.getElementById("message-counts-status");
  var announceTimer = null, announced = "";
  function updateCounts() {
    var bytes = messageBytes();
    counters.forEach(function (c) { c.update(bytes); });
  }
  function announce(name) {
    counters.forEach(function (c) {
      if (c.name !== name || !status) return;
      var text = c.spoken();
      if (text !== announced) {
        announced = text;
        status.textContent = text;
      }
    });
  }
  // Anything in the message can change its size: key/values, the open location, the type.
  form.addEventListener("input", updateCounts);
  form.addEventListener("change", updateCounts);
  ["title", "content"].forEach(function (name) {
    var input = document.getElementById("id_" + name);
    if (!input) return;
    input.addEventListener("input", function () {
      clearTimeout(announceTimer);
      announceTimer = setTimeout(function () { announce(name); }, 1000);
    });
  });
  updateCounts();

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
