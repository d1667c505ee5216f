package mail_test

import (
	netmail "net/mail"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzRender: whatever name, subject and text a message carries, it
// renders to ASCII lines that parse back to the same subject, the same
// display name and the same one recipient, or it is refused; a typed value
// never becomes a header of its own.
func FuzzRender(f *testing.F) {
	for _, s := range []struct{ name, subject, text string }{
		{"Erika Beispiel", "Hallo", "Guten Tag."},
		{"=?utf-8?b?QmNjOiB4QGV2aWwub3Jn?=", "=?utf-8?q?x?=", "x"},
		{"Müller, Anna (Jobcenter)", "Frage zu \"Integration\" <Kurs>", "ä\r\n.\r\n"},
		{"Eve\r\nBcc: x@example.org", "Hi\nBcc: y@example.org", "body"},
		{"محمد العلي", "دعوة", "نص"},
		{"", "", ""},
	} {
		f.Add(s.name, s.subject, s.text)
	}
	f.Fuzz(func(t *testing.T, name, subject, text string) {
		m := baseMessage()
		m.ReplyTo = []netmail.Address{addr(name, "reply@example.org")}
		m.Subject, m.Text = subject, text
		data, err := m.Render(testDate, testID)
		if err != nil {
			return // refused: injection, invalid UTF-8
		}
		msg, _ := parse(t, data) // every line ASCII and within the limit
		// Unencoded header values lose leading and trailing blanks, nothing
		// else.
		if got := decodeHeader(t, msg.Header.Get("Subject")); strings.TrimSpace(got) != strings.TrimSpace(subject) && utf8.ValidString(subject) {
			t.Errorf("subject %q became %q", subject, got)
		}
		to, err := msg.Header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Address != "anna@example.org" {
			t.Errorf("To %v, %v; want only anna@example.org", to, err)
		}
		reply, err := msg.Header.AddressList("Reply-To")
		if err != nil || len(reply) != 1 || reply[0].Name != name || reply[0].Address != "reply@example.org" {
			t.Errorf("Reply-To %v, %v; want %q <reply@example.org>", reply, err, name)
		}
		if len(msg.Header["Bcc"]) > 0 {
			t.Errorf("a Bcc header appeared")
		}
	})
}
