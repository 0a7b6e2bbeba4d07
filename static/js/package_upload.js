/* Account packages: upload with progress, then live validation. Plain JS, no build.
 *
 * [data-package-upload]  a file input, a <progress>, a status line, a result area and a
 *                        hidden input[name=package]. Choosing (or dropping) a file uploads it
 *                        by XHR to data-upload-url, polls the status URL every second, shows
 *                        the result and, when valid, puts the package code in the hidden input
 *                        (and in any select[data-package-choose] of the same form).
 *                        Fires "package:change" (detail: {code, name, valid}) on the element.
 * [data-package-poll]    a status partial re-fetched every second until it is finished.
 */
(function () {
  "use strict";
  if (window.pushdeckPackageUpload) return; // the partial may be included more than once
  window.pushdeckPackageUpload = true;

  // Django's JavaScript catalog (loaded first by base.html) translates; without it, English.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  var interpolate = window.interpolate || function (format, values) {
    return format.replace(/%\(\w+\)s/g, function (match) { return String(values[match.slice(2, -2)]); });
  };
  function say(format, values) { return interpolate(format, values, true); }

  var POLL_MS = 1000;
  var MAX_NAME = 100;
  var FORMATS = ["txt", "csv", "zip"];
  var SHOWN_PROBLEMS = 10;

  function number(n) {
    return Number(n).toLocaleString(document.documentElement.lang || "en");
  }

  function bytes(n) {
    if (n < 1024) return n + " B";
    var units = ["KB", "MB", "GB"];
    var value = n;
    var unit = -1;
    do {
      value /= 1024;
      unit += 1;
    } while (value >= 1024 && unit < units.length - 1);
    return value.toFixed(value < 10 ? 1 : 0) + " " + units[unit];
  }


  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  // The same rules the server applies, so an obviously wrong file is not sent at all.
  function refusal(file, maxBytes) {
    var name = file.name || "";
    if (!name) return gettext("This file cannot be uploaded: the file name is empty.");
    if (name.length > MAX_NAME) {
      return say(gettext("“%(name)s” cannot be uploaded: the file name has %(length)s characters; it must have 1–100 characters."),
        { name: name, length: name.length });
    }
    var dot = name.lastIndexOf(".");
    var ext = dot >= 0 ? name.slice(dot + 1).toLowerCase() : "";
    if (FORMATS.indexOf(ext) < 0) {
      return ext
        ? say(gettext("“%(name)s” cannot be uploaded: file type .%(ext)s is not accepted; upload a .txt, .csv or .zip file."), { name: name, ext: ext })
        : say(gettext("“%(name)s” cannot be uploaded: the file name has no extension; upload a .txt, .csv or .zip file."), { name: name });
    }
    if (file.size === 0) return say(gettext("“%(name)s” cannot be uploaded: the file is empty."), { name: name });
    if (file.size > maxBytes) {
      return say(gettext("“%(name)s” cannot be uploaded: it is %(size)s; account packages may be at most %(max)s."),
        { name: name, size: bytes(file.size), max: bytes(maxBytes) });
    }
    return null;
  }

  function counts(status) {
    var list = el("dl", "pkg-counts");
    [
      [gettext("Rows"), status.rows, ""],
      [gettext("Valid accounts"), status.accounts, ""],
      [gettext("Duplicates"), status.duplicates, ""],
      [gettext("Invalid rows"), status.invalid_rows, status.invalid_rows ? "bad" : ""],
    ].forEach(function (item) {
      var box = el("div", item[2]);
      box.appendChild(el("dt", "", item[0]));
      box.appendChild(el("dd", "", number(item[1])));
      list.appendChild(box);
    });
    return list;
  }

  function outcome(status) {
    var box = el("div", "pkg-outcome " + (status.valid ? "ok" : "bad"));
    var head = el("p", "pkg-outcome-head");
    head.appendChild(el("span", "badge " + (status.valid ? "ok" : "bad"), status.valid ? gettext("Valid") : gettext("Rejected")));
    head.appendChild(document.createTextNode(" "));
    head.appendChild(el("strong", "", status.name));
    // Refused as a whole (a zip holding a folder, a damaged zip…): no rows, no row report.
    var fileProblem = !status.valid && status.file_problem;
    head.appendChild(document.createTextNode(status.valid
      ? say(ngettext(": %(count)s valid account ready to push.", ": %(count)s valid accounts ready to push.", status.accounts),
        { count: number(status.accounts) })
      : fileProblem
        ? say(gettext(": TPNS would refuse this file: %(problem)s."), { problem: status.problem })
        : gettext(": TPNS would refuse this package. Fix the rows below and upload it again.")));
    box.appendChild(head);
    if (!fileProblem) box.appendChild(counts(status));
    if (!status.valid && !fileProblem && status.errors.length) {
      var list = el("ul", "pkg-problem-list");
      status.errors.slice(0, SHOWN_PROBLEMS).forEach(function (error) {
        var item = el("li");
        item.appendChild(el("span", "pkg-line", error.line ? say(gettext("Line %(line)s"), { line: error.line }) : gettext("File")));
        item.appendChild(el("span", "", error.reason));
        list.appendChild(item);
      });
      box.appendChild(list);
      if (status.more_errors > 0) {
        box.appendChild(el("p", "help", say(ngettext("… and %(count)s more problem.", "… and %(count)s more problems.", status.more_errors),
          { count: number(status.more_errors) })));
      }
    }
    var links = el("p", "actions");
    if (status.report_url) {
      var report = el("a", "btn", gettext("Download the error report (CSV)"));
      report.href = status.report_url;
      report.setAttribute("download", "");
      links.appendChild(report);
    }
    var details = el("a", "", gettext("View details"));
    details.href = status.detail_url;
    links.appendChild(details);
    box.appendChild(links);
    return box;
  }

  function Uploader(root) {
    this.root = root;
    this.input = root.querySelector("input[type=file]");
    this.bar = root.querySelector("progress");
    this.text = root.querySelector("[data-package-status-text]");
    this.result = root.querySelector("[data-package-result]");
    this.url = root.getAttribute("data-upload-url");
    this.maxBytes = Number(root.getAttribute("data-max-bytes")) || 104857600;
    this.run = 0; // each new file starts a new run; older callbacks see a stale number
    this.xhr = null;
    this.form = root.closest("form");
    // The file travels by XHR only, never with the surrounding form.
    this.input.removeAttribute("name");
    if (this.form) {
      this.form.querySelectorAll("[data-package-submit]").forEach(function (button) { button.hidden = true; });
    }
    var self = this;
    this.input.addEventListener("change", function () {
      if (self.input.files.length) self.start(self.input.files[0]);
    });
    var drop = root.querySelector("[data-package-drop]") || root;
    drop.addEventListener("dragover", function (event) {
      event.preventDefault();
      drop.classList.add("dragging");
    });
    drop.addEventListener("dragleave", function () { drop.classList.remove("dragging"); });
    drop.addEventListener("drop", function (event) {
      event.preventDefault();
      drop.classList.remove("dragging");
      if (event.dataTransfer.files.length) self.start(event.dataTransfer.files[0]);
    });
    root.classList.add("is-enhanced");
  }

  Uploader.prototype.say = function (text) {
    this.text.textContent = text;
  };

  Uploader.prototype.fail = function (message) {
    this.bar.hidden = true;
    this.say("");
    this.result.replaceChildren(el("p", "form-error", message));
    this.result.firstChild.setAttribute("role", "alert");
    this.root.classList.remove("is-busy");
    this.select("", "", false);
  };

  Uploader.prototype.start = function (file) {
    var run = ++this.run;
    if (this.xhr) this.xhr.abort();
    this.result.replaceChildren();
    this.select("", "", false);
    var refused = refusal(file, this.maxBytes);
    if (refused) return this.fail(refused);
    this.root.classList.add("is-busy");
    this.bar.hidden = false;
    this.bar.max = 100;
    this.bar.value = 0;
    this.say(say(gettext("Uploading %(name)s: %(done)s of %(total)s (%(percent)s%)"),
      { name: file.name, done: bytes(0), total: bytes(file.size), percent: 0 }));

    var self = this;
    var xhr = new XMLHttpRequest();
    this.xhr = xhr;
    xhr.open("POST", this.url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", this.root.getAttribute("data-csrf") || cookie("csrftoken"));
    xhr.upload.addEventListener("progress", function (event) {
      if (run !== self.run || !event.lengthComputable) return;
      var percent = Math.floor((event.loaded * 100) / event.total);
      self.bar.value = percent;
      self.say(say(gettext("Uploading %(name)s: %(done)s of %(total)s (%(percent)s%)"),
        { name: file.name, done: bytes(event.loaded), total: bytes(event.total), percent: percent }));
    });
    xhr.addEventListener("load", function () {
      if (run !== self.run) return;
      self.xhr = null;
      var body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch (ignored) {
        body = null;
      }
      if (xhr.status === 201 && body) {
        self.bar.value = 0;
        self.say(say(gettext("Uploaded %(name)s. Validating: 0%"), { name: file.name }));
        self.poll(run, body.status_url);
      } else if (body && body.error) {
        self.fail(body.error);
      } else if (xhr.status === 403) {
        self.fail(say(gettext("The upload of “%(name)s” was refused (HTTP 403). Reload the page and try again."), { name: file.name }));
      } else {
        self.fail(say(gettext("The upload of “%(name)s” failed (HTTP %(status)s). Try again."), { name: file.name, status: xhr.status }));
      }
    });
    xhr.addEventListener("error", function () {
      if (run !== self.run) return;
      self.fail(say(gettext("The upload of “%(name)s” failed: the connection was lost. Try again."), { name: file.name }));
    });
    var data = new FormData();
    data.append("file", file, file.name);
    xhr.send(data);
  };

  Uploader.prototype.poll = function (run, url) {
    var self = this;
    if (run !== this.run) return;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (status) {
        if (run !== self.run) return;
        if (!status.finished) {
          self.bar.value = status.percent;
          self.say(status.status === "pending"
            ? say(gettext("Uploaded %(name)s. Waiting for validation…"), { name: status.name })
            : say(gettext("Validating %(name)s: %(percent)s% (%(done)s of %(total)s)"),
              { name: status.name, percent: status.percent, done: bytes(status.bytes_done), total: bytes(status.bytes_total) }));
          window.setTimeout(function () { self.poll(run, url); }, POLL_MS);
          return;
        }
        self.finish(status);
      })
      .catch(function () {
        if (run !== self.run) return;
        // A dropped poll is not a failed validation: try again a little later.
        window.setTimeout(function () { self.poll(run, url); }, POLL_MS * 3);
      });
  };

  Uploader.prototype.finish = function (status) {
    this.bar.hidden = true;
    this.root.classList.remove("is-busy");
    this.say(status.valid
      ? say(ngettext("%(name)s is valid: %(count)s account.", "%(name)s is valid: %(count)s accounts.", status.accounts),
        { name: status.name, count: number(status.accounts) })
      : status.invalid_rows && !status.file_problem
        ? say(ngettext("%(name)s was rejected: %(count)s invalid row.", "%(name)s was rejected: %(count)s invalid rows.", status.invalid_rows),
          { name: status.name, count: number(status.invalid_rows) })
        : say(gettext("%(name)s was rejected: %(problem)s."), { name: status.name, problem: status.problem }));
    this.result.replaceChildren(outcome(status));
    this.select(status.valid ? status.code : "", status.name, status.valid, status.accounts);
    this.refresh();
  };

  // Keeps the hidden input and any package select of the same form on the same value.
  Uploader.prototype.select = function (code, name, valid, accounts) {
    var scope = this.form || this.root;
    scope.querySelectorAll("input[data-package-value]").forEach(function (input) { input.value = code; });
    scope.querySelectorAll("select[data-package-choose]").forEach(function (select) {
      if (code && !select.querySelector('option[value="' + code + '"]')) {
        var label = say(ngettext("%(name)s · %(count)s account", "%(name)s · %(count)s accounts", accounts || 0),
          { name: name, count: number(accounts || 0) });
        select.appendChild(el("option", "", label)).value = code;
      }
      select.value = code;
    });
    this.root.dispatchEvent(new CustomEvent("package:change", {
      bubbles: true,
      detail: { code: code, name: name, valid: valid },
    }));
  };

  // Brings a region of this page (the package list) up to date without a reload.
  Uploader.prototype.refresh = function () {
    var selector = this.root.getAttribute("data-refresh");
    var target = selector && document.querySelector(selector);
    if (!target) return;
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(selector);
        if (fresh) target.replaceWith(fresh);
      })
      .catch(function () {});
  };

  function pollPartial(node) {
    var url = node.getAttribute("data-package-poll");
    window.setTimeout(function () {
      if (!node.isConnected) return;
      fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.ok ? response.text() : Promise.reject(); })
        .then(function (html) {
          var holder = document.createElement("template");
          holder.innerHTML = html.trim();
          var fresh = holder.content.firstElementChild;
          if (!fresh) return pollPartial(node);
          node.replaceWith(fresh);
          if (fresh.hasAttribute("data-package-poll")) pollPartial(fresh);
        })
        .catch(function () { pollPartial(node); });
    }, POLL_MS);
  }

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-package-choose]")) return;
    var scope = select.closest("form") || document;
    scope.querySelectorAll("input[data-package-value]").forEach(function (input) { input.value = select.value; });
  });

  function init() {
    document.querySelectorAll("[data-package-upload]").forEach(function (root) {
      if (!root.classList.contains("is-enhanced")) new Uploader(root);
    });
    document.querySelectorAll("[data-package-poll]").forEach(pollPartial);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
