package main

import (
	"encoding/json"
	"maps"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	miniserver "github.com/truora/minidyn/server"

	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// The contact form end to end: HTTP in, DynamoDB (emulated) in between,
// .eml files out.

var contactReference = regexp.MustCompile(`^K-[2345679ACDEFGHJKMNPQRTWXYZ]{4}-[2345679ACDEFGHJKMNPQRTWXYZ]{4}$`)

// contactMessage has what an attacker would like to see unescaped in the
// coordinators' mail client, over several lines.
const contactMessage = "Guten Tag,\r\nich suche einen <b>Sprachkurs</b> für \"Anfänger\" & Fortgeschrittene.\r\n<script>alert('x')</script>\r\nDanke!"

// postContact sends fields as JSON to /contact.
func (l *local) postContact(t *testing.T, fields map[string]any, header ...string) (*http.Response, string) {
	t.Helper()
	body, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return l.request(t, "POST", "/contact", "application/json", string(body), header...)
}

// contactAnswer is the body of a 202.
func contactAnswer(t *testing.T, resp *http.Response, body string) (msgID, reference string) {
	t.Helper()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /contact: status %d, want 202: %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("answer %s: %v", body, err)
	}
	keys := slices.Sorted(maps.Keys(got))
	if want := []string{"id", "reference", "status"}; !slices.Equal(keys, want) {
		t.Errorf("answer keys %v, want %v: %s", keys, want, body)
	}
	if got["status"] != "received" {
		t.Errorf("status %q, want received", got["status"])
	}
	if !id.Valid(got["id"]) {
		t.Errorf("id %q is not an id", got["id"])
	}
	if !contactReference.MatchString(got["reference"]) {
		t.Errorf("reference %q, want K-XXXX-XXXX", got["reference"])
	}
	return got["id"], got["reference"]
}

// addresses lists the addresses of a header field; none if it is absent.
func addresses(t *testing.T, m parsedMail, field string) []*mail.Address {
	t.Helper()
	if m.header.Get(field) == "" {
		return nil
	}
	list, err := m.header.AddressList(field)
	if err != nil {
		t.Fatalf("%s %q: %v", field, m.header.Get(field), err)
	}
	return list
}

// bare lists the bare addresses of a header field.
func bare(t *testing.T, m parsedMail, field string) []string {
	t.Helper()
	var out []string
	for _, a := range addresses(t, m, field) {
		out = append(out, a.Address)
	}
	return out
}

// contactMailsOf splits the mails about one sender into the one to an inbox
// (Reply-To the sender) and the acknowledgement (To the sender).
func contactMailsOf(t *testing.T, mails []parsedMail, sender string) (inbox, ack parsedMail) {
	t.Helper()
	var inboxes, acks []parsedMail
	for _, m := range mails {
		if slices.Contains(bare(t, m, "Reply-To"), sender) {
			inboxes = append(inboxes, m)
		}
		if slices.Contains(bare(t, m, "To"), sender) {
			acks = append(acks, m)
		}
	}
	if len(inboxes) != 1 || len(acks) != 1 {
		t.Fatalf("%d mails Reply-To and %d To %s, want one each", len(inboxes), len(acks), sender)
	}
	return inboxes[0], acks[0]
}

// lf is a text part with its CRLF line ends as Go strings have them.
func lf(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

func TestContactEndToEnd(t *testing.T) {
	l := startLocal(t, nil)
	tests := []struct {
		name      string
		fields    map[string]any
		header    []string
		inbox     string
		topic     string // the German label in the inbox mail
		ackLocale string
		ackTopic  string
	}{
		{
			name: "German sender with umlauts",
			fields: map[string]any{"name": "Jürgen Größe", "email": "juergen.groesse@example.org", "topic": "language-courses",
				"phone": "03695 123456", "message": contactMessage, "consent": true, "locale": "de"},
			inbox: "ag-sprache@example.org", topic: "Sprachkurse", ackLocale: "de", ackTopic: "Sprachkurse",
		},
		{
			name: "Cyrillic name, English, regional network",
			fields: map[string]any{"name": "Олена Коваль", "email": "olena.koval@example.org", "topic": "general",
				"network": "eisenach", "message": contactMessage, "consent": true, "locale": "en"},
			inbox: "netzwerk-eisenach@example.org", topic: "Allgemeine Fragen", ackLocale: "en", ackTopic: "General questions",
		},
		{
			name: "Arabic name, language from Accept-Language",
			fields: map[string]any{"name": "فاطمة الزهراء", "email": "fatima@example.org", "topic": "joining",
				"message": contactMessage, "consent": true},
			header: []string{"Accept-Language", "xx, en;q=0.8, de;q=0.5"},
			inbox:  "integration@example.org", topic: "Mitarbeit im Netzwerk", ackLocale: "en", ackTopic: "Joining the network",
		},
		{
			name: "Arabic name, German for an unknown locale",
			fields: map[string]any{"name": "فاطمة الزهراء", "email": "fatima.de@example.org", "topic": "housing",
				"network": "bad-salzungen", "message": contactMessage, "consent": true, "locale": "xx"},
			inbox: "ag-wohnen@example.org", topic: "Wohnen", ackLocale: "de", ackTopic: "Wohnen",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, sender := tt.fields["name"].(string), tt.fields["email"].(string)
			resp, body := l.postContact(t, tt.fields, tt.header...)
			_, ref := contactAnswer(t, resp, body)
			l.Wait()
			inbox, ack := contactMailsOf(t, l.mails(t), sender)

			t.Run("inbox mail", func(t *testing.T) {
				if got, want := bare(t, inbox, "To"), []string{tt.inbox}; !slices.Equal(got, want) {
					t.Errorf("To %v, want %v", got, want)
				}
				if got := inbox.header.Get("Cc"); got != "" {
					t.Errorf("Cc %q, want none", got)
				}
				raw := inbox.header.Get("Reply-To")
				if !strings.Contains(raw, "=?utf-8?") || strings.ContainsFunc(raw, func(r rune) bool { return r > 0x7e }) {
					t.Errorf("Reply-To %q: want the name RFC 2047-encoded, pure ASCII", raw)
				}
				replyTo := addresses(t, inbox, "Reply-To")
				if len(replyTo) != 1 || replyTo[0].Name != name || replyTo[0].Address != sender {
					t.Errorf("Reply-To %q decodes to %v, want %s <%s>", raw, replyTo, name, sender)
				}
				wantSubject := "[" + ref + "] Kontaktanfrage: " + tt.topic + " – " + name
				if got := decodeHeader(t, inbox.header, "Subject"); got != wantSubject {
					t.Errorf("Subject %q, want %q", got, wantSubject)
				}
				text := lf(inbox.text)
				for _, want := range []string{
					lf(contactMessage), // line breaks kept, nothing escaped in plain text
					"Vorgangsnummer: " + ref,
					"Thema: " + tt.topic,
					"Name: " + name,
					"E-Mail-Adresse: " + sender,
					"Datenschutzerklärung Fassung 2026-02-27",
				} {
					if !strings.Contains(text, want) {
						t.Errorf("text part lacks %q:\n%s", want, text)
					}
				}
				for _, want := range []string{
					"Guten Tag,<br>ich suche einen &lt;b&gt;Sprachkurs&lt;/b&gt; für &#34;Anfänger&#34; &amp; Fortgeschrittene.<br>",
					"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;<br>Danke!",
					name,
					ref,
				} {
					if !strings.Contains(inbox.html, want) {
						t.Errorf("HTML part lacks %q:\n%s", want, inbox.html)
					}
				}
				for _, bad := range []string{"<script>", "<b>Sprachkurs", `"Anfänger"`} {
					if strings.Contains(inbox.html, bad) {
						t.Errorf("HTML part has %q unescaped", bad)
					}
				}
			})

			t.Run("acknowledgement", func(t *testing.T) {
				if got, want := bare(t, ack, "To"), []string{sender}; !slices.Equal(got, want) {
					t.Errorf("To %v, want %v", got, want)
				}
				if got := ack.header.Get("Reply-To") + ack.header.Get("Cc"); got != "" {
					t.Errorf("Reply-To/Cc %q, want none", got)
				}
				subject := decodeHeader(t, ack.header, "Subject")
				wantSubject := map[string]string{"de": "Ihre Nachricht ist angekommen", "en": "Your message has arrived"}[tt.ackLocale] + " (" + ref + ")"
				if subject != wantSubject {
					t.Errorf("Subject %q, want %q", subject, wantSubject)
				}
				if !strings.Contains(ack.text, ref) || !strings.Contains(ack.html, ref) {
					t.Errorf("the acknowledgement lacks the reference %s:\n%s", ref, ack.text)
				}
				if !strings.Contains(ack.text, tt.ackTopic) {
					t.Errorf("text part lacks the topic %q in %s:\n%s", tt.ackTopic, tt.ackLocale, ack.text)
				}
				if lang := map[string]string{"de": "Vorgangsnummer", "en": "Reference number"}[tt.ackLocale]; !strings.Contains(ack.text, lang) {
					t.Errorf("text part not in %s (no %q):\n%s", tt.ackLocale, lang, ack.text)
				}
				// The address is unverified: nothing the sender typed goes back.
				for _, typed := range []string{name, strings.Fields(name)[0], sender, "Anfänger", "Fortgeschrittene", "script", "Danke", "123456"} {
					if strings.Contains(ack.text, typed) || strings.Contains(ack.html, typed) || strings.Contains(subject, typed) {
						t.Errorf("the acknowledgement contains %q", typed)
					}
				}
			})
		})
	}
}

// TestContactHeaderInjection: line breaks in any field either refuse the
// message, naming the field, or, in the message where they belong, stay in
// the body. No mail gets a Bcc or another recipient.
func TestContactHeaderInjection(t *testing.T) {
	l := startLocal(t, nil)
	const bcc = "\r\nBcc: victim@example.org"
	valid := func(sender string) map[string]any {
		return map[string]any{"name": "Erika Beispiel", "email": sender, "topic": "general",
			"message": "Eine Frage.", "consent": true}
	}
	tests := []struct {
		name   string
		field  string
		value  string
		refuse bool // 422 naming field; else 202
	}{
		{"name with CRLF", "name", "Erika" + bcc, true},
		{"name with LF", "name", "Erika\nBcc: victim@example.org", true},
		{"name with CR", "name", "Erika\rBcc: victim@example.org", true},
		{"email with CRLF", "email", "erika@example.org" + bcc, true},
		{"email with LF", "email", "erika@example.org\nBcc: victim@example.org", true},
		{"email with a second address", "email", "erika@example.org, victim@example.org", true},
		{"email with a display name", "email", "Erika <victim@example.org>", true},
		{"topic with CRLF", "topic", "general" + bcc, true},
		{"phone with CRLF", "phone", "03695 123456" + bcc, true},
		{"network with CRLF", "network", "eisenach" + bcc, true},
		{"message with a lone CR", "message", "Hallo\rBcc: victim@example.org", true},
		{"message with CRLF", "message", "Hallo" + bcc + "\r\n\r\nText", false},
		{"message with LF", "message", "Hallo\nBcc: victim@example.org", false},
		{"locale with CRLF", "locale", "en" + bcc, false},
		{"name with address syntax", "name", `Eve <victim@example.org>, "Mallory"`, false},
	}
	accepted := map[string]string{} // sender → the case's name
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sender := "injection-" + strconv.Itoa(i) + "@example.org"
			fields := valid(sender)
			fields[tt.field] = tt.value
			resp, body := l.postContact(t, fields)
			if !tt.refuse {
				contactAnswer(t, resp, body)
				accepted[sender] = tt.name
				return
			}
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %s", resp.StatusCode, body)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("Content-Type %q", ct)
			}
			var p struct {
				Errors []struct{ Field, Code string }
			}
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				t.Fatal(err)
			}
			if len(p.Errors) != 1 || p.Errors[0].Field != tt.field {
				t.Errorf("errors %+v, want one naming %s", p.Errors, tt.field)
			}
		})
	}
	l.Wait()

	mails := l.mails(t)
	t.Run("only the accepted were mailed, each twice", func(t *testing.T) {
		if got, want := len(mails), 2*len(accepted); got != want {
			t.Errorf("%d mails, want %d", got, want)
		}
		for sender := range accepted {
			contactMailsOf(t, mails, sender)
		}
	})
	t.Run("no Bcc, no extra recipient", func(t *testing.T) {
		for _, m := range mails {
			subject := decodeHeader(t, m.header, "Subject")
			for key := range m.header {
				if k := strings.ToLower(key); k == "bcc" || k == "cc" || strings.Contains(k, "victim") {
					t.Errorf("%q: header %s", subject, key)
				}
			}
			rcpt := append(bare(t, m, "To"), bare(t, m, "Cc")...)
			if len(rcpt) != 1 {
				t.Errorf("%q: recipients %v, want one", subject, rcpt)
			}
			for _, a := range rcpt {
				if _, ok := accepted[a]; !ok && a != "integration@example.org" {
					t.Errorf("%q: recipient %s is neither the sender nor the inbox", subject, a)
				}
			}
			replyTo := bare(t, m, "Reply-To")
			if len(replyTo) > 1 || (len(replyTo) == 1 && accepted[replyTo[0]] == "") {
				t.Errorf("%q: Reply-To %v, want at most the sender", subject, replyTo)
			}
			for key, values := range m.header {
				for _, v := range values {
					if decoded, err := new(mime.WordDecoder).DecodeHeader(v); err != nil || strings.Contains(strings.ToLower(decoded), "bcc:") {
						t.Errorf("%q: %s %q carries the injected Bcc", subject, key, v)
					}
				}
			}
		}
	})
	t.Run("the message's line breaks stay in the body", func(t *testing.T) {
		for sender, name := range accepted {
			if name != "message with CRLF" {
				continue
			}
			inbox, _ := contactMailsOf(t, mails, sender)
			if !strings.Contains(lf(inbox.text), "Hallo\nBcc: victim@example.org\n\nText") {
				t.Errorf("text part:\n%s", inbox.text)
			}
		}
	})
	t.Run("a name that looks like addresses stays a name", func(t *testing.T) {
		for sender, name := range accepted {
			if name != "name with address syntax" {
				continue
			}
			inbox, _ := contactMailsOf(t, mails, sender)
			replyTo := addresses(t, inbox, "Reply-To")
			if len(replyTo) != 1 || replyTo[0].Address != sender || replyTo[0].Name != `Eve <victim@example.org>, "Mallory"` {
				t.Errorf("Reply-To %q parses to %v", inbox.header.Get("Reply-To"), replyTo)
			}
		}
	})
}

// TestContactFormPost: a plain HTML form gets a 303 to a relative thank-you
// page in its language, and a page listing the problems when it is wrong.
func TestContactFormPost(t *testing.T) {
	l := startLocal(t, nil)
	tests := []struct {
		locale string
		want   string
	}{
		{"de", "Vielen Dank für Ihre Nachricht"},
		{"en", "Thank you for your message"},
	}
	for _, tt := range tests {
		t.Run(tt.locale, func(t *testing.T) {
			sender := "formular-" + tt.locale + "@example.org"
			form := url.Values{
				"name": {"Jürgen Größe"}, "email": {sender}, "topic": {"counselling"},
				"message": {"Zeile eins\r\nZeile zwei"}, "consent": {"on"}, "locale": {tt.locale},
			}
			resp, body := l.request(t, "POST", "/contact", "application/x-www-form-urlencoded", form.Encode())
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d, want 303: %s", resp.StatusCode, body)
			}
			loc := resp.Header.Get("Location")
			m := regexp.MustCompile(`^thanks/contact-received\?locale=` + tt.locale + `&reference=(K-[2-9A-Z]{4}-[2-9A-Z]{4})$`).FindStringSubmatch(loc)
			if m == nil {
				t.Fatalf("Location %q, want the relative thank-you page with the reference", loc)
			}
			reference := m[1]
			base, err := url.Parse(l.url + "/contact")
			if err != nil {
				t.Fatal(err)
			}
			ref, err := url.Parse(loc)
			if err != nil {
				t.Fatal(err)
			}
			page := base.ResolveReference(ref)
			resp, body = l.request(t, "GET", page.RequestURI(), "", "", "Accept", "text/html")
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
				!strings.Contains(body, tt.want) || !strings.Contains(body, `lang="`+tt.locale+`"`) ||
				!strings.Contains(body, "<bdi>"+reference+"</bdi>") {
				t.Errorf("thank-you page %s: %d %.300s", page, resp.StatusCode, body)
			}
			l.Wait()
			inbox, ack := contactMailsOf(t, l.mails(t), sender)
			if got := bare(t, inbox, "To"); !slices.Equal(got, []string{"ag-beratung@example.org"}) {
				t.Errorf("inbox mail To %v", got)
			}
			if !strings.Contains(lf(inbox.text), "Zeile eins\nZeile zwei") {
				t.Errorf("inbox text part:\n%s", inbox.text)
			}
			want := map[string]string{"de": "Ihre Nachricht ist angekommen", "en": "Your message has arrived"}[tt.locale]
			if s := decodeHeader(t, ack.header, "Subject"); !strings.HasPrefix(s, want) {
				t.Errorf("ack subject %q, want %q…", s, want)
			}
			if !strings.Contains(ack.text, reference) {
				t.Errorf("the acknowledgement lacks the reference %s the page showed:\n%s", reference, ack.text)
			}
		})
	}

	t.Run("invalid form: the form again, naming the fields", func(t *testing.T) {
		before := len(l.mails(t))
		form := url.Values{"name": {"Erika\r\nBcc: victim@example.org"}, "email": {"erika@example.org"},
			"topic": {"general"}, "message": {"Hallo"}, "locale": {"de"}}
		resp, body := l.request(t, "POST", "/contact", "application/x-www-form-urlencoded", form.Encode())
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("status %d %q, want 422 text/html", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for _, want := range []string{`<a href="#f-name">Name: Bitte ohne Zeilenumbrüche`, `<a href="#f-consent">Einwilligung:`, `>Hallo</textarea>`} {
			if !strings.Contains(body, want) {
				t.Errorf("the form shown again lacks %q: %s", want, body)
			}
		}
		l.Wait()
		if got := len(l.mails(t)); got != before {
			t.Errorf("%d mails after an invalid form, want %d", got, before)
		}
	})
}

// contactTableKeys lists "pk|sk" of every item in the table, sorted.
func contactTableKeys(t *testing.T, db *testenv.DynamoDB) []string {
	t.Helper()
	return slices.Sorted(maps.Keys(db.Snapshot(t)))
}

// TestContactStorageDown: with DynamoDB failing a message is refused with
// 503 and Retry-After, and leaves nothing behind; afterwards it goes
// through.
func TestContactStorageDown(t *testing.T) {
	db := testenv.NewDynamoDB(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "eu-central-1")
	// One try per call: the SDK's standard retryer would only add jittered
	// waits in front of the same failure.
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	l := startLocal(t, func(o *options) { o.dynamoEndpoint, o.table = db.Endpoint, db.Table })
	if l.DynamoTarget != db.Endpoint {
		t.Fatalf("the server talks to %q, want our emulator %s", l.DynamoTarget, db.Endpoint)
	}
	before := contactTableKeys(t, db)
	fields := func(sender string) map[string]any {
		return map[string]any{"name": "Jürgen Größe", "email": sender, "topic": "housing",
			"message": "Eine Frage während einer Störung.", "consent": true, "locale": "en"}
	}

	db.Emulator.EmulateFailure(miniserver.FailureConditionInternalServerError)
	t.Run("JSON: 503 problem with Retry-After", func(t *testing.T) {
		resp, body := l.postContact(t, fields("ausfall-json@example.org"), "Accept-Language", "en")
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503: %s", resp.StatusCode, body)
		}
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s <= 0 {
			t.Errorf("Retry-After %q, want seconds", resp.Header.Get("Retry-After"))
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		var p map[string]any
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		if p["status"] != float64(503) || p["code"] != "unavailable" || p["title"] != "Service Unavailable" ||
			!strings.Contains(p["detail"].(string), "try again") {
			t.Errorf("problem %s", body)
		}
		for _, leak := range []string{"Transact", "InternalServerError", "minidyn", "127.0.0.1", "ausfall-json"} {
			if strings.Contains(body, leak) {
				t.Errorf("problem leaks %q: %s", leak, body)
			}
		}
	})
	t.Run("form: 503 page with Retry-After", func(t *testing.T) {
		form := url.Values{"name": {"Jürgen Größe"}, "email": {"ausfall-form@example.org"}, "topic": {"housing"},
			"message": {"Hallo"}, "consent": {"on"}}
		resp, body := l.request(t, "POST", "/contact", "application/x-www-form-urlencoded", form.Encode())
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("status %d, Retry-After %q, Content-Type %q; want a 503 page", resp.StatusCode,
				resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"))
		}
		if !strings.Contains(body, "Der Dienst ist gerade ausgelastet") {
			t.Errorf("page: %.400s", body)
		}
	})
	db.Emulator.EmulateFailure(miniserver.FailureConditionNone)
	l.Wait()

	t.Run("nothing half-written", func(t *testing.T) {
		if got := contactTableKeys(t, db); !slices.Equal(got, before) {
			t.Errorf("items changed during the outage:\n before %v\n after  %v", before, got)
		}
		if got := l.mails(t); len(got) != 0 {
			t.Errorf("%d mails after the outage, want none", len(got))
		}
	})
	t.Run("works again", func(t *testing.T) {
		resp, body := l.postContact(t, fields("ausfall-json@example.org"))
		msgID, _ := contactAnswer(t, resp, body)
		l.Wait()
		var added []string
		for _, k := range contactTableKeys(t, db) {
			if !slices.Contains(before, k) {
				added = append(added, k)
			}
		}
		var contacts, outbox, counters int
		for _, k := range added {
			switch {
			case k == l.Config.ID+"#contact#"+msgID+"|contact":
				contacts++
			case strings.HasSuffix(k, "|outbox"):
				outbox++
			case strings.HasSuffix(k, "|mailcap"):
				counters++ // the acknowledgement counted against the address's daily cap
			}
		}
		if contacts != 1 || outbox != 2 || counters != 1 || len(added) != 4 {
			t.Errorf("new items %v, want the message, its two mails and the address's mail count", added)
		}
		inbox, ack := contactMailsOf(t, l.mails(t), "ausfall-json@example.org")
		if got := bare(t, inbox, "To"); !slices.Equal(got, []string{"ag-wohnen@example.org"}) {
			t.Errorf("inbox mail To %v", got)
		}
		if s := decodeHeader(t, ack.header, "Subject"); !strings.HasPrefix(s, "Your message has arrived") {
			t.Errorf("ack subject %q", s)
		}
	})
}
