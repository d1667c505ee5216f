package mail_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/mail"
)

var (
	testDate = time.Date(2025, time.March, 3, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	testID   = "0f3c2a@netzwerk.example.org"
)

func addr(name, address string) netmail.Address {
	return netmail.Address{Name: name, Address: address}
}

func baseMessage() mail.Message {
	return mail.Message{
		From:    addr("Netzwerk Wartburgkreis", "noreply@netzwerk.example.org"),
		To:      []netmail.Address{addr("", "anna@example.org")},
		Subject: "Hallo",
		Text:    "Guten Tag.",
	}
}

// leaf is one decoded MIME leaf part, in document order.
type leaf struct {
	mediaType string
	params    map[string]string
	encoding  string
	filename  string
	body      []byte
}

// parse reads rendered bytes back with the standard library, checking the
// line discipline on the way, and returns the headers and decoded leaves.
func parse(t *testing.T, data []byte) (*netmail.Message, []leaf) {
	t.Helper()
	checkLines(t, data)
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("ReadMessage: %v", err)
	}
	return msg, walk(t, msg.Header, msg.Body, nil)
}

// getter is what net/mail.Header and textproto.MIMEHeader have in common.
type getter interface{ Get(string) string }

// walk descends into multiparts via NextRawPart so that the transfer
// encodings are visible and decoded here, not hidden by the reader.
func walk(t *testing.T, h getter, body io.Reader, path []string) []leaf {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		t.Fatalf("%v: Content-Type %q: %v", path, h.Get("Content-Type"), err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		var leaves []leaf
		leaves = append(leaves, leaf{mediaType: mediaType, params: params})
		r := multipart.NewReader(body, params["boundary"])
		for {
			p, err := r.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%v: NextRawPart: %v", path, err)
			}
			leaves = append(leaves, walk(t, p.Header, p, append(path, mediaType))...)
		}
		return leaves
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("%v: reading part: %v", path, err)
	}
	l := leaf{mediaType: mediaType, params: params, encoding: h.Get("Content-Transfer-Encoding")}
	switch l.encoding {
	case "quoted-printable":
		l.body, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
	case "base64":
		for _, line := range strings.Split(string(raw), "\r\n") {
			if len(line) > 76 {
				t.Errorf("base64 line has %d characters, want at most 76", len(line))
			}
		}
		l.body, err = base64.StdEncoding.DecodeString(strings.ReplaceAll(string(raw), "\r\n", ""))
	default:
		t.Fatalf("%v: unexpected Content-Transfer-Encoding %q", path, l.encoding)
	}
	if err != nil {
		t.Fatalf("%v: decoding %s: %v", path, l.encoding, err)
	}
	if cd := h.Get("Content-Disposition"); cd != "" {
		_, dp, err := mime.ParseMediaType(cd)
		if err != nil {
			t.Fatalf("%v: Content-Disposition %q: %v", path, cd, err)
		}
		l.filename = dp["filename"]
	}
	return []leaf{l}
}

// checkLines asserts CRLF everywhere, no line over RFC 5322's hard limit,
// and pure ASCII output (everything non-ASCII must have been encoded).
func checkLines(t *testing.T, data []byte) {
	t.Helper()
	s := string(data)
	if strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\n") || strings.Contains(strings.ReplaceAll(s, "\r\n", ""), "\r") {
		t.Errorf("output has a bare CR or LF")
	}
	for i, line := range strings.Split(s, "\r\n") {
		if len(line) > 998 {
			t.Errorf("line %d has %d characters, want at most 998", i+1, len(line))
		}
	}
	for i := 0; i < len(data); i++ {
		if data[i] >= 0x80 {
			t.Fatalf("output has non-ASCII byte %#x at offset %d", data[i], i)
		}
	}
	head, _, _ := strings.Cut(s, "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n") {
		if len(line) > 78 {
			t.Errorf("header line %q has %d characters, want at most 78", line, len(line))
		}
	}
}

func decodeHeader(t *testing.T, v string) string {
	t.Helper()
	got, err := new(mime.WordDecoder).DecodeHeader(v)
	if err != nil {
		t.Fatalf("DecodeHeader(%q): %v", v, err)
	}
	return got
}

func render(t *testing.T, m mail.Message) []byte {
	t.Helper()
	data, err := m.Render(testDate, testID)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return data
}

func TestRenderHeaders(t *testing.T) {
	tests := []struct {
		name string
		edit func(*mail.Message)
		want map[string]string // header name -> raw value after unfolding; "" = absent
	}{
		{
			name: "minimal message",
			edit: func(*mail.Message) {},
			want: map[string]string{
				"From":         `"Netzwerk Wartburgkreis" <noreply@netzwerk.example.org>`,
				"To":           "<anna@example.org>",
				"Cc":           "",
				"Reply-To":     "",
				"Subject":      "Hallo",
				"Date":         "Mon, 03 Mar 2025 09:30:00 +0100",
				"Message-Id":   "<0f3c2a@netzwerk.example.org>",
				"Mime-Version": "1.0",
			},
		},
		{
			name: "cc and reply-to",
			edit: func(m *mail.Message) {
				m.To = append(m.To, addr("Ben Bauer", "ben@example.org"))
				m.Cc = []netmail.Address{addr("", "carla@example.org")}
				m.ReplyTo = []netmail.Address{addr("Koordination", "team@example.org"), addr("", "leitung@example.org")}
			},
			want: map[string]string{
				"To":       `<anna@example.org>, "Ben Bauer" <ben@example.org>`,
				"Cc":       "<carla@example.org>",
				"Reply-To": `"Koordination" <team@example.org>, <leitung@example.org>`,
			},
		},
		{
			name: "local part that needs quoting",
			edit: func(m *mail.Message) { m.To = []netmail.Address{addr("", "anna maria@example.org")} },
			want: map[string]string{"To": `<"anna maria"@example.org>`},
		},
		{
			name: "upper-case domain is lower-cased by IDNA lookup",
			edit: func(m *mail.Message) { m.To = []netmail.Address{addr("", "Anna@Example.ORG")} },
			want: map[string]string{"To": "<Anna@example.org>"},
		},
		{
			name: "date keeps its zone",
			edit: func(*mail.Message) {},
			want: map[string]string{"Date": "Mon, 03 Mar 2025 09:30:00 +0100"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := baseMessage()
			tt.edit(&m)
			msg, _ := parse(t, render(t, m))
			for k, want := range tt.want {
				if got := msg.Header.Get(k); got != want {
					t.Errorf("header %s: got %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestRenderHeaderOrder(t *testing.T) {
	m := baseMessage()
	m.Cc = []netmail.Address{addr("", "carla@example.org")}
	m.ReplyTo = []netmail.Address{addr("", "team@example.org")}
	head, _, _ := strings.Cut(string(render(t, m)), "\r\n\r\n")
	var got []string
	for _, line := range strings.Split(head, "\r\n") {
		if name, _, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, " ") {
			got = append(got, name)
		}
	}
	want := []string{"From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("header order: got %v, want %v", got, want)
	}
}

func TestRenderEncodedWords(t *testing.T) {
	tests := []struct {
		name        string
		displayName string
		subject     string
	}{
		{"cyrillic", "Анна Петрова", "Приглашение на встречу в понедельник"},
		{"arabic", "محمد العلي", "دعوة إلى اجتماع الشبكة"},
		{"umlauts", "Jürgen Müßig-Öztürk", "Einladung: Größere Räume für Übersetzungen"},
		{"long mixed", "Ольга Александровна Константинопольская-Шварценеггер", strings.TrimSpace(strings.Repeat("Übersetzung für Familien – ", 6))},
		{"name with specials", "Müller, Anna (Jobcenter)", "Frage zu \"Integration\" <Kurs>"},
		{"ascii that looks encoded", "Plain Name", "=?utf-8?q?not_an_encoded_word?="},
		{"a name that looks encoded", "=?utf-8?b?QmNjOiB4QGV2aWwub3Jn?=", "Frage"},
		{"a name with an encoded word inside", "Erika =?utf-8?q?Bcc=3A_x=40evil=2Eorg?= Beispiel", "Frage"},
		{"a non-ASCII name that looks encoded", "=?utf-8?q?J=C3=BCrgen?= Müller", "Frage"},
		{"ascii with a very long word", "Plain Name", "Link: https://netzwerk.example.org/" + strings.Repeat("abcdefghij", 12)},
		{"ascii with many words", "Plain Name", strings.TrimSpace(strings.Repeat("viele Worte ", 20))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := baseMessage()
			m.From = addr(tt.displayName, "noreply@netzwerk.example.org")
			m.To = []netmail.Address{addr(tt.displayName, "anna@example.org"), addr("Zweite", "z@example.org")}
			m.Subject = tt.subject
			msg, _ := parse(t, render(t, m)) // also asserts the output is ASCII

			if got := decodeHeader(t, msg.Header.Get("Subject")); got != tt.subject {
				t.Errorf("Subject: got %q, want %q", got, tt.subject)
			}
			from, err := msg.Header.AddressList("From")
			if err != nil {
				t.Fatalf("From: %v", err)
			}
			if got, want := from[0].Name, tt.displayName; got != want {
				t.Errorf("From name: got %q, want %q", got, want)
			}
			if strings.Contains(tt.displayName, "=?") && strings.Contains(msg.Header.Get("From"), "=?utf-8?b?QmNj") {
				t.Errorf("From %q carries the typed encoded-word as it was typed", msg.Header.Get("From"))
			}
			to, err := msg.Header.AddressList("To")
			if err != nil {
				t.Fatalf("To: %v", err)
			}
			if got, want := len(to), 2; got != want {
				t.Fatalf("To: got %d addresses, want %d", got, want)
			}
			if got, want := to[0].Name, tt.displayName; got != want {
				t.Errorf("To name: got %q, want %q", got, want)
			}
			if got, want := to[1].Address, "z@example.org"; got != want {
				t.Errorf("second To address: got %q, want %q", got, want)
			}
		})
	}
}

func TestRenderIDN(t *testing.T) {
	tests := []struct {
		name    string
		address string
		want    string
	}{
		{"umlaut domain", "anna@bücherei.example", "anna@xn--bcherei-n2a.example"},
		{"sharp s is kept (IDNA2008)", "info@straße.example", "info@xn--strae-oqa.example"},
		{"cyrillic domain", "info@пример.рф", "info@xn--e1afmkfd.xn--p1ai"},
		{"ascii domain unchanged", "info@example.org", "info@example.org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := baseMessage()
			m.To = []netmail.Address{addr("Anna", tt.address)}
			env, err := m.Envelope(testDate, testID)
			if err != nil {
				t.Fatalf("Envelope: %v", err)
			}
			if got, want := env.To, []string{tt.want}; !reflect.DeepEqual(got, want) {
				t.Errorf("envelope To: got %q, want %q", got, want)
			}
			msg, _ := parse(t, env.Data)
			to, err := msg.Header.AddressList("To")
			if err != nil {
				t.Fatalf("To: %v", err)
			}
			if got := to[0].Address; got != tt.want {
				t.Errorf("To header address: got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRenderRejects(t *testing.T) {
	const payload = "x\r\nBcc: victim@evil.example"
	tests := []struct {
		name      string
		edit      func(*mail.Message)
		id        string
		injection bool // the error must also wrap ErrHeaderInjection
	}{
		{"CRLF in from name", func(m *mail.Message) { m.From.Name = payload }, testID, true},
		{"LF in from address", func(m *mail.Message) { m.From.Address = "a@example.org\nBcc: victim@evil.example" }, testID, true},
		{"CRLF in to name", func(m *mail.Message) { m.To[0].Name = payload }, testID, true},
		{"CR in to address", func(m *mail.Message) { m.To[0].Address = "anna@example.org\rBcc: victim@evil.example" }, testID, true},
		{"LF in cc address", func(m *mail.Message) { m.Cc = []netmail.Address{addr("", "c@example.org\n")} }, testID, true},
		{"CRLF in reply-to name", func(m *mail.Message) { m.ReplyTo = []netmail.Address{addr(payload, "r@example.org")} }, testID, true},
		{"CRLF in subject", func(m *mail.Message) { m.Subject = payload }, testID, true},
		{"LF alone in subject", func(m *mail.Message) { m.Subject = "a\nb" }, testID, true},
		{"NUL in subject", func(m *mail.Message) { m.Subject = "a\x00b" }, testID, true},
		{"tab in subject", func(m *mail.Message) { m.Subject = "a\tb" }, testID, true},
		{"C1 control NEL in name", func(m *mail.Message) { m.To[0].Name = "a\u0085b" }, testID, true},
		{"DEL in subject", func(m *mail.Message) { m.Subject = "a\x7fb" }, testID, true},
		{"CRLF in attachment filename", func(m *mail.Message) {
			m.Attachments = []mail.Attachment{{Filename: "a.ics\r\nContent-Type: text/html", ContentType: "text/calendar"}}
		}, testID, true},
		{"CRLF in attachment content type", func(m *mail.Message) {
			m.Attachments = []mail.Attachment{{Filename: "a.ics", ContentType: "text/calendar\r\nX-Evil: 1"}}
		}, testID, true},
		{"CRLF in message id", func(*mail.Message) {}, "abc@example.org\r\nBcc: victim@evil.example", true},
		{"no recipient", func(m *mail.Message) { m.To = nil }, testID, false},
		{"cc without to", func(m *mail.Message) { m.To = nil; m.Cc = []netmail.Address{addr("", "c@example.org")} }, testID, false},
		{"empty from", func(m *mail.Message) { m.From = netmail.Address{} }, testID, false},
		{"address without at", func(m *mail.Message) { m.To[0].Address = "anna" }, testID, false},
		{"address without domain", func(m *mail.Message) { m.To[0].Address = "anna@" }, testID, false},
		{"address without local part", func(m *mail.Message) { m.To[0].Address = "@example.org" }, testID, false},
		{"unicode local part", func(m *mail.Message) { m.To[0].Address = "jürgen@example.org" }, testID, false},
		{"invalid domain", func(m *mail.Message) { m.To[0].Address = "anna@exa mple.org" }, testID, false},
		{"domain with leading hyphen", func(m *mail.Message) { m.To[0].Address = "anna@-example.org" }, testID, false},
		{"domain with empty label", func(m *mail.Message) { m.To[0].Address = "anna@example..org" }, testID, false},
		{"invalid UTF-8 in subject", func(m *mail.Message) { m.Subject = "a\xffb" }, testID, false},
		{"invalid UTF-8 in text", func(m *mail.Message) { m.Text = "a\xffb" }, testID, false},
		{"invalid UTF-8 in html", func(m *mail.Message) { m.HTML = "a\xffb" }, testID, false},
		{"empty message id", func(*mail.Message) {}, "", false},
		{"message id without domain", func(*mail.Message) {}, "abc", false},
		{"message id with brackets", func(*mail.Message) {}, "<abc@example.org>", false},
		{"message id with space", func(*mail.Message) {}, "a bc@example.org", false},
		{"message id with two ats", func(*mail.Message) {}, "a@b@example.org", false},
		{"attachment without filename", func(m *mail.Message) { m.Attachments = []mail.Attachment{{ContentType: "text/plain"}} }, testID, false},
		{"attachment filename with path", func(m *mail.Message) { m.Attachments = []mail.Attachment{{Filename: "../etc/passwd"}} }, testID, false},
		{"attachment filename too long", func(m *mail.Message) {
			m.Attachments = []mail.Attachment{{Filename: strings.Repeat("ä", 200) + ".txt"}}
		}, testID, false},
		{"attachment bad content type", func(m *mail.Message) { m.Attachments = []mail.Attachment{{Filename: "a", ContentType: "text/"}} }, testID, false},
		{"attachment multipart content type", func(m *mail.Message) {
			m.Attachments = []mail.Attachment{{Filename: "a", ContentType: "multipart/mixed; boundary=x"}}
		}, testID, false},
		{"name with an unfoldable word", func(m *mail.Message) { m.To[0].Name = strings.Repeat("a", 1000) }, testID, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := baseMessage()
			tt.edit(&m)
			data, err := m.Render(testDate, tt.id)
			if err == nil {
				t.Fatalf("Render: got no error, want one; output:\n%s", data)
			}
			if data != nil {
				t.Errorf("Render: got %d bytes with the error, want none", len(data))
			}
			if got, want := errors.Is(err, mail.ErrHeaderInjection), tt.injection; got != want {
				t.Errorf("errors.Is(err, ErrHeaderInjection): got %v, want %v (err: %v)", got, want, err)
			}
			if !errors.Is(err, mail.ErrInvalidMessage) {
				t.Errorf("errors.Is(err, ErrInvalidMessage): got false, want true (err: %v)", err)
			}
			if !mail.IsPermanent(err) {
				t.Errorf("IsPermanent(%v): got false, want true", err)
			}
			if strings.Contains(err.Error(), "victim") {
				t.Errorf("error %q repeats the offending input", err)
			}
			if _, envErr := m.Envelope(testDate, tt.id); envErr == nil {
				t.Errorf("Envelope: got no error, want one")
			}
		})
	}
}

func TestRenderBody(t *testing.T) {
	longLine := strings.Repeat("Sehr lange Zeile mit Umlauten äöü und = Zeichen. ", 5)
	ics := []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:PUBLISH\r\nEND:VCALENDAR\r\n")
	binary := make([]byte, 1000)
	for i := range binary {
		binary[i] = byte(i)
	}
	tests := []struct {
		name        string
		text, html  string
		attachments []mail.Attachment
		want        []leaf // multipart containers appear as leaves with only mediaType set
	}{
		{
			name: "text only",
			text: "Hallo\nWelt",
			want: []leaf{{mediaType: "text/plain", encoding: "quoted-printable", body: []byte("Hallo\r\nWelt")}},
		},
		{
			name: "html only",
			html: "<p>Grüße</p>",
			want: []leaf{{mediaType: "text/html", encoding: "quoted-printable", body: []byte("<p>Grüße</p>")}},
		},
		{
			name: "empty body is an empty text part",
			want: []leaf{{mediaType: "text/plain", encoding: "quoted-printable", body: []byte{}}},
		},
		{
			name: "text and html are alternatives, plain first",
			text: longLine,
			html: "<p>" + longLine + "</p>",
			want: []leaf{
				{mediaType: "multipart/alternative"},
				{mediaType: "text/plain", encoding: "quoted-printable", body: []byte(longLine)},
				{mediaType: "text/html", encoding: "quoted-printable", body: []byte("<p>" + longLine + "</p>")},
			},
		},
		{
			name: "attachments wrap the alternatives in mixed",
			text: "Siehe Anhang.",
			html: "<p>Siehe Anhang.</p>",
			attachments: []mail.Attachment{
				{Filename: "einladung.ics", ContentType: "text/calendar; charset=UTF-8; method=PUBLISH", Data: ics},
				{Filename: "Übersicht März.bin", Data: binary},
			},
			want: []leaf{
				{mediaType: "multipart/mixed"},
				{mediaType: "multipart/alternative"},
				{mediaType: "text/plain", encoding: "quoted-printable", body: []byte("Siehe Anhang.")},
				{mediaType: "text/html", encoding: "quoted-printable", body: []byte("<p>Siehe Anhang.</p>")},
				{mediaType: "text/calendar", encoding: "base64", filename: "einladung.ics", body: ics},
				{mediaType: "application/octet-stream", encoding: "base64", filename: "Übersicht März.bin", body: binary},
			},
		},
		{
			name:        "text only with attachment",
			text:        "Siehe Anhang.",
			attachments: []mail.Attachment{{Filename: "leer.txt", ContentType: "text/plain", Data: nil}},
			want: []leaf{
				{mediaType: "multipart/mixed"},
				{mediaType: "text/plain", encoding: "quoted-printable", body: []byte("Siehe Anhang.")},
				{mediaType: "text/plain", encoding: "base64", filename: "leer.txt", body: []byte{}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := baseMessage()
			m.Text, m.HTML, m.Attachments = tt.text, tt.html, tt.attachments
			data := render(t, m)
			_, leaves := parse(t, data)
			if got, want := len(leaves), len(tt.want); got != want {
				t.Fatalf("got %d MIME entities, want %d: %+v", got, want, leaves)
			}
			for i, want := range tt.want {
				got := leaves[i]
				if got.mediaType != want.mediaType {
					t.Errorf("entity %d media type: got %q, want %q", i, got.mediaType, want.mediaType)
				}
				if strings.HasPrefix(want.mediaType, "multipart/") {
					continue
				}
				if strings.HasPrefix(want.mediaType, "text/") && want.encoding == "quoted-printable" {
					if got, want := got.params["charset"], "UTF-8"; got != want {
						t.Errorf("entity %d charset: got %q, want %q", i, got, want)
					}
				}
				if got.encoding != want.encoding {
					t.Errorf("entity %d encoding: got %q, want %q", i, got.encoding, want.encoding)
				}
				if got.filename != want.filename {
					t.Errorf("entity %d filename: got %q, want %q", i, got.filename, want.filename)
				}
				if !bytes.Equal(got.body, want.body) {
					t.Errorf("entity %d body: got %q, want %q", i, got.body, want.body)
				}
			}
		})
	}
}

func TestRenderAttachmentContentType(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		filename    string
		wantType    string
		wantParams  map[string]string
	}{
		{
			name:        "calendar parameters survive",
			contentType: "text/calendar; charset=UTF-8; method=PUBLISH",
			filename:    "termin.ics",
			wantType:    "text/calendar",
			wantParams:  map[string]string{"charset": "UTF-8", "method": "PUBLISH", "name": "termin.ics"},
		},
		{
			name:       "empty type becomes octet-stream",
			filename:   "daten.bin",
			wantType:   "application/octet-stream",
			wantParams: map[string]string{"name": "daten.bin"},
		},
		{
			name:        "non-ascii name parameter is RFC 2047 encoded",
			contentType: "application/pdf",
			filename:    "Bescheid Müller.pdf",
			wantType:    "application/pdf",
			wantParams:  map[string]string{"name": "=?utf-8?q?Bescheid_M=C3=BCller.pdf?="},
		},
		{
			name:        "explicit name parameter is kept",
			contentType: `application/pdf; name="original.pdf"`,
			filename:    "kopie.pdf",
			wantType:    "application/pdf",
			wantParams:  map[string]string{"name": "original.pdf"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := baseMessage()
			m.Attachments = []mail.Attachment{{Filename: tt.filename, ContentType: tt.contentType, Data: []byte("x")}}
			_, leaves := parse(t, render(t, m))
			got := leaves[len(leaves)-1]
			if got.mediaType != tt.wantType {
				t.Errorf("media type: got %q, want %q", got.mediaType, tt.wantType)
			}
			if !reflect.DeepEqual(got.params, tt.wantParams) {
				t.Errorf("params: got %v, want %v", got.params, tt.wantParams)
			}
			if got.filename != tt.filename {
				t.Errorf("filename: got %q, want %q", got.filename, tt.filename)
			}
		})
	}
}

func TestRenderFoldsLongAddressLists(t *testing.T) {
	m := baseMessage()
	m.To = nil
	var want []string
	for i := range 30 {
		a := "teilnehmerin-" + string(rune('a'+i%26)) + strings.Repeat("x", i) + "@example.org"
		m.To = append(m.To, addr("Teilnehmerin Nummer", a))
		want = append(want, a)
	}
	msg, _ := parse(t, render(t, m)) // parse asserts header lines <= 78
	to, err := msg.Header.AddressList("To")
	if err != nil {
		t.Fatalf("To: %v", err)
	}
	var got []string
	for _, a := range to {
		got = append(got, a.Address)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("To: got %v, want %v", got, want)
	}
}

func TestEnvelope(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(*mail.Message)
		wantFrom string
		wantTo   []string
	}{
		{
			name:     "single recipient",
			edit:     func(*mail.Message) {},
			wantFrom: "noreply@netzwerk.example.org",
			wantTo:   []string{"anna@example.org"},
		},
		{
			name: "to and cc, reply-to excluded, duplicates once",
			edit: func(m *mail.Message) {
				m.To = append(m.To, addr("Ben", "ben@example.org"))
				m.Cc = []netmail.Address{addr("Anna again", "anna@example.org"), addr("", "carla@example.org")}
				m.ReplyTo = []netmail.Address{addr("", "team@example.org")}
			},
			wantFrom: "noreply@netzwerk.example.org",
			wantTo:   []string{"anna@example.org", "ben@example.org", "carla@example.org"},
		},
		{
			name:     "idn from domain",
			edit:     func(m *mail.Message) { m.From = addr("Bücherei", "info@bücherei.example") },
			wantFrom: "info@xn--bcherei-n2a.example",
			wantTo:   []string{"anna@example.org"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := baseMessage()
			tt.edit(&m)
			env, err := m.Envelope(testDate, testID)
			if err != nil {
				t.Fatalf("Envelope: %v", err)
			}
			if env.From != tt.wantFrom {
				t.Errorf("From: got %q, want %q", env.From, tt.wantFrom)
			}
			if !reflect.DeepEqual(env.To, tt.wantTo) {
				t.Errorf("To: got %q, want %q", env.To, tt.wantTo)
			}
			msg, _ := parse(t, env.Data)
			if got, want := msg.Header.Get("Message-Id"), "<"+testID+">"; got != want {
				t.Errorf("Data Message-ID: got %q, want %q", got, want)
			}
		})
	}
}
