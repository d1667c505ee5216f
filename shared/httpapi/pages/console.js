// The coordinators' console: a thin client of the admin API, which is its
// only way into the data. The login's token stays in this tab's
// sessionStorage (never a cookie); when it runs out, the console asks to
// log in again and keeps what was typed.
(function () {
  "use strict";
  var body = document.body;
  var de = document.documentElement.lang === "de";
  var T = de ? {
    overview: "Übersicht", partners: "Anträge", events: "Veranstaltungen", messages: "Nachrichten", mail: "E-Mails",
    people: "Datenschutz", audit: "Protokoll", logout: "Abmelden", login: "Anmelden",
    loginTitle: "Anmeldung für die Koordination", loginText: "Melden Sie sich an, um Anträge, Anmeldungen und Nachrichten zu sehen.",
    expired: "Ihre Anmeldung ist abgelaufen. Bitte melden Sie sich erneut an; was Sie eingegeben haben, bleibt erhalten.",
    devLogin: "Entwicklungs-Anmeldung (nur der lokale Server)", noLogin: "Für diese Installation ist keine Anmeldung eingerichtet.",
    pendingReview: "Anträge zur Prüfung", openMessages: "Offene Nachrichten", failedMail: "Unzustellbare E-Mails",
    upcoming: "Kommende Veranstaltungen", newest: "Neueste Anträge", signups: "Anmeldungen der letzten 14 Tage",
    signupsLabel: "Anmeldungen pro Tag, zusammen {0} in 14 Tagen", fill: "{0} von {1} Plätzen belegt, {2} auf der Warteliste",
    none: "Nichts vorhanden.", status: "Status", organisation: "Organisation", type: "Art", contact: "Ansprechperson",
    email: "E-Mail", phone: "Telefon", website: "Website", workingGroups: "Arbeitsgruppen", networks: "Netzwerke",
    message: "Nachricht", created: "Eingegangen", reason: "Begründung oder Hinweis an die antragstellende Person (freiwillig)",
    approve: "Annehmen", reject: "Ablehnen", approved: "Angenommen", rejected: "Abgelehnt",
    mailSent: " – E-Mail an die antragstellende Person verschickt.", noMail: " – keine E-Mail verschickt.",
    pending_review: "zur Prüfung", pending_confirmation: "unbestätigt", title: "Titel", titleEn: "Titel (englisch, freiwillig)",
    description: "Beschreibung (freiwillig)", startsAt: "Beginn", endsAt: "Ende", place: "Ort", address: "Adresse",
    capacity: "Plätze", deadline: "Anmeldeschluss (freiwillig)", published: "Veröffentlichen", create: "Veranstaltung anlegen",
    createdEvent: "Die Veranstaltung ist angelegt.", taken: "Belegt", waiting: "Warteliste", draft: "Entwurf",
    cancelled: "abgesagt", open: "offen", attendees: "Teilnehmende", name: "Name", needs: "Unterstützungsbedarf",
    position: "Platz auf der Warteliste", csv: "Liste als CSV herunterladen", csvDone: "Die Liste ist heruntergeladen.",
    cancelEvent: "Veranstaltung absagen", cancelAsk: "Wirklich absagen? Alle Angemeldeten erhalten eine E-Mail.",
    cancelYes: "Ja, absagen", cancelNo: "Nicht absagen", eventCancelled: "Abgesagt – alle Angemeldeten erhalten eine E-Mail.",
    change: "Veranstaltung ändern", save: "Änderungen speichern", saved: "Gespeichert.",
    savedMoved: " Alle Angemeldeten erhalten eine aktualisierte Einladung, die Warteliste einen Hinweis.",
    savedGrown: " Wer von der Warteliste nachrückt, erhält eine E-Mail.",
    topic: "Thema", all: "alle", done: "Erledigt", markDone: "Als erledigt markieren", markedDone: "Als erledigt markiert.",
    reference: "Vorgangsnummer", template: "Art", to: "An", attempts: "Versuche", retry: "Erneut senden",
    retried: "Die E-Mail wird erneut verschickt.", suppressed: "Gesperrte Adressen", at: "Seit", unsuppress: "Wieder zulassen",
    unsuppressed: "Die Adresse erhält wieder E-Mails.", person: "E-Mail-Adresse der Person",
    exportBtn: "Auskunft geben (Export)", erase: "Alle Daten löschen", eraseAsk: "Wirklich alles zu {0} löschen? Das lässt sich nicht rückgängig machen.",
    eraseYes: "Ja, endgültig löschen", erased: "Gelöscht: {0}", exported: "Auskunft zu {0}: {1}", saveFile: "Als Datei speichern",
    actor: "Wer", action: "Was", target: "Betrifft", detail: "Einzelheiten", failed: "Das hat nicht geklappt: {0}",
    notFound: "Nicht gefunden."
  } : {
    overview: "Overview", partners: "Applications", events: "Events", messages: "Messages", mail: "Mail",
    people: "Privacy", audit: "Audit trail", logout: "Log out", login: "Log in",
    loginTitle: "Coordinators' login", loginText: "Log in to see applications, sign-ups and messages.",
    expired: "Your session has expired. Please log in again; what you typed is kept.",
    devLogin: "Development login (local server only)", noLogin: "No login is set up for this installation.",
    pendingReview: "Applications to review", openMessages: "Open messages", failedMail: "Undeliverable mail",
    upcoming: "Upcoming events", newest: "Newest applications", signups: "Sign-ups in the last 14 days",
    signupsLabel: "Sign-ups per day, {0} in 14 days", fill: "{0} of {1} places taken, {2} waiting",
    none: "Nothing here.", status: "Status", organisation: "Organisation", type: "Type", contact: "Contact person",
    email: "Email", phone: "Phone", website: "Website", workingGroups: "Working groups", networks: "Networks",
    message: "Message", created: "Received", reason: "Reason or note to the applicant (optional)",
    approve: "Approve", reject: "Reject", approved: "Approved", rejected: "Rejected",
    mailSent: " – mail sent to the applicant.", noMail: " – no mail sent.",
    pending_review: "to review", pending_confirmation: "unconfirmed", title: "Title", titleEn: "Title in English (optional)",
    description: "Description (optional)", startsAt: "Starts", endsAt: "Ends", place: "Place", address: "Address",
    capacity: "Places", deadline: "Sign-up deadline (optional)", published: "Publish", create: "Create event",
    createdEvent: "The event is created.", taken: "Taken", waiting: "Waiting list", draft: "draft",
    cancelled: "cancelled", open: "open", attendees: "Attendees", name: "Name", needs: "Needs",
    position: "Place on the waiting list", csv: "Download the list as CSV", csvDone: "The list is downloaded.",
    cancelEvent: "Call off the event", cancelAsk: "Really call it off? Everyone signed up gets a mail.",
    cancelYes: "Yes, call it off", cancelNo: "Keep it", eventCancelled: "Called off – everyone signed up gets a mail.",
    change: "Change the event", save: "Save changes", saved: "Saved.",
    savedMoved: " Everyone with a place gets an updated invitation, the waiting list a notice.",
    savedGrown: " Whoever moves up from the waiting list gets a mail.",
    topic: "Topic", all: "all", done: "Done", markDone: "Mark as done", markedDone: "Marked as done.",
    reference: "Reference", template: "Kind", to: "To", attempts: "Attempts", retry: "Send again",
    retried: "The mail is sent again.", suppressed: "Suppressed addresses", at: "Since", unsuppress: "Allow again",
    unsuppressed: "The address gets mail again.", person: "The person's email address",
    exportBtn: "Export their data", erase: "Erase all their data", eraseAsk: "Really erase everything about {0}? This cannot be undone.",
    eraseYes: "Yes, erase for good", erased: "Erased: {0}", exported: "Data about {0}: {1}", saveFile: "Save as a file",
    actor: "Who", action: "What", target: "Concerns", detail: "Details", failed: "That did not work: {0}",
    notFound: "Not found."
  };
  function t(key) {
    var s = T[key] || key;
    for (var i = 1; i < arguments.length; i++) {
      s = s.replace("{" + (i - 1) + "}", arguments[i]);
    }
    return s;
  }

  var path = location.pathname;
  var base = path.slice(0, path.indexOf("/console") + "/console".length);
  var root = base.slice(0, -"/console".length);
  var store = window.sessionStorage;
  var view = document.getElementById("view");
  var statusBox = document.getElementById("status");
  var nav = document.getElementById("nav");
  var logoutButton = document.getElementById("logout");
  var network = document.querySelector(".network").textContent;

  // el builds an element; text is only ever set as text, never as markup.
  function el(tag, attrs) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { n.textContent = attrs[k]; } else if (k === "on") { n.addEventListener("click", attrs[k]); } else if (attrs[k] !== false && attrs[k] != null) { n.setAttribute(k, attrs[k] === true ? "" : attrs[k]); }
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c == null) { continue; }
      n.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return n;
  }
  function link(href, label) { return el("a", {href: base + href, "data-nav": true, text: label}); }
  // Times are the network's (an event's own zone, the network's for
  // everything else), whatever zone the coordinator's browser is set to:
  // 18:00 in the form is 18:00 in Bad Salzungen, on a laptop abroad too.
  var zone = body.dataset.zone || "Europe/Berlin";
  function when(s, z) {
    return s ? new Date(s).toLocaleString(de ? "de-DE" : "en-GB", {dateStyle: "medium", timeStyle: "short", timeZone: z || zone}) : "";
  }
  // wall is instant t (ms) as a clock in zone z shows it, field by field.
  function wall(t, z) {
    var p = {};
    new Intl.DateTimeFormat("en-GB", {timeZone: z, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit"}).formatToParts(new Date(t)).forEach(function (x) { p[x.type] = x.value; });
    return p;
  }
  // local is an instant as a datetime-local field shows it in zone z.
  function local(iso, z) {
    if (!iso) { return ""; }
    var p = wall(Date.parse(iso), z);
    return p.year + "-" + p.month + "-" + p.day + "T" + p.hour + ":" + p.minute;
  }
  // instant reads a datetime-local value as a clock in zone z shows it:
  // the offset at a first guess, then at the result, for a time next to a
  // change of offset.
  function instant(value, z) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || "");
    if (!m) { return undefined; }
    var clock = Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5]);
    var offset = function (t) { var p = wall(t, z); return Date.UTC(+p.year, p.month - 1, +p.day, +p.hour, +p.minute) - t; };
    return new Date(clock - offset(clock - offset(clock))).toISOString();
  }
  function table(headers, rows) {
    if (!rows.length) { return el("p", {text: t("none")}); }
    var tb = el("tbody");
    rows.forEach(function (r) { tb.appendChild(el.apply(null, ["tr", {}].concat(r.map(function (c) { return el("td", {}, c == null ? "" : c); })))); });
    return el("table", {}, el("thead", {}, el.apply(null, ["tr", {}].concat(headers.map(function (h) { return el("th", {scope: "col", text: h}); })))), tb);
  }
  function say(message, isError) {
    statusBox.className = "status" + (isError ? " error" : "");
    statusBox.textContent = message;
  }

  // The token, and what was typed before a login ran out.
  function token() {
    var tok = store.getItem("nw.token");
    return tok && Number(store.getItem("nw.expires")) > Date.now() ? tok : "";
  }
  function keep(tok, seconds) {
    store.setItem("nw.token", tok);
    store.setItem("nw.expires", String(Date.now() + (seconds - 30) * 1000));
  }
  function draftKey() { return "nw.draft:" + location.pathname; }
  view.addEventListener("input", function (ev) {
    if (!ev.target.id) { return; }
    var d = JSON.parse(store.getItem(draftKey()) || "{}");
    d[ev.target.id] = ev.target.type === "checkbox" ? ev.target.checked : ev.target.value;
    store.setItem(draftKey(), JSON.stringify(d));
  });
  function restoreDrafts() {
    var d = JSON.parse(store.getItem(draftKey()) || "{}");
    Object.keys(d).forEach(function (id) {
      var f = document.getElementById(id);
      if (f && f.type === "checkbox") { f.checked = d[id]; } else if (f) { f.value = d[id]; }
    });
  }
  function dropDrafts() { store.removeItem(draftKey()); }

  var stop = new Error("login needed");
  function api(method, p, payload, accept) {
    var headers = {Authorization: "Bearer " + token(), Accept: accept || "application/json"};
    if (payload) { headers["Content-Type"] = "application/json"; }
    return fetch(root + "/admin" + p, {method: method, headers: headers, body: payload ? JSON.stringify(payload) : undefined, credentials: "omit"})
      .then(function (res) {
        if (res.status === 401) {
          store.removeItem("nw.token");
          showLogin(true);
          throw stop;
        }
        if (res.status === 204) { return {}; }
        if (res.ok && accept === "text/csv") { return res.blob(); }
        return res.json().then(function (b) {
          if (!res.ok) {
            var e = new Error(b.detail || res.statusText);
            e.problem = b;
            throw e;
          }
          return b;
        });
      });
  }
  function failed(e) {
    if (e === stop) { return; }
    say(t("failed", e.message), true);
    var fields = (e.problem && e.problem.errors) || [];
    fields.forEach(function (fe) {
      var f = document.querySelector('[data-field="' + fe.field.split(".")[0] + '"]');
      if (f) {
        f.setAttribute("aria-invalid", "true");
        f.insertAdjacentElement("beforebegin", el("p", {"class": "error-message", text: fe.field + ": " + fe.message}));
      }
    });
  }
  function download(blob, name) {
    var a = el("a", {href: URL.createObjectURL(blob), download: name});
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  // Login: Cognito's managed login with PKCE in AWS, the local server's
  // development login on a developer's machine.
  function b64url(bytes) {
    return btoa(String.fromCharCode.apply(null, new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function login() {
    store.setItem("nw.return", location.pathname + location.search);
    if (body.dataset.dev) {
      return fetch(body.dataset.dev, {method: "POST", credentials: "omit"}).then(function (r) { return r.json(); }).then(function (b) {
        keep(b.access_token, b.expires_in);
        history.replaceState(null, "", store.getItem("nw.return") || base);
        route();
      });
    }
    var verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
    var state = b64url(crypto.getRandomValues(new Uint8Array(16)));
    store.setItem("nw.verifier", verifier);
    store.setItem("nw.state", state);
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)).then(function (sum) {
      location.assign(body.dataset.authorize + "?" + new URLSearchParams({
        response_type: "code", client_id: body.dataset.client, redirect_uri: location.origin + base,
        scope: "openid email", state: state, code_challenge: b64url(sum), code_challenge_method: "S256"
      }));
    });
  }
  function callback() {
    var q = new URLSearchParams(location.search);
    if (q.get("state") !== store.getItem("nw.state")) { return showLogin(false); }
    return fetch(body.dataset.token, {
      method: "POST", credentials: "omit",
      body: new URLSearchParams({grant_type: "authorization_code", client_id: body.dataset.client, code: q.get("code"),
        redirect_uri: location.origin + base, code_verifier: store.getItem("nw.verifier")})
    }).then(function (r) { return r.json(); }).then(function (b) {
      store.removeItem("nw.verifier");
      store.removeItem("nw.state");
      keep(b.access_token, b.expires_in);
      history.replaceState(null, "", store.getItem("nw.return") || base);
      route();
    });
  }
  function logout() {
    store.clear();
    if (body.dataset.logout) {
      location.assign(body.dataset.logout + "?" + new URLSearchParams({client_id: body.dataset.client, logout_uri: location.origin + base}));
      return;
    }
    history.pushState(null, "", base);
    route();
  }
  function showLogin(expired) {
    nav.hidden = true;
    logoutButton.hidden = true;
    document.title = t("loginTitle") + " – " + network;
    say(expired ? t("expired") : "", false);
    var canLogin = body.dataset.dev || body.dataset.authorize;
    view.replaceChildren(el("h1", {text: t("loginTitle")}), el("p", {text: canLogin ? t("loginText") : t("noLogin")}),
      canLogin ? el("button", {type: "button", id: "login", on: login}, body.dataset.dev ? t("devLogin") : t("login")) : null);
    return Promise.resolve();
  }

  // The views, each drawn from the admin API.
  var views = {
    "": overview, partners: function (id) { return id ? partner(id) : partners(); },
    events: function (id) { return id ? eventPage(id) : events(); }, messages: messages, mail: mail, people: people, audit: audit
  };

  function overview() {
    var since = Date.now() - 14 * 864e5;
    return Promise.all([api("GET", "/partners?status=pending_review&limit=200"), api("GET", "/messages?status=open&limit=200"),
      api("GET", "/mail?status=failed&limit=200"), api("GET", "/events?limit=200")]).then(function (r) {
      var upcoming = r[3].events.filter(function (e) { return !e.cancelled && new Date(e.startsAt) > new Date(); });
      view.append(el("h1", {text: t("overview")}), el("div", {"class": "cards"},
        el("div", {"class": "card"}, el("strong", {text: String(r[0].partners.length)}), link("/partners", t("pendingReview"))),
        el("div", {"class": "card"}, el("strong", {text: String(r[1].messages.length)}), link("/messages", t("openMessages"))),
        el("div", {"class": "card"}, el("strong", {text: String(r[2].mails.length)}), link("/mail", t("failedMail")))));
      view.append(el("h2", {text: t("upcoming")}), table([t("title"), t("startsAt"), t("taken")], upcoming.map(function (e) {
        return [link("/events/" + e.id, e.title.de), when(e.startsAt, e.timeZone), fillBar(e)];
      })));
      view.append(el("h2", {text: t("newest")}), table([t("organisation"), t("created")], r[0].partners.slice(0, 5).map(function (p) {
        return [link("/partners/" + p.id, p.organisation), when(p.createdAt)];
      })));
      return Promise.all(upcoming.map(function (e) { return api("GET", "/events/" + e.id + "/registrations?limit=200"); })).then(function (lists) {
        var days = [];
        // Days as the county's calendar has them, not UTC's.
        for (var i = 13; i >= 0; i--) { days.push({day: local(new Date(Date.now() - i * 864e5).toISOString(), zone).slice(0, 10), n: 0}); }
        lists.forEach(function (l) {
          l.registrations.forEach(function (reg) {
            if (new Date(reg.createdAt) >= since) {
              var d = days.find(function (x) { return x.day === local(reg.createdAt, zone).slice(0, 10); });
              if (d) { d.n++; }
            }
          });
        });
        view.append(el("h2", {text: t("signups")}), signupChart(days));
      });
    });
  }

  var svgNS = "http://www.w3.org/2000/svg";
  function svg(tag, attrs) {
    var n = document.createElementNS(svgNS, tag);
    Object.keys(attrs).forEach(function (k) { if (k === "text") { n.textContent = attrs[k]; } else { n.setAttribute(k, attrs[k]); } });
    return n;
  }
  // fillBar draws seats taken and the waiting list against the capacity.
  function fillBar(e) {
    var label = t("fill", e.confirmed, e.capacity, e.waiting);
    var s = svg("svg", {width: 160, height: 16, role: "img", "aria-label": label});
    var cap = Math.max(e.capacity, 1);
    s.append(svg("rect", {x: 0, y: 2, width: 160, height: 12, fill: "#e0e0e0"}),
      svg("rect", {x: 0, y: 2, width: Math.min(160, 160 * e.confirmed / cap), height: 12, fill: "#00549f"}));
    if (e.waiting > 0) { s.append(svg("rect", {x: 152, y: 0, width: 8, height: 16, fill: "#b00020"})); }
    return el("span", {}, s, " " + label);
  }
  // signupChart draws sign-ups per day as bars.
  function signupChart(days) {
    var top = Math.max.apply(null, days.map(function (d) { return d.n; }).concat([1]));
    var total = days.reduce(function (a, d) { return a + d.n; }, 0);
    var s = svg("svg", {id: "signups", width: 14 * 24, height: 120, role: "img", "aria-label": t("signupsLabel", total)});
    days.forEach(function (d, i) {
      var h = 90 * d.n / top;
      s.append(svg("rect", {x: i * 24 + 2, y: 100 - h, width: 20, height: h, fill: "#00549f"}),
        svg("text", {x: i * 24 + 12, y: 114, "text-anchor": "middle", text: d.day.slice(8)}));
    });
    return s;
  }

  function partners() {
    var status = new URLSearchParams(location.search).get("status") || "pending_review";
    return api("GET", "/partners?status=" + status + "&limit=200").then(function (r) {
      var pick = el("select", {id: "status-filter"});
      ["pending_review", "approved", "rejected", "pending_confirmation"].forEach(function (s) {
        pick.append(el("option", {value: s, selected: s === status, text: t(s)}));
      });
      pick.addEventListener("change", function () { go("/partners?status=" + pick.value); });
      view.append(el("h1", {text: t("partners")}), el("label", {"for": "status-filter", text: t("status")}), pick,
        table([t("organisation"), t("type"), t("contact"), t("email"), t("created")], r.partners.map(function (p) {
          return [link("/partners/" + p.id, p.organisation), p.organisationType, p.contactName, p.email, when(p.createdAt)];
        })));
    });
  }

  function partner(id) {
    return api("GET", "/partners/" + id).then(function (p) {
      var facts = el("dl");
      [[t("status"), t(p.status)], [t("organisation"), p.organisation], [t("type"), p.organisationType], [t("contact"), p.contactName],
        [t("email"), p.email], [t("phone"), p.phone], [t("website"), p.website], [t("workingGroups"), p.workingGroups.join(", ")],
        [t("networks"), (p.regionalNetworks || []).join(", ")], [t("message"), p.message], [t("created"), when(p.createdAt)],
        [t("reason"), p.reason]].forEach(function (f) {
        if (f[1]) { facts.append(el("dt", {text: f[0]}), el("dd", {text: f[1]})); }
      });
      view.append(el("h1", {text: p.organisation}), facts);
      if (p.status !== "pending_review") { return; }
      var decide = function (approve) {
        return function () {
          api("POST", "/partners/" + id + (approve ? "/approve" : "/reject"), {reason: document.getElementById("reason").value}).then(function (r) {
            dropDrafts();
            refresh().then(function () { say(t(approve ? "approved" : "rejected") + (r.mailQueued ? t("mailSent") : t("noMail"))); });
          }).catch(failed);
        };
      };
      view.append(el("label", {"for": "reason", text: t("reason")}), el("textarea", {id: "reason", rows: 3}),
        el("div", {"class": "actions"}, el("button", {type: "button", on: decide(true)}, t("approve")),
          el("button", {type: "button", "class": "danger", on: decide(false)}, t("reject"))));
    });
  }

  function field(id, label, type, name) {
    var input = type === "textarea" ? el("textarea", {id: id, rows: 3}) : el("input", {id: id, type: type});
    if (type === "checkbox") {
      return el("div", {"class": "check", "data-field": name}, input, " ", el("label", {"for": id, text: label}));
    }
    return el("div", {"data-field": name}, el("label", {"for": id, text: label}), input);
  }
  // eventForm is the form that creates an event (e null) or changes one;
  // send stores the draft and says what happened.
  function eventForm(e, submit, send) {
    var z = e ? e.timeZone : zone;
    var form = el("form", {novalidate: true},
      field("ev-title", t("title"), "text", "title"), field("ev-title-en", t("titleEn"), "text", "title"),
      field("ev-description", t("description"), "textarea", "description"),
      field("ev-starts", t("startsAt"), "datetime-local", "startsAt"), field("ev-ends", t("endsAt"), "datetime-local", "endsAt"),
      field("ev-place", t("place"), "text", "location"), field("ev-address", t("address"), "text", "location"),
      field("ev-capacity", t("capacity"), "number", "capacity"), field("ev-deadline", t("deadline"), "datetime-local", "registrationDeadline"),
      field("ev-published", t("published"), "checkbox", "published"),
      el("div", {"class": "actions"}, el("button", {type: "submit", id: "ev-submit"}, submit)));
    var set = function (id, value) { form.querySelector("#" + id).value = value || ""; };
    if (e) {
      set("ev-title", e.title.de);
      set("ev-title-en", e.title.en);
      set("ev-description", e.description && e.description.de);
      set("ev-starts", local(e.startsAt, z));
      set("ev-ends", local(e.endsAt, z));
      set("ev-place", e.location.name);
      set("ev-address", e.location.address);
      set("ev-capacity", String(e.capacity));
      set("ev-deadline", local(e.registrationDeadline, z));
      form.querySelector("#ev-published").checked = e.published;
    }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var v = function (id) { return form.querySelector("#" + id).value; };
      var iso = function (id) { return instant(v(id), z); };
      var title = {de: v("ev-title")};
      if (v("ev-title-en")) { title.en = v("ev-title-en"); }
      var draft = {title: title, startsAt: iso("ev-starts"), endsAt: iso("ev-ends"),
        location: {name: v("ev-place"), address: v("ev-address")}, capacity: Number(v("ev-capacity")) || 0,
        registrationDeadline: iso("ev-deadline"), published: form.querySelector("#ev-published").checked};
      if (v("ev-description")) { draft.description = {de: v("ev-description")}; }
      if (!e) { draft.timeZone = z; }
      view.querySelectorAll(".error-message").forEach(function (n) { n.remove(); });
      send(draft).then(dropDrafts).catch(failed);
    });
    return form;
  }

  function events() {
    return api("GET", "/events?limit=200").then(function (r) {
      view.append(el("h1", {text: t("events")}), table([t("title"), t("startsAt"), t("taken"), t("waiting"), t("status")], r.events.map(function (e) {
        return [link("/events/" + e.id, e.title.de), when(e.startsAt, e.timeZone), e.confirmed + " / " + e.capacity, String(e.waiting),
          e.cancelled ? t("cancelled") : e.published ? t("open") : t("draft")];
      })));
      var form = eventForm(null, t("create"), function (draft) {
        return api("POST", "/events", draft).then(function (e) {
          go("/events/" + e.id).then(function () { say(t("createdEvent")); });
        });
      });
      view.append(el("h2", {text: t("create")}), form);
    });
  }

  function eventPage(id) {
    return Promise.all([api("GET", "/events/" + id), api("GET", "/events/" + id + "/registrations?limit=200")]).then(function (r) {
      var e = r[0];
      view.append(el("h1", {text: e.title.de + (e.cancelled ? " (" + t("cancelled") + ")" : "")}),
        el("p", {}, when(e.startsAt, e.timeZone) + " · " + (e.location.name || "") + " · ", fillBar(e)));
      if (!e.cancelled) {
        var ask = el("div", {hidden: true, role: "group", "aria-label": t("cancelEvent")}, el("p", {text: t("cancelAsk")}),
          el("div", {"class": "actions"}, el("button", {type: "button", "class": "danger", id: "cancel-yes", on: function () {
            api("POST", "/events/" + id + "/cancel").then(function () { refresh().then(function () { say(t("eventCancelled")); }); }).catch(failed);
          }}, t("cancelYes")), el("button", {type: "button", "class": "secondary", on: function () { ask.hidden = true; }}, t("cancelNo"))));
        view.append(el("h2", {text: t("change")}), eventForm(e, t("save"), function (draft) {
          return api("PATCH", "/events/" + id, draft).then(function (after) {
            var moved = after.startsAt !== e.startsAt || after.endsAt !== e.endsAt || after.location.name !== e.location.name ||
              after.location.address !== e.location.address;
            var grown = after.capacity > e.capacity && e.waiting > 0;
            return refresh().then(function () { say(t("saved") + (moved ? t("savedMoved") : "") + (grown ? t("savedGrown") : "")); });
          });
        }), el("div", {"class": "actions"},
          el("button", {type: "button", "class": "danger", id: "cancel-event", on: function () { ask.hidden = false; ask.querySelector("button").focus(); }}, t("cancelEvent"))),
        ask);
      }
      view.append(el("h2", {text: t("attendees")}), el("div", {"class": "actions"}, el("button", {type: "button", id: "csv", on: function () {
        api("GET", "/events/" + id + "/registrations?format=csv", null, "text/csv").then(function (blob) {
          download(blob, "teilnehmende-" + id + ".csv");
          say(t("csvDone"));
        }).catch(failed);
      }}, t("csv"))), table([t("name"), t("email"), t("organisation"), t("needs"), t("status"), t("position")], r[1].registrations.map(function (reg) {
        return [reg.name, reg.email, reg.organisation, reg.needs, reg.status, reg.position ? String(reg.position) : ""];
      })));
    });
  }

  // choices are the configuration's labels for ids, from the public
  // GET /options: configuration, not data.
  function choices() {
    return fetch(root + "/options?locale=" + (de ? "de" : "en"), {credentials: "omit"}).then(function (r) { return r.json(); });
  }

  function messages() {
    var q = new URLSearchParams(location.search);
    var status = q.get("status") || "open", topic = q.get("topic") || "";
    return Promise.all([choices(), api("GET", "/messages?status=" + status + (topic ? "&topic=" + encodeURIComponent(topic) : "") + "&limit=200")]).then(function (r) {
      var labels = {};
      r[0].topics.forEach(function (o) { labels[o.id] = o.label; });
      var byStatus = el("select", {id: "status-filter"});
      ["open", "done"].forEach(function (s) { byStatus.append(el("option", {value: s, selected: s === status, text: t(s)})); });
      var byTopic = el("select", {id: "topic-filter"}, el("option", {value: "", text: t("all")}));
      r[0].topics.forEach(function (o) { byTopic.append(el("option", {value: o.id, selected: o.id === topic, text: o.label})); });
      var filter = function () { go("/messages?" + new URLSearchParams({status: byStatus.value, topic: byTopic.value})); };
      byStatus.addEventListener("change", filter);
      byTopic.addEventListener("change", filter);
      view.append(el("h1", {text: t("messages")}), el("label", {"for": "topic-filter", text: t("topic")}), byTopic,
        el("label", {"for": "status-filter", text: t("status")}), byStatus,
        table([t("created"), t("topic"), t("name"), t("email"), t("message"), t("reference"), ""], r[1].messages.map(function (m) {
          return [when(m.createdAt), labels[m.topic] || m.topic, m.name, m.email, m.message, m.reference, m.status === "done" ? t("done") :
            el("button", {type: "button", "class": "secondary", on: function () {
              api("POST", "/messages/" + m.id + "/done").then(function () { refresh().then(function () { say(t("markedDone")); }); }).catch(failed);
            }}, t("markDone"))];
        })));
    });
  }

  function mail() {
    return Promise.all([api("GET", "/mail?status=failed&limit=200"), api("GET", "/suppressions?limit=200")]).then(function (r) {
      view.append(el("h1", {text: t("failedMail")}), table([t("created"), t("template"), t("to"), t("attempts"), t("reason"), ""], r[0].mails.map(function (m) {
        return [when(m.createdAt), m.template, (m.to || []).join(", "), String(m.attempts), m.reason, el("button", {type: "button", "class": "secondary", on: function () {
          api("POST", "/mail/" + m.id + "/retry").then(function () { refresh().then(function () { say(t("retried")); }); }).catch(failed);
        }}, t("retry"))];
      })), el("h2", {text: t("suppressed")}), table([t("email"), t("reason"), t("at"), ""], r[1].suppressions.map(function (s) {
        return [s.email, s.reason, when(s.at), el("button", {type: "button", "class": "secondary", on: function () {
          api("DELETE", "/suppressions/" + s.hash).then(function () { refresh().then(function () { say(t("unsuppressed")); }); }).catch(failed);
        }}, t("unsuppress"))];
      })));
    });
  }

  function counts(obj) {
    return Object.keys(obj).map(function (k) { return k + " " + (Array.isArray(obj[k]) ? obj[k].length : obj[k]); }).join(", ");
  }
  function people() {
    var addr = el("input", {id: "person", type: "email", autocomplete: "off"});
    var ask = el("div", {hidden: true});
    var show = function () { return addr.value.trim(); };
    view.append(el("h1", {text: t("people")}), el("div", {"data-field": "email"}, el("label", {"for": "person", text: t("person")}), addr),
      el("div", {"class": "actions"},
        el("button", {type: "button", id: "export", on: function () {
          api("POST", "/people/export", {email: show()}).then(function (b) {
            var data = {applications: b.applications, registrations: b.registrations, contactMessages: b.contactMessages, mails: b.mails, suppressions: b.suppressions};
            say(t("exported", show(), counts(data)));
            ask.replaceChildren(el("button", {type: "button", "class": "secondary", on: function () {
              download(new Blob([JSON.stringify(b, null, 2)], {type: "application/json"}), "auskunft.json");
            }}, t("saveFile")));
            ask.hidden = false;
          }).catch(failed);
        }}, t("exportBtn")),
        el("button", {type: "button", "class": "danger", id: "erase", on: function () {
          ask.replaceChildren(el("p", {text: t("eraseAsk", show())}), el("button", {type: "button", "class": "danger", id: "erase-yes", on: function () {
            api("POST", "/people/erase", {email: show()}).then(function (b) {
              ask.hidden = true;
              say(t("erased", counts(b.erased)));
            }).catch(failed);
          }}, t("eraseYes")));
          ask.hidden = false;
          ask.querySelector("button").focus();
        }}, t("erase"))), ask);
    return Promise.resolve();
  }

  function audit() {
    return api("GET", "/audit?limit=200").then(function (r) {
      view.append(el("h1", {text: t("audit")}), table([t("created"), t("actor"), t("action"), t("target"), t("detail")], r.entries.map(function (a) {
        return [when(a.at), a.actor, a.action, a.target, typeof a.detail === "string" ? a.detail : JSON.stringify(a.detail || "")];
      })));
    });
  }

  function drawNav(current) {
    var ul = nav.querySelector("ul");
    ul.replaceChildren();
    [["", "overview"], ["/partners", "partners"], ["/events", "events"], ["/messages", "messages"], ["/mail", "mail"],
      ["/people", "people"], ["/audit", "audit"]].forEach(function (n) {
      var a = link(n[0], t(n[1]));
      if (n[0].slice(1) === current) { a.setAttribute("aria-current", "page"); }
      ul.append(el("li", {}, a));
    });
    nav.hidden = false;
    logoutButton.textContent = t("logout");
    logoutButton.hidden = false;
  }

  function route() {
    var rest = location.pathname.slice(base.length).split("/").filter(Boolean);
    var q = new URLSearchParams(location.search);
    if (!rest.length && q.get("code") && q.get("state")) { return callback(); }
    if (!token()) { return showLogin(false); }
    var draw = views[rest[0] || ""];
    drawNav(rest[0] || "");
    document.title = t(rest[0] || "overview") + " – " + network;
    view.replaceChildren();
    say("");
    if (!draw) { say(t("notFound"), true); return Promise.resolve(); }
    return draw(rest[1]).then(restoreDrafts).catch(failed);
  }
  function refresh() { return route(); }
  function go(to) {
    history.pushState(null, "", base + to);
    return route().then(function () { document.getElementById("main").focus(); });
  }

  document.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("a[data-nav]");
    if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) { return; }
    ev.preventDefault();
    go(a.getAttribute("href").slice(base.length));
  });
  window.addEventListener("popstate", route);
  logoutButton.addEventListener("click", logout);
  route();
})();
