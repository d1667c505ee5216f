package httpapi

import (
	_ "embed"
	"io"
	"net/http"
	"net/url"
	"slices"

	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/render"
)

// Login is how the coordinators' console gets a token for the admin API.
// In AWS it is Cognito's managed login (authorization code with PKCE, a
// public client); the local server offers its own development login
// instead, which no Lambda function has.
type Login struct {
	// Domain is the managed login's base URL, such as
	// https://prefix.auth.eu-central-1.amazoncognito.com; ClientID the
	// console's app client.
	Domain   string
	ClientID string
	// Dev is the path of the local server's development login; empty in
	// every deployment.
	Dev string
}

// consoleViews are the console's pages; each is the same shell, whose
// script draws the view its path names. The daily digest and the
// coordinators' mails link to them.
var consoleViews = []string{"partners", "events", "messages", "mail", "people", "audit"}

//go:embed pages/console.js
var consoleScript string

var (
	consoleScriptHash = cspHash(consoleScript)
	consoleStyleHash  = cspHash(consoleStyle)
)

func (a *API) consoleRoutes(rt *router) {
	rt.handle(http.MethodGet, "/console", a.console)
	rt.handle(http.MethodGet, "/console/{view}", a.console)
	rt.handle(http.MethodGet, "/console/{view}/{id}", a.console)
}

// console serves the shell. It holds no data: everything it shows comes
// from the admin API, with the token the login gave, so there is no second
// way into the data.
func (a *API) console(w http.ResponseWriter, r *http.Request) {
	if v, id := r.PathValue("view"), r.PathValue("id"); v != "" && !slices.Contains(consoleViews, v) || id != "" && v != "partners" && v != "events" {
		a.fail(w, r, errNoRoute)
		return
	}
	// German first and English; the other languages' speakers are the
	// public, not the two coordinators.
	loc := "de"
	if locale(r, "") != "de" {
		loc = "en"
	}
	var authorize, token, logout string
	connect := "'self'"
	if a.Login.Domain != "" {
		authorize, token, logout = a.Login.Domain+"/oauth2/authorize", a.Login.Domain+"/oauth2/token", a.Login.Domain+"/logout"
		if u, err := url.Parse(a.Login.Domain); err == nil {
			connect += " " + u.Scheme + "://" + u.Host
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", loc)
	h.Set("Content-Security-Policy", "default-src 'none'; style-src "+consoleStyleHash+"; script-src "+consoleScriptHash+
		"; connect-src "+connect+"; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = io.WriteString(w, consoleShell(loc, a.Config.Name.In(loc), authorize, token, logout, a.Login.ClientID, a.Login.Dev))
}

// consoleShell is the console's page. The login's endpoints and the
// network's time zone sit in data- attributes (plain ones, not URLs: the
// script reads them) and the texts are the two languages' own.
func consoleShell(loc, network, authorize, token, logout, client, dev string) string {
	de := loc == "de"
	pick := func(german, english render.Markup) render.Markup {
		if de {
			return german
		}
		return english
	}
	var h render.HTML
	h.Raw(`<!DOCTYPE html>` + "\n" + `<html lang="`)
	h.Text(loc)
	h.Raw(`" dir="ltr">` + "\n" + `<head>` + "\n" + `<meta charset="utf-8">` + "\n" +
		`<meta name="viewport" content="width=device-width, initial-scale=1">` + "\n" +
		`<meta name="robots" content="noindex">` + "\n" + `<title>` + pick("Koordination", "Coordination") + ` – `)
	h.Text(network)
	h.Raw(`</title>` + "\n" + `<style>` + consoleStyle + `</style>` + "\n" + `</head>` + "\n" + `<body`)
	for _, a := range []struct {
		name  render.Markup
		value string
	}{{"authorize", authorize}, {"token", token}, {"logout", logout}, {"client", client}, {"dev", dev}, {"zone", event.DefaultTimeZone}} {
		h.Raw(" data-" + a.name + `="`)
		h.Text(a.value)
		h.Raw(`"`)
	}
	h.Raw(`>` + "\n" + `<header>` + "\n" + `<p class="network">`)
	h.Text(network)
	h.Raw(`</p>` + "\n" + `<nav id="nav" aria-label="` + pick("Bereiche", "Sections") + `" hidden><ul></ul></nav>` + "\n" +
		`<span id="who"></span>` + "\n" + `<button type="button" id="logout" hidden></button>` + "\n" + `</header>` + "\n" +
		`<main id="main" tabindex="-1">` + "\n" + `<noscript><p>` +
		pick("Die Konsole braucht JavaScript: sie hält die Anmeldung nur im Speicher dieses Tabs.",
			"The console needs JavaScript: it keeps the login only in this tab's memory.") +
		`</p></noscript>` + "\n" + `<div id="status" class="status" role="status" aria-live="polite"></div>` + "\n" +
		`<div id="view"></div>` + "\n" + `</main>` + "\n" + `<script>` + render.Markup(consoleScript) + `</script>` + "\n" +
		`</body>` + "\n" + `</html>` + "\n")
	return h.String()
}
