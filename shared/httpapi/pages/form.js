// The hosted and embedded forms, sent with fetch: problems appear in place,
// next to their fields, without a page load. Without this script (or when
// the request fails on the way) the form posts as a plain HTML form, and the
// server shows the same problems on the page it answers with.
(function () {
  "use strict";
  if (!window.fetch || !window.FormData || !window.URLSearchParams) {
    return;
  }

  function clear(form) {
    form.querySelectorAll(".error-summary, .error-message").forEach(function (el) { el.remove(); });
    form.querySelectorAll(".field-error").forEach(function (el) { el.classList.remove("field-error"); });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
      var ids = (el.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && !/-error$/.test(id);
      });
      if (ids.length) { el.setAttribute("aria-describedby", ids.join(" ")); } else { el.removeAttribute("aria-describedby"); }
    });
  }

  function describe(el, id) {
    var ids = (el.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    ids.push(id);
    el.setAttribute("aria-describedby", ids.join(" "));
    el.setAttribute("aria-invalid", "true");
  }

  function focusOn(input) {
    return function (ev) {
      ev.preventDefault();
      input.focus();
      var label = input.closest("[data-field]");
      if (label) { label.scrollIntoView(); }
    };
  }

  // show draws what the server's page would: a summary linking to each
  // field, and the message above the field it is about.
  function show(form, problem) {
    clear(form);
    var summary = document.createElement("div");
    summary.className = "error-summary";
    summary.setAttribute("role", "alert");
    summary.tabIndex = -1;
    var h = document.createElement("h2");
    h.textContent = form.dataset.errorsTitle;
    summary.appendChild(h);
    var list = document.createElement("ul");
    var errors = problem && problem.errors && problem.errors.length ? problem.errors : [{message: (problem && problem.detail) || form.dataset.failed}];
    errors.forEach(function (e) {
      var li = document.createElement("li");
      var field = e.field ? form.querySelector('[data-field="' + CSS.escape(e.field) + '"]') : null;
      var input = field && field.querySelector("input, select, textarea");
      if (!input) {
        li.textContent = e.message;
      } else {
        var a = document.createElement("a");
        a.href = "#" + input.id;
        a.textContent = field.dataset.label + ": " + e.message;
        // Browsers differ in whether a link to an input focuses it; the
        // summary's links must, as GOV.UK's error summary does.
        a.addEventListener("click", focusOn(input));
        li.appendChild(a);
        if (!field.querySelector(".error-message")) {
          var p = document.createElement("p");
          p.className = "error-message";
          p.id = input.id + "-error";
          var hidden = document.createElement("span");
          hidden.className = "visually-hidden";
          hidden.textContent = form.dataset.errorPrefix + " ";
          p.appendChild(hidden);
          p.appendChild(document.createTextNode(e.message));
          var before = field.querySelector(".choice, input, select, textarea");
          before.parentNode.insertBefore(p, before);
          field.classList.add("field-error");
          var group = field.querySelector("fieldset");
          if (group) {
            describe(group, p.id);
            group.querySelectorAll("input").forEach(function (i) { i.setAttribute("aria-invalid", "true"); });
          } else {
            describe(input, p.id);
          }
        }
      }
      list.appendChild(li);
    });
    summary.appendChild(list);
    form.insertBefore(summary, form.firstChild);
    summary.focus();
  }

  document.querySelectorAll("form[data-netzwerk]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button.disabled) {
        return;
      }
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: {"Accept": "application/json"},
        credentials: "omit"
      }).then(function (res) {
        return res.json().then(function (body) { return {status: res.status, body: body}; });
      }).then(function (r) {
        if (r.status === 202) {
          var next = form.dataset.thanks;
          if (form.hasAttribute("data-reference") && r.body.reference) {
            next += (next.indexOf("?") < 0 ? "?" : "&") + "reference=" + encodeURIComponent(r.body.reference);
          }
          var lang = form.querySelector("input[name=locale]");
          if (lang && next.indexOf("locale=") < 0 && !form.querySelector("input[name=redirect]")) {
            next += (next.indexOf("?") < 0 ? "?" : "&") + "locale=" + encodeURIComponent(lang.value);
          }
          window.location.assign(next);
          return;
        }
        button.disabled = false;
        show(form, r.body);
      }).catch(function () {
        // Offline, or an answer that is not JSON: the plain post still works.
        button.disabled = false;
        form.submit();
      });
    });
  });
})();
