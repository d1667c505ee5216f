package httpapi

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"

	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/network"
)

//go:embed pages/*.html
var pageFiles embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"t":   i18n.T,
	"iso": i18n.Isolate,
}).ParseFS(pageFiles, "pages/*.html"))

// styleHash is the CSP source of the pages' inline style sheet: the
// sha256 of what stands between <style> and </style> in the layout, which
// holds no template actions, so it is rendered as written.
var styleHash = func() string {
	b, err := pageFiles.ReadFile("pages/layout.html")
	if err != nil {
		panic(err) // embedded at build time
	}
	_, css, _ := strings.Cut(string(b), "<style>")
	css, _, _ = strings.Cut(css, "</style>")
	sum := sha256.Sum256([]byte(css))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}()

// pageData is what every page template sees.
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
}

func (d pageData) Dir() string { return i18n.Dir(d.Locale) }

func (d pageData) FieldLabel(field string) string {
	if label := i18n.T(d.Locale, "field."+field); label != "field."+field {
		return label
	}
	return field
}

func (d pageData) NetworkName() string { return d.Network.Name.In(d.Locale) }

// page renders a full HTML page. Pages work without JavaScript, carry the
// language and direction of their text, and are never cached: they may show
// what a person typed.
func (a *API) page(w http.ResponseWriter, r *http.Request, status int, name string, d pageData) {
	d.Network = a.Config
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name+".html", d); err != nil {
		a.log(r).ErrorContext(r.Context(), "page failed", "page", name, "err", err)
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", d.Locale)
	// Pages need no script and no third-party content; their one style
	// sheet is inline and allowed by its hash. They may be framed by the
	// network's own websites only.
	ancestors := "'self'"
	for _, o := range a.Config.AllowedOrigins {
		ancestors += " " + o
	}
	h.Set("Content-Security-Policy", "default-src 'none'; style-src "+styleHash+"; form-action 'self'; frame-ancestors "+ancestors+"; base-uri 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
