package httpapi

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"

	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/render"
)

// styleHash is the CSP source of the pages' inline style sheet.
var styleHash = cspHash(pageStyle)

// formScript makes the forms submit with fetch and show problems in place;
// every form works the same without it. Pages carry it inline, allowed by
// its hash, so a form costs one request (a cold start, as often as not).
//
//go:embed pages/form.js
var formScript string

var scriptHash = cspHash(formScript)

func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// pageData is what every page shows.
type pageData struct {
	Locale  string
	Title   string
	Problem *problem
	// Fields maps field names to their labels, for the problem list.
	Network *network.Config
	Text    string
	// Reference is the contact form's reference, on its thank-you page.
	Reference string
	// A page with a button that POSTs the token from a mail link to Action
	// (relative to the page), or says Done when there is nothing left to do.
	Token  string
	Action string
	Button string
	Done   string
	// Here is the page in other languages (relative, without ?lang=);
	// empty on a GET means the request's own URL, and a page answering a
	// POST with no Here offers no other languages.
	Here      string
	Languages []langLink
	// The hosted forms and the events list.
	Form      *formView
	Event     *eventCard
	Events    []eventCard
	Feed      string
	AllEvents string
}

// langLink is one entry of the language switcher.
type langLink struct {
	Locale, Name, Href string
	Current            bool
}

// languages is the switcher: the same page in every language, each name in
// its own language and script. A page that answers a POST has no URL to
// switch to, unless it says which page it is.
func languages(r *http.Request, here, current string) []langLink {
	var base string
	q := url.Values{}
	switch {
	case here != "":
		base = here
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		q = r.URL.Query()
		q.Del("locale")
	default:
		return nil
	}
	out := make([]langLink, 0, len(i18n.Locales()))
	for _, l := range i18n.Locales() {
		q.Set("lang", l)
		out = append(out, langLink{Locale: l, Name: i18n.Name(l), Href: base + "?" + q.Encode(), Current: l == current})
	}
	return out
}

// page renders a full HTML page: the layout around what body writes.
// Pages work without JavaScript, carry the language and direction of their
// text, and are never cached: they may show what a person typed.
func (a *API) page(w http.ResponseWriter, r *http.Request, status int, body func(*render.HTML, pageData), d pageData) {
	d.Network = a.Config
	d.Languages = languages(r, d.Here, d.Locale)
	var doc render.HTML
	pageTop(&doc, d)
	doc.Raw("\n")
	body(&doc, d)
	doc.Raw("\n")
	pageBottom(&doc, d)
	doc.Raw("\n")
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", d.Locale)
	// Pages load nothing from elsewhere: their one style sheet is inline
	// and allowed by its hash, and so is a form's script, which talks to
	// this API only. They may be framed by the network's own websites
	// only, and a form may go on to them (the redirect after success),
	// which form-action must allow as browsers check redirects too.
	origins := "'self'"
	for _, o := range a.Config.AllowedOrigins {
		origins += " " + o
	}
	csp := "default-src 'none'; style-src " + styleHash + "; form-action " + origins + "; frame-ancestors " + origins + "; base-uri 'none'"
	if d.Form != nil {
		csp += "; script-src " + scriptHash + "; connect-src 'self'"
	}
	h.Set("Content-Security-Policy", csp)
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, doc.String())
}
