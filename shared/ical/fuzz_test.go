package ical

import (
	"strings"
	"testing"
)

// FuzzPublish: whatever an event's texts hold, the invitation is one
// well-formed VEVENT whose summary and location read back as given, or it
// is refused; a typed value never becomes a property of its own.
func FuzzPublish(f *testing.F) {
	for _, s := range []struct{ summary, location, url string }{
		{"Netzwerktreffen", "Landratsamt, Raum 210", "https://meet.example.org/x"},
		{"A\r\nATTENDEE:mailto:x@example.org", "B\nEND:VEVENT", "javascript:alert(1)"},
		{"Treffen; mit, Komma\\", "", ""},
		{"اجتماع الشبكة", "Бад-Зальцунген", "http://example.org/ü"},
		{"\xff", "\x00", ""},
	} {
		f.Add(s.summary, s.location, s.url)
	}
	f.Fuzz(func(t *testing.T, summary, location, url string) {
		e := base(t)
		e.Summary, e.Location, e.URL = summary, location, url
		raw, err := Publish(e)
		if err != nil {
			return
		}
		p := parse(t, raw) // one VEVENT, CRLF lines of at most 75 octets
		// CR is dropped by design (CRLF becomes LF); nothing else changes.
		if want := strings.ReplaceAll(summary, "\r", ""); want != "" {
			if got := p.text(t, p.ev, "SUMMARY"); got != want {
				t.Errorf("SUMMARY %q, want %q", got, want)
			}
		}
		if want := strings.ReplaceAll(location, "\r", ""); want != "" {
			if got := p.text(t, p.ev, "LOCATION"); got != want {
				t.Errorf("LOCATION %q, want %q", got, want)
			}
		}
		if len(p.ev.Props["ATTENDEE"]) > 0 || len(p.cal.Children) != len(p.cal.Events())+1 {
			t.Errorf("extra properties or components:\n%s", raw)
		}
	})
}
