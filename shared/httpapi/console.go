package httpapi

import (
	"bytes"
	_ "embed"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
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

//go:embed pages/console.html
var consoleHTML string

var (
	// Parsed on first use, like the pages.
	consolePage       = sync.OnceValue(func() *template.Template { return template.Must(template.New("console").Parse(consoleHTML)) })
	consoleScriptHash = cspHash(consoleScript)
	consoleStyleHash  = func() string {
		_, css, _ := strings.Cut(consoleHTML, "<style>")
		css, _, _ = strings.Cut(css, "</style>")
		return cspHash(css)
	}()
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
	d := struct {
		Locale, Network, Authorize, Token, Logout, ClientID, Dev string
		Script                                                   template.JS
	}{Locale: loc, Network: a.Config.Name.In(loc), ClientID: a.Login.ClientID, Dev: a.Login.Dev, Script: template.JS(consoleScript)}
	connect := "'self'"
	if a.Login.Domain != "" {
		d.Authorize, d.Token, d.Logout = a.Login.Domain+"/oauth2/authorize", a.Login.Domain+"/oauth2/token", a.Login.Domain+"/logout"
		if u, err := url.Parse(a.Login.Domain); err == nil {
			connect += " " + u.Scheme + "://" + u.Host
		}
	}
	var buf bytes.Buffer
	if err := consolePage().Execute(&buf, d); err != nil {
		a.log(r).ErrorContext(r.Context(), "page failed", "page", "console", "err", err)
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", loc)
	h.Set("Content-Security-Policy", "default-src 'none'; style-src "+consoleStyleHash+"; script-src "+consoleScriptHash+
		"; connect-src "+connect+"; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(buf.Bytes())
}
