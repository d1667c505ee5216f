// Package mailtext writes the mails: it turns a waiting outbox mail into a
// message in the recipient's language, text and HTML, from templates that
// escape everything a person typed.
package mailtext

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	netmail "net/mail"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"
	_ "time/tzdata" // the Lambda image may lack zoneinfo; mails show Berlin time

	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/mail"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/secret"
)

//go:embed templates
var files embed.FS

// Berlin is the time zone every date is shown in.
var Berlin = mustZone("Europe/Berlin")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // embedded by time/tzdata
	}
	return loc
}

// kind describes one mail: its subject and the data it needs.
type kind struct {
	subject func(v view) string
	// link, if set, is the path (with query) a token opens.
	link string
}

var kinds = map[string]kind{
	"partner.confirm": {
		subject: func(v view) string { return v.T("mail.partner.confirm.subject", v.NetworkName) },
		link:    "/partners/confirm?token=",
	},
	"partner.review": {
		subject: func(v view) string { return v.T("mail.partner.review.subject", v.Data["organisation"]) },
	},
}

// Renderer renders outbox mail for one deployment.
type Renderer struct {
	Config *network.Config
	Keys   *secret.Keys
	text   *texttemplate.Template
	html   *htmltemplate.Template
}

var _ outbox.Renderer = (*Renderer)(nil)

// New parses the templates once, at start-up.
func New(cfg *network.Config, keys *secret.Keys) (*Renderer, error) {
	funcs := map[string]any{"lines": lines, "button": button}
	text, err := texttemplate.New("").Funcs(funcs).ParseFS(files, "templates/*.txt")
	if err != nil {
		return nil, fmt.Errorf("mail text templates: %w", err)
	}
	html, err := htmltemplate.New("").Funcs(funcs).ParseFS(files, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("mail html templates: %w", err)
	}
	for name := range kinds {
		if text.Lookup(name+".txt") == nil || html.Lookup(name+".html") == nil {
			return nil, fmt.Errorf("mail %s: text or html template missing", name)
		}
	}
	return &Renderer{Config: cfg, Keys: keys, text: text, html: html}, nil
}

// view is what templates see.
type view struct {
	Locale      string
	Dir         string
	NetworkName string
	Phone       string
	Inbox       string
	PrivacyURL  string
	Link        string
	Data        map[string]string
}

// T translates key into the mail's language.
func (v view) T(key string, args ...string) string { return i18n.T(v.Locale, key, args...) }

// Date shows an RFC 3339 time from Data as a Berlin date and time.
func (v view) Date(field string) string {
	t, err := time.Parse(time.RFC3339, v.Data[field])
	if err != nil {
		return ""
	}
	return FormatTime(v.Locale, t)
}

// FormatTime shows t in Berlin time, the way the locale writes it.
func FormatTime(locale string, t time.Time) string {
	t = t.In(Berlin)
	if locale == i18n.Default {
		return t.Format("02.01.2006, 15:04") + " Uhr"
	}
	return t.Format("2 January 2006, 15:04") + " (" + t.Format("MST") + ")"
}

// lines splits free text so templates can keep its line breaks without
// marking it safe.
func lines(s string) []string { return strings.Split(s, "\n") }

// button is what the button template needs: a link and its label.
func button(link, label string) map[string]string {
	return map[string]string{"Link": link, "Label": label}
}

// Render implements outbox.Renderer.
func (r *Renderer) Render(m outbox.Mail) (mail.Message, error) {
	k, ok := kinds[m.Template]
	if !ok {
		return mail.Message{}, fmt.Errorf("unknown mail template %q", m.Template)
	}
	locale := m.Locale
	if !i18n.Supported(locale) {
		locale = i18n.Default
	}
	cfg := r.Config
	v := view{
		Locale:      locale,
		Dir:         i18n.Dir(locale),
		NetworkName: cfg.Name.In(locale),
		Phone:       cfg.Phone,
		Inbox:       cfg.MainInbox(),
		PrivacyURL:  cfg.Privacy.URL,
		Data:        m.Data,
	}
	if k.link != "" {
		if m.TokenNonce == "" {
			return mail.Message{}, fmt.Errorf("mail %s: no token", m.Template)
		}
		v.Link = strings.TrimRight(cfg.PublicBaseURL, "/") + k.link +
			url.QueryEscape(r.Keys.Token(m.TokenNonce)) + "&locale=" + locale
	}
	var text, html bytes.Buffer
	if err := r.text.ExecuteTemplate(&text, m.Template+".txt", v); err != nil {
		return mail.Message{}, fmt.Errorf("render %s text: %w", m.Template, err)
	}
	if err := r.html.ExecuteTemplate(&html, m.Template+".html", v); err != nil {
		return mail.Message{}, fmt.Errorf("render %s html: %w", m.Template, err)
	}
	msg := mail.Message{
		From:    netmail.Address{Name: cfg.Sender.Name.In(locale), Address: cfg.Sender.Address},
		Subject: k.subject(v),
		Text:    text.String(),
		HTML:    html.String(),
	}
	for _, a := range m.To {
		msg.To = append(msg.To, netmail.Address{Address: a})
	}
	for _, a := range m.Cc {
		msg.Cc = append(msg.Cc, netmail.Address{Address: a})
	}
	if m.ReplyTo != "" {
		msg.ReplyTo = []netmail.Address{{Name: m.ReplyToName, Address: m.ReplyTo}}
	}
	return msg, nil
}
