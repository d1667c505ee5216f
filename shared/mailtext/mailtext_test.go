package mailtext_test

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/mail"
	"github.com/wartburgkreis/netzwerk/shared/mailtext"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/secret"
)

const nonce = "bm9uY2Utb2YtdGhlLXRlc3Q"

func setup(t *testing.T) (*mailtext.Renderer, *network.Config, *secret.Keys) {
	t.Helper()
	cfg, err := network.Load("../../infra/config/wartburgkreis.json")
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secret.New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	r := mailtext.New(cfg, keys)
	return r, cfg, keys
}

// Values the confirm mail must not show: it goes to an address nobody has
// confirmed yet, so it repeats nothing the form said.
var unconfirmed = map[string]string{
	"organisation": "SENTINEL-ORGANISATION",
	"contactName":  "SENTINEL-CONTACT",
	"email":        "sentinel@example.net",
	"message":      "SENTINEL-MESSAGE",
	"website":      "https://sentinel.example.net",
}

func confirmMail(locale, expiresAt string) outbox.Mail {
	data := map[string]string{"expiresAt": expiresAt}
	for k, v := range unconfirmed {
		data[k] = v
	}
	return outbox.Mail{
		ID:         "01jn8a0000000000000000000a",
		Template:   "partner.confirm",
		Locale:     locale,
		To:         []string{"verein@example.org"},
		Data:       data,
		TokenNonce: nonce,
		LinkRef:    linkRef,
		CreatedAt:  time.Date(2026, 3, 22, 0, 30, 0, 0, time.UTC),
	}
}

// linkRef names the application the confirm link opens.
const linkRef = "a.01jn8a0000000000000000000c"

func TestConfirm(t *testing.T) {
	r, cfg, keys := setup(t)
	token := linkRef + "." + keys.Token(nonce)

	tests := []struct {
		name        string
		locale      string
		expiresAt   string
		wantLocale  string
		wantSubject string
		wantFrom    string
		wantValid   string
	}{
		{
			name: "German, winter time", locale: "de", expiresAt: "2026-03-29T00:30:00Z", wantLocale: "de",
			wantSubject: "Bitte bestätigen Sie Ihren Antrag beim Netzwerk für Integration im Wartburgkreis",
			wantFrom:    "Netzwerk für Integration – Landratsamt Wartburgkreis",
			wantValid:   "Der Link ist gültig bis 29.03.2026, 01:30 Uhr.",
		},
		{
			name: "German, summer time", locale: "de", expiresAt: "2026-10-25T00:30:00Z", wantLocale: "de",
			wantSubject: "Bitte bestätigen Sie Ihren Antrag beim Netzwerk für Integration im Wartburgkreis",
			wantFrom:    "Netzwerk für Integration – Landratsamt Wartburgkreis",
			wantValid:   "Der Link ist gültig bis 25.10.2026, 02:30 Uhr.",
		},
		{
			name: "English, winter time", locale: "en", expiresAt: "2026-03-29T00:30:00Z", wantLocale: "en",
			wantSubject: "Please confirm your application to the Integration Network of the Wartburgkreis",
			wantFrom:    "Integration Network – Wartburgkreis District Office",
			wantValid:   "29 March 2026, 01:30 (CET)",
		},
		{
			name: "English, summer time", locale: "en", expiresAt: "2026-10-25T00:30:00Z", wantLocale: "en",
			wantSubject: "Please confirm your application to the Integration Network of the Wartburgkreis",
			wantFrom:    "Integration Network – Wartburgkreis District Office",
			wantValid:   "25 October 2026, 02:30 (CEST)",
		},
		{
			name: "after the change to summer time", locale: "de", expiresAt: "2026-03-29T01:30:00Z", wantLocale: "de",
			wantSubject: "Bitte bestätigen Sie Ihren Antrag beim Netzwerk für Integration im Wartburgkreis",
			wantFrom:    "Netzwerk für Integration – Landratsamt Wartburgkreis",
			wantValid:   "29.03.2026, 03:30 Uhr",
		},
		{
			name: "offset in the stored time", locale: "de", expiresAt: "2026-10-25T03:30:00+01:00", wantLocale: "de",
			wantSubject: "Bitte bestätigen Sie Ihren Antrag beim Netzwerk für Integration im Wartburgkreis",
			wantFrom:    "Netzwerk für Integration – Landratsamt Wartburgkreis",
			wantValid:   "25.10.2026, 03:30 Uhr",
		},
		{
			name: "unsupported locale falls back to German", locale: "tlh", expiresAt: "2026-03-29T00:30:00Z", wantLocale: "de",
			wantSubject: "Bitte bestätigen Sie Ihren Antrag beim Netzwerk für Integration im Wartburgkreis",
			wantFrom:    "Netzwerk für Integration – Landratsamt Wartburgkreis",
			wantValid:   "29.03.2026, 01:30 Uhr",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := r.Render(confirmMail(tt.locale, tt.expiresAt))
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			link := cfg.PublicBaseURL + "/partners/confirm?token=" + token + "&locale=" + tt.wantLocale

			if msg.Subject != tt.wantSubject {
				t.Errorf("subject: got %q, want %q", msg.Subject, tt.wantSubject)
			}
			wantFrom := netmail.Address{Name: tt.wantFrom, Address: "integration@example.org"}
			if diff := cmp.Diff(wantFrom, msg.From); diff != "" {
				t.Errorf("From (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]netmail.Address{{Address: "verein@example.org"}}, msg.To); diff != "" {
				t.Errorf("To (-want +got):\n%s", diff)
			}
			if len(msg.Cc) != 0 || len(msg.ReplyTo) != 0 {
				t.Errorf("Cc, Reply-To: got %v, %v, want none", msg.Cc, msg.ReplyTo)
			}
			if !strings.Contains(msg.Text, "\n"+link+"\n") {
				t.Errorf("text: got no line %q in\n%s", link, msg.Text)
			}
			htmlLink := strings.ReplaceAll(link, "&", "&amp;")
			if !strings.Contains(msg.HTML, `href="`+htmlLink+`"`) {
				t.Errorf("html: got no href %q in\n%s", htmlLink, msg.HTML)
			}
			for part, body := range map[string]string{"text": msg.Text, "html": msg.HTML} {
				if !strings.Contains(body, tt.wantValid) {
					t.Errorf("%s: got no %q in\n%s", part, tt.wantValid, body)
				}
				if strings.Contains(body, nonce) {
					t.Errorf("%s: got the nonce %q, want only the token", part, nonce)
				}
			}
			if !strings.Contains(msg.HTML, `<html lang="`+tt.wantLocale+`" dir="ltr">`) {
				t.Errorf("html: got no lang %q and dir ltr", tt.wantLocale)
			}
			for k, v := range unconfirmed {
				for part, body := range map[string]string{"subject": msg.Subject, "text": msg.Text, "html": msg.HTML} {
					if strings.Contains(body, v) {
						t.Errorf("%s: shows Data[%q] %q, want only expiresAt used", part, k, v)
					}
				}
			}
			if _, err := msg.Envelope(time.Date(2026, 3, 22, 0, 30, 0, 0, time.UTC), "x@example.org"); err != nil {
				t.Errorf("Envelope: %v", err)
			}
		})
	}
}

// The link carries the token as it is: the application's id, URL-safe
// base64 and dots need no escaping, and it opens the confirm page of the
// deployment's own base URL.
func TestConfirmLinkBaseURL(t *testing.T) {
	r, cfg, keys := setup(t)
	tests := []struct {
		base string
		want string
	}{
		{"https://netzwerk.example.org", "https://netzwerk.example.org/partners/confirm?token="},
		{"https://netzwerk.example.org/", "https://netzwerk.example.org/partners/confirm?token="},
		{"https://api.example.org/prod", "https://api.example.org/prod/partners/confirm?token="},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			cfg.PublicBaseURL = tt.base
			msg, err := r.Render(confirmMail("en", "2026-03-29T00:30:00Z"))
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want + linkRef + "." + keys.Token(nonce) + "&locale=en"
			if !strings.Contains(msg.Text, "\n"+want+"\n") {
				t.Errorf("text: got no link %q in\n%s", want, msg.Text)
			}
		})
	}
}

func TestFormatTime(t *testing.T) {
	tests := []struct {
		locale string
		at     time.Time
		want   string
	}{
		{"de", time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC), "29.03.2026, 01:30 Uhr"},
		{"de", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), "25.10.2026, 02:30 Uhr"},
		{"de", time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), "25.10.2026, 02:30 Uhr"},
		{"en", time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC), "29 March 2026, 01:30 (CET)"},
		{"en", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), "25 October 2026, 02:30 (CEST)"},
		{"en", time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), "25 October 2026, 02:30 (CET)"},
		{"en", time.Date(2026, 7, 1, 22, 15, 0, 0, time.UTC), "2 July 2026, 00:15 (CEST)"},
	}
	for _, tt := range tests {
		t.Run(tt.locale+" "+tt.at.Format(time.RFC3339), func(t *testing.T) {
			if got := i18n.FormatTime(tt.locale, tt.at); got != tt.want {
				t.Errorf("FormatTime(%q, %v): got %q, want %q", tt.locale, tt.at, got, tt.want)
			}
		})
	}
}

func reviewMail(organisation string) outbox.Mail {
	return outbox.Mail{
		ID:          "01jn8a0000000000000000000b",
		Template:    "partner.review",
		Locale:      "de",
		To:          []string{"integration@example.org"},
		Cc:          []string{"netzwerk-eisenach@example.org", "netzwerk-bad-salzungen@example.org"},
		ReplyTo:     "j.mueller@example.org",
		ReplyToName: "Jürgen Müller-Weiß",
		Data: map[string]string{
			"applicationId":    "01jn8a0000000000000000000c",
			"organisation":     organisation,
			"organisationType": "Verein oder Initiative",
			"contactName":      `Jürgen <b>Müller</b> "onload=alert(2)`,
			"email":            "j.mueller@example.org",
			"phone":            "03695 615803",
			"website":          "javascript:alert(3)",
			"workingGroups":    "AG Sprache, AG Arbeit",
			"regionalNetworks": "Regionales Netzwerk Eisenach",
			"message":          "Erste Zeile <img src=x onerror=alert(4)>\nZweite Zeile & mehr",
			"applicantLocale":  "en",
			"createdAt":        "2026-03-29T00:30:00Z",
			"consentAt":        "2026-10-25T00:30:00Z",
			"consentVersion":   "2026-02-27",
		},
		CreatedAt: time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC),
	}
}

func TestReview(t *testing.T) {
	r, _, _ := setup(t)
	const hostile = `<script>alert(1)</script> "onload=x Verein`
	msg, err := r.Render(reviewMail(hostile))
	if err != nil {
		t.Fatalf("Render: %v", err)
	}

	t.Run("headers", func(t *testing.T) {
		checks := []struct {
			name      string
			got, want any
		}{
			{"subject", msg.Subject, "Neuer Partnerantrag: " + hostile},
			{"to", msg.To, []netmail.Address{{Address: "integration@example.org"}}},
			{"cc", msg.Cc, []netmail.Address{{Address: "netzwerk-eisenach@example.org"}, {Address: "netzwerk-bad-salzungen@example.org"}}},
			{"reply-to", msg.ReplyTo, []netmail.Address{{Name: "Jürgen Müller-Weiß", Address: "j.mueller@example.org"}}},
		}
		for _, c := range checks {
			if diff := cmp.Diff(c.want, c.got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", c.name, diff)
			}
		}
	})

	t.Run("html escapes what people typed", func(t *testing.T) {
		for _, bad := range []string{"<script", "<b>", "<img", `"onload=`, `href="javascript:`} {
			if strings.Contains(msg.HTML, bad) {
				t.Errorf("html: got raw %q, want it escaped", bad)
			}
		}
		for _, want := range []string{
			"&lt;script&gt;alert(1)&lt;/script&gt; &#34;onload=x Verein",
			"Jürgen &lt;b&gt;Müller&lt;/b&gt; &#34;onload=alert(2)",
			"Erste Zeile &lt;img src=x onerror=alert(4)&gt;<br>Zweite Zeile &amp; mehr",
			`<a href="mailto:j.mueller@example.org">j.mueller@example.org</a>`,
			`href="#ZgotmplZ"`,      // html/template refuses the javascript: URL
			"29.03.2026, 01:30 Uhr", // createdAt
			"25.10.2026, 02:30 Uhr, Datenschutzerklärung Fassung 2026-02-27", // consent
		} {
			if !strings.Contains(msg.HTML, want) {
				t.Errorf("html: got no %q in\n%s", want, msg.HTML)
			}
		}
	})

	t.Run("text keeps what people typed", func(t *testing.T) {
		for _, want := range []string{
			"Organisation: " + hostile + "\n",
			"Ansprechperson: Jürgen <b>Müller</b> \"onload=alert(2)\n",
			"E-Mail-Adresse: j.mueller@example.org\n",
			"Telefon: 03695 615803\n",
			"Website: javascript:alert(3)\n",
			"Arbeitsgruppen: AG Sprache, AG Arbeit\n",
			"Regionale Netzwerke: Regionales Netzwerk Eisenach\n",
			"Sprache: en\n",
			"Eingegangen: 29.03.2026, 01:30 Uhr\n",
			"Einwilligung: 25.10.2026, 02:30 Uhr, Datenschutzerklärung Fassung 2026-02-27\n",
			"Antragsnummer: 01jn8a0000000000000000000c\n",
			"Nachricht:\nErste Zeile <img src=x onerror=alert(4)>\nZweite Zeile & mehr\n",
		} {
			if !strings.Contains(msg.Text, want) {
				t.Errorf("text: got no %q in\n%s", want, msg.Text)
			}
		}
		if strings.Contains(msg.Text, "&lt;") || strings.Contains(msg.Text, "&#34;") || strings.Contains(msg.Text, "&amp;") {
			t.Errorf("text: got HTML entities, want raw text:\n%s", msg.Text)
		}
	})

	t.Run("rendered message", func(t *testing.T) {
		env, err := msg.Envelope(time.Date(2026, 3, 29, 0, 31, 0, 0, time.UTC), "r1@example.org")
		if err != nil {
			t.Fatalf("Envelope: %v", err)
		}
		wantRcpt := []string{"integration@example.org", "netzwerk-eisenach@example.org", "netzwerk-bad-salzungen@example.org"}
		if diff := cmp.Diff(wantRcpt, env.To); diff != "" {
			t.Errorf("envelope recipients (-want +got):\n%s", diff)
		}
		m, err := netmail.ReadMessage(bytes.NewReader(env.Data))
		if err != nil {
			t.Fatalf("ReadMessage: %v", err)
		}
		if got := m.Header.Get("Bcc"); got != "" {
			t.Errorf("Bcc: got %q, want none", got)
		}
		var dec mime.WordDecoder
		subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
		if err != nil || subject != "Neuer Partnerantrag: "+hostile {
			t.Errorf("Subject: got %q, %v, want %q", subject, err, "Neuer Partnerantrag: "+hostile)
		}
		replyTo, err := m.Header.AddressList("Reply-To")
		if err != nil {
			t.Fatalf("Reply-To: %v", err)
		}
		if diff := cmp.Diff([]*netmail.Address{{Name: "Jürgen Müller-Weiß", Address: "j.mueller@example.org"}}, replyTo); diff != "" {
			t.Errorf("Reply-To (-want +got):\n%s", diff)
		}
		cc, err := m.Header.AddressList("Cc")
		if err != nil || len(cc) != 2 {
			t.Errorf("Cc: got %v, %v, want 2 addresses", cc, err)
		}
		if text := textPart(t, m); !strings.Contains(text, "Organisation: "+hostile+"\r\n") {
			t.Errorf("text part: got no raw organisation line in\n%s", text)
		}
	})
}

// textPart decodes the text/plain part of m.
func textPart(t *testing.T, m *netmail.Message) string {
	t.Helper()
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type: %v", err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err != nil {
			t.Fatalf("no text/plain part: %v", err)
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain") {
			var r io.Reader = p
			if p.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
				r = quotedprintable.NewReader(p)
			}
			b, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
}

// A line break in the organisation cannot come through the form, but if one
// did it must not smuggle a header into the message: rendering the body is
// fine, the header refuses it.
func TestReviewLineBreakInSubject(t *testing.T) {
	r, _, _ := setup(t)
	msg, err := r.Render(reviewMail("Verein\r\nBcc: spam@example.net"))
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if !strings.Contains(msg.Text, "Organisation: Verein\r\nBcc: spam@example.net\n") {
		t.Errorf("text: got no raw organisation in\n%s", msg.Text)
	}
	if !strings.Contains(msg.HTML, "<td>Verein\r\nBcc: spam@example.net</td>") {
		t.Errorf("html: got no organisation cell in\n%s", msg.HTML)
	}
	env, err := msg.Envelope(time.Date(2026, 3, 29, 0, 31, 0, 0, time.UTC), "r1@example.org")
	if !errors.Is(err, mail.ErrHeaderInjection) {
		t.Errorf("Envelope: got %v, want %v", err, mail.ErrHeaderInjection)
	}
	if !mail.IsPermanent(err) {
		t.Errorf("IsPermanent(%v): got false, want true (the outbox parks it)", err)
	}
	if bytes.Contains(env.Data, []byte("spam@")) || len(env.To) != 0 {
		t.Errorf("Envelope: got %d bytes to %v, want nothing", len(env.Data), env.To)
	}
}

// Optional fields left empty leave no empty rows behind.
func TestReviewOptionalFields(t *testing.T) {
	r, _, _ := setup(t)
	m := reviewMail("Beispielverein e. V.")
	for _, k := range []string{"phone", "website", "regionalNetworks", "message"} {
		delete(m.Data, k)
	}
	m.Cc = nil
	msg, err := r.Render(m)
	if err != nil {
		t.Fatal(err)
	}
	body, _, ok := strings.Cut(msg.Text, "\n-- \n") // the footer shows the network's phone
	if !ok {
		t.Fatalf("text: got no footer in\n%s", msg.Text)
	}
	for _, label := range []string{"Telefon:", "Website:", "Regionale Netzwerke:", "Nachricht:"} {
		if strings.Contains(body, label) {
			t.Errorf("text: got %q, want it left out", label)
		}
	}
	for _, label := range []string{"Telefon", "Website", "Regionale Netzwerke", "Nachricht"} {
		if strings.Contains(msg.HTML, ">"+label+"<") {
			t.Errorf("html: got %q, want it left out", label)
		}
	}
	if len(msg.Cc) != 0 {
		t.Errorf("Cc: got %v, want none", msg.Cc)
	}
}

func TestRenderErrors(t *testing.T) {
	r, _, _ := setup(t)
	noNonce := confirmMail("de", "2026-03-29T00:30:00Z")
	noNonce.TokenNonce = ""
	unknown := confirmMail("de", "2026-03-29T00:30:00Z")
	unknown.Template = "partner.cancel"
	empty := confirmMail("de", "2026-03-29T00:30:00Z")
	empty.Template = ""

	tests := []struct {
		name string
		mail outbox.Mail
		want string
	}{
		{"unknown template", unknown, "partner.cancel"},
		{"no template", empty, "template"},
		{"confirm without nonce", noNonce, "token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := r.Render(tt.mail)
			if err == nil {
				t.Fatalf("Render: got subject %q, want an error", msg.Subject)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Render: got error %q, want it to name %q", err, tt.want)
			}
			if diff := cmp.Diff(mail.Message{}, msg); diff != "" {
				t.Errorf("Render: got a message with the error (-want +got):\n%s", diff)
			}
		})
	}
}
