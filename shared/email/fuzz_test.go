package email_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wartburgkreis/netzwerk/shared/email"
)

// FuzzNormalize: whatever is typed, an accepted address is plain ASCII
// without anything that could break a header, and normalising it again
// changes nothing.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"verein@example.org", " Erika.Beispiel@Example.ORG ", "a@bücherei.example", "müller@example.org",
		"a@b.org\r\nBcc: x@y.org", "=?utf-8?q?x?=@example.org", "erika beispiel@example.org", "@", "a@@b.org",
		"\"quoted\"@example.org", "a@[192.0.2.1]", "a@xn--bcherei-n2a.example", strings.Repeat("a", 300) + "@x.org",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := email.Normalize(in)
		if err != nil {
			if out != "" {
				t.Errorf("Normalize(%q) = %q with error %v", in, out, err)
			}
			return
		}
		if !utf8.ValidString(out) || len(out) > 254 || strings.ContainsAny(out, "\r\n\t <>,;\"") {
			t.Errorf("Normalize(%q) = %q: not a bare address", in, out)
		}
		for i := 0; i < len(out); i++ {
			if out[i] >= utf8.RuneSelf {
				t.Errorf("Normalize(%q) = %q: not ASCII", in, out)
				break
			}
		}
		if again, err := email.Normalize(out); err != nil || again != out {
			t.Errorf("Normalize(Normalize(%q)) = %q, %v; want %q", in, again, err, out)
		}
	})
}
