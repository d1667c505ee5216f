package validate_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/validate"
)

// FuzzText: what the text rules accept is valid UTF-8 in NFC, within its
// length, with no control, format or separator character left but the
// line breaks and tabs of free text and the joiners inside words; and what
// they refuse, they name.
func FuzzText(f *testing.F) {
	for _, s := range []string{
		"Beispielverein e. V.", "Mu\u0308ller", "می\u200cخواهم", "Verein\u202eexe", "\ufeff", "a\r\nb", "\xff",
		"ع\u200dب", "\u200c", "x\u2028y", "Hallo\tWelt", strings.Repeat("ä", 130),
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, in string, multiline bool) {
		var fields apperr.Fields
		const max = 120
		var out string
		if multiline {
			out = validate.Text(&fields, "f", in, false, max)
		} else {
			out = validate.Line(&fields, "f", in, false, max)
		}
		if len(fields) > 1 || (len(fields) == 1 && (out != "" || fields[0].Field != "f")) {
			t.Fatalf("%q: %q with %+v", in, out, fields)
		}
		if out == "" {
			return
		}
		if !utf8.ValidString(out) || !norm.NFC.IsNormalString(out) || utf8.RuneCountInString(out) > max {
			t.Errorf("%q -> %q: invalid, not NFC or too long", in, out)
		}
		if out != strings.TrimSpace(out) {
			t.Errorf("%q -> %q: not trimmed", in, out)
		}
		for _, r := range out {
			allowed := multiline && (r == '\n' || r == '\t') || r == '\u200c' || r == '\u200d'
			if !allowed && (unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029') {
				t.Errorf("%q -> %q: holds %U", in, out, r)
			}
		}
	})
}

// FuzzPhone: an accepted number holds only what a phone number can.
func FuzzPhone(f *testing.F) {
	for _, s := range []string{"03695 615803", "+49 (3695) 61-58/03", "call me", "١٢٣٤", "+", "\n123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var fields apperr.Fields
		out := validate.Phone(&fields, "phone", in)
		if out == "" {
			return
		}
		if strings.Trim(out, "+0123456789 ()/.-") != "" || len(out) > 40 {
			t.Errorf("Phone(%q) = %q", in, out)
		}
	})
}
