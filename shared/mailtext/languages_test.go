package mailtext_test

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/mailtext"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// The direction each language is written in, stated here rather than taken
// from the catalogs, so a catalog that forgets "_dir" fails.
var wantDir = map[string]string{
	"de": "ltr", "en": "ltr", "uk": "ltr", "ru": "ltr", "tr": "ltr",
	"ar": "rtl", "fa": "rtl",
}

// Letters that prove a subject is in its language's script, where the
// script is not Latin.
var wantScript = map[string]*unicode.RangeTable{
	"ar": unicode.Arabic, "fa": unicode.Arabic,
	"uk": unicode.Cyrillic, "ru": unicode.Cyrillic,
}

var leftPlaceholder = regexp.MustCompile(`\{[0-9]+\}`)

// languageMails are the mails a person of the public gets, with the data
// the services write: partner.Service for the confirm link, event.Service's
// mailFor for a confirmed seat, an event moved and an event called off,
// contact.Service for the acknowledgement.
// Values a network keeps in German and English (the event's title, the
// topic's label) are taken in the mail's language the way the services
// take them, so most languages get the German value, as they would in
// production.
func languageMails(cfg *network.Config, locale string) []outbox.Mail {
	created := time.Date(2026, 3, 22, 9, 15, 0, 0, time.UTC)
	title := network.Text{"de": "Sprachcafé im Mehrgenerationenhaus", "en": "Language café at the community centre"}
	topic := network.Text{"de": "Sprachkurse", "en": "Language courses"}
	for _, tp := range cfg.Topics {
		if tp.ID == "language-courses" {
			topic = tp.Label
		}
	}
	eventData := func(status string, extra ...string) map[string]string {
		d := map[string]string{
			"registrationId":  "01jn8a0000000000000000001c",
			"status":          status,
			"sequence":        "1",
			"position":        "0",
			"eventTitle":      title.In(locale),
			"eventStartsAt":   time.Date(2026, 4, 14, 15, 0, 0, 0, time.UTC).Format(time.RFC3339),
			"eventEndsAt":     time.Date(2026, 4, 14, 17, 0, 0, 0, time.UTC).Format(time.RFC3339),
			"timeZone":        "Europe/Berlin",
			"locationName":    "Mehrgenerationenhaus Eisenach",
			"locationAddress": "Goethestraße 12, 99817 Eisenach",
		}
		for i := 0; i+1 < len(extra); i += 2 {
			d[extra[i]] = extra[i+1]
		}
		return d
	}
	return []outbox.Mail{
		{
			ID:         "01jn8a0000000000000000001e",
			Template:   "event.updated",
			Locale:     locale,
			To:         []string{"teilnehmerin@example.org"},
			TokenNonce: "bm9uY2UtbGFuZ3VhZ2VzLTM",
			Data:       eventData(string(event.Confirmed), "changed", "time-location"),
			CreatedAt:  created,
		},
		{
			ID:        "01jn8a0000000000000000001f",
			Template:  "event.called-off",
			Locale:    locale,
			To:        []string{"wartende@example.org"},
			Data:      eventData(string(event.Waitlisted)),
			CreatedAt: created,
		},
		{
			ID:         "01jn8a0000000000000000001a",
			Template:   "partner.confirm",
			Locale:     locale,
			To:         []string{"verein@example.org"},
			TokenNonce: "bm9uY2UtbGFuZ3VhZ2VzLTE",
			Data:       map[string]string{"expiresAt": created.Add(168 * time.Hour).Format(time.RFC3339)},
			CreatedAt:  created,
		},
		{
			ID:         "01jn8a0000000000000000001b",
			Template:   "event.confirmed",
			Locale:     locale,
			To:         []string{"teilnehmerin@example.org"},
			TokenNonce: "bm9uY2UtbGFuZ3VhZ2VzLTI",
			Data:       eventData(string(event.Confirmed), "sequence", "0"),
			CreatedAt:  created,
		},
		{
			ID:       "01jn8a0000000000000000001d",
			Template: "contact.ack",
			Locale:   locale,
			To:       []string{"fragende@example.org"},
			Data: map[string]string{
				"reference":  "K-7F3A-92QX",
				"topic":      topic.In(locale),
				"receivedAt": created.Format(time.RFC3339),
			},
			CreatedAt: created,
		},
	}
}

// Every language gets every mail a person of the public receives: marked
// with its language and direction, with a subject in that language, with
// nothing left unfilled, and as a message that can be sent (RFC 2047
// subjects for Arabic, Persian and Cyrillic text).
func TestMailsInEveryLanguage(t *testing.T) {
	cfg, keys := testenv.Config(t), testenv.Keys(t)
	r := mailtext.New(cfg, keys)
	locales := i18n.Locales()
	for l := range wantDir {
		if !slices.Contains(locales, l) {
			t.Errorf("Locales(): got %q, want %q in it", locales, l)
		}
	}

	german := map[string]string{} // template -> German subject
	for _, m := range languageMails(cfg, "de") {
		msg, err := r.Render(m)
		if err != nil {
			t.Fatalf("Render %s de: %v", m.Template, err)
		}
		german[m.Template] = msg.Subject
	}

	for _, l := range locales {
		dir, ok := wantDir[l]
		if !ok {
			t.Errorf("%s: a catalog this test does not know; add its direction to wantDir", l)
			continue
		}
		for _, m := range languageMails(cfg, l) {
			t.Run(l+"/"+m.Template, func(t *testing.T) {
				msg, err := r.Render(m)
				if err != nil {
					t.Fatalf("Render: %v", err)
				}

				wantHTML := `<html lang="` + l + `" dir="` + dir + `">`
				if !strings.Contains(msg.HTML, wantHTML) {
					t.Errorf("html: got no %q in\n%s", wantHTML, head(msg.HTML))
				}

				if l != "de" && msg.Subject == german[m.Template] {
					t.Errorf("subject: got the German %q", msg.Subject)
				}
				if table, ok := wantScript[l]; ok && !strings.ContainsFunc(msg.Subject, func(r rune) bool { return unicode.Is(table, r) }) {
					t.Errorf("subject: got %q, want it in the script of %s", msg.Subject, l)
				}
				if got, want := firstLine(msg.Text), i18n.T(l, "mail.greeting"); got != want {
					t.Errorf("text: starts with %q, want the greeting %q", got, want)
				}
				for part, body := range map[string]string{"subject": msg.Subject, "text": msg.Text, "html": msg.HTML} {
					if left := leftPlaceholder.FindAllString(body, -1); left != nil {
						t.Errorf("%s: placeholders %q left in\n%s", part, left, body)
					}
				}
				for _, v := range []string{m.Data["eventTitle"], m.Data["reference"], m.Data["topic"]} {
					if v != "" && !strings.Contains(msg.Text, v) {
						t.Errorf("text: got no %q in\n%s", v, msg.Text)
					}
				}

				env, err := msg.Envelope(time.Date(2026, 3, 22, 9, 16, 0, 0, time.UTC), "id@example.org")
				if err != nil {
					t.Fatalf("Envelope: %v", err)
				}
				sent, err := netmail.ReadMessage(bytes.NewReader(env.Data))
				if err != nil {
					t.Fatalf("ReadMessage: %v", err)
				}
				raw := sent.Header.Get("Subject")
				if strings.ContainsFunc(raw, func(r rune) bool { return r > 0x7e }) {
					t.Errorf("Subject header %q: want pure ASCII", raw)
				}
				var dec mime.WordDecoder
				if got, err := dec.DecodeHeader(raw); err != nil || got != msg.Subject {
					t.Errorf("Subject header %q decodes to %q, %v, want %q", raw, got, err, msg.Subject)
				}
				for _, line := range strings.Split(string(env.Data), "\r\n") {
					if len(line) > 998 {
						t.Errorf("line of %d bytes, want at most 998 (RFC 5322)", len(line))
					}
				}
				html := part(t, sent.Header.Get("Content-Type"), sent.Body, "text/html")
				if !strings.Contains(html, wantHTML) {
					t.Errorf("sent html part: got no %q in\n%s", wantHTML, head(html))
				}
				if html != strings.ReplaceAll(msg.HTML, "\n", "\r\n") {
					t.Errorf("sent html part differs from the rendered HTML")
				}
			})
		}
	}
}

// part finds the first leaf of mediaType in a MIME entity, however deeply
// nested (an invitation wraps the alternatives in multipart/mixed), and
// returns it decoded.
func part(t *testing.T, contentType string, body io.Reader, mediaType string) string {
	t.Helper()
	got, ok := findPart(t, contentType, "", body, mediaType)
	if !ok {
		t.Fatalf("no %s part", mediaType)
	}
	return got
}

func findPart(t *testing.T, contentType, encoding string, body io.Reader, mediaType string) (string, bool) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatalf("Content-Type %q: %v", contentType, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return "", false
			}
			if err != nil {
				t.Fatalf("multipart: %v", err)
			}
			if s, ok := findPart(t, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, mediaType); ok {
				return s, true
			}
		}
	}
	if mt != mediaType {
		return "", false
	}
	if encoding == "quoted-printable" {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), true
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func head(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}
