package validate_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/validate"
)

// codes lists the field error codes f collected, in order.
func codes(f apperr.Fields) []string {
	var out []string
	for _, e := range f {
		out = append(out, e.Code)
	}
	return out
}

// check compares a parsed value and the collected codes, every problem
// naming field.
func check(t *testing.T, f apperr.Fields, field string, got, want any, wantCodes []string) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("value (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantCodes, codes(f), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
	for _, e := range f {
		if e.Field != field {
			t.Errorf("error field: got %q, want %q", e.Field, field)
		}
	}
}

func TestLine(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		required bool
		max      int
		want     string
		codes    []string
	}{
		{"plain", "Beispielverein e. V.", true, 100, "Beispielverein e. V.", nil},
		{"trimmed", "  \t Erika Beispiel \n ", true, 100, "Erika Beispiel", nil},
		{"umlauts kept", "Jürgen Müller-Weiß", true, 100, "Jürgen Müller-Weiß", nil},
		{"required empty", "", true, 100, "", []string{validate.Required}},
		{"required blank", " \t\r\n ", true, 100, "", []string{validate.Required}},
		{"optional empty", "", false, 100, "", nil},
		{"optional blank", "   ", false, 100, "", nil},
		{"CRLF inside", "Verein\r\nBcc: x@example.org", true, 100, "", []string{validate.ControlChars}},
		{"LF inside", "Verein\nzwei", true, 100, "", []string{validate.ControlChars}},
		{"CR inside", "Verein\rzwei", true, 100, "", []string{validate.ControlChars}},
		{"tab inside", "Verein\tzwei", true, 100, "", []string{validate.ControlChars}},
		{"NUL", "Verein\x00", true, 100, "", []string{validate.ControlChars}},
		{"escape", "Verein \x1b[31m", true, 100, "", []string{validate.ControlChars}},
		{"DEL", "Verein\x7f", true, 100, "", []string{validate.ControlChars}},
		{"C1 next line", "Verein\u0085zwei", true, 100, "", []string{validate.ControlChars}},
		{"invalid UTF-8", "Verein \xff", true, 100, "", []string{validate.ControlChars}},
		{"control in optional", "a\nb", false, 100, "", []string{validate.ControlChars}},
		{"exactly max ASCII", strings.Repeat("a", 10), true, 10, strings.Repeat("a", 10), nil},
		{"one over max ASCII", strings.Repeat("a", 11), true, 10, "", []string{validate.TooLong}},
		// 10 umlauts are 20 bytes but 10 characters: the limit counts characters.
		{"umlauts at max", strings.Repeat("ü", 10), true, 10, strings.Repeat("ü", 10), nil},
		{"umlauts over max", strings.Repeat("ü", 11), true, 10, "", []string{validate.TooLong}},
		{"Cyrillic at max", strings.Repeat("Ж", 10), true, 10, strings.Repeat("Ж", 10), nil},
		{"Cyrillic over max", strings.Repeat("Ж", 11), true, 10, "", []string{validate.TooLong}},
		{"Arabic at max", strings.Repeat("ع", 10), true, 10, strings.Repeat("ع", 10), nil},
		{"length counted after trimming", "  " + strings.Repeat("a", 10) + "  ", true, 10, strings.Repeat("a", 10), nil},
		{"only a byte order mark is missing", "\ufeff", true, 100, "", []string{validate.Required}},
		{"only a zero-width space is missing", "\u200b", true, 100, "", []string{validate.Required}},
		{"only invisible marks and spaces", " \u200b\u2060\u00a0\u200e ", true, 100, "", []string{validate.Required}},
		{"optional invisible is empty", "\u200b", false, 100, "", nil},
		{"right-to-left override refused", "Verein\u202e.exe", true, 100, "", []string{validate.ControlChars}},
		{"bidi isolate refused", "\u2067Verein\u2069", true, 100, "", []string{validate.ControlChars}},
		{"left-to-right mark refused", "Verein\u200e", true, 100, "", []string{validate.ControlChars}},
		{"zero-width space inside refused", "Ver\u200bein", true, 100, "", []string{validate.ControlChars}},
		{"line separator refused", "Verein\u2028zwei", true, 100, "", []string{validate.ControlChars}},
		{"ZWNJ inside a Persian word kept", "می\u200cخواهم", true, 100, "می\u200cخواهم", nil},
		{"ZWJ inside an Arabic word kept", "ع\u200dب", true, 100, "ع\u200dب", nil},
		{"ZWNJ at the end refused", "Verein\u200c", true, 100, "", []string{validate.ControlChars}},
		{"ZWNJ between spaces refused", "a \u200c b", true, 100, "", []string{validate.ControlChars}},
		{"decomposed umlaut stored composed", "Mu\u0308ller", true, 100, "Müller", nil},
		{"composition counts one character", "u\u0308u\u0308", true, 2, "üü", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f apperr.Fields
			got := validate.Line(&f, "organisation", tt.in, tt.required, tt.max)
			check(t, f, "organisation", got, tt.want, tt.codes)
		})
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		required bool
		max      int
		want     string
		codes    []string
	}{
		{"one line", "Hallo", false, 100, "Hallo", nil},
		{"keeps newlines", "Hallo,\n\nwir sind ein Verein.\nGruß", false, 100, "Hallo,\n\nwir sind ein Verein.\nGruß", nil},
		{"CRLF to LF", "Hallo,\r\nzweite Zeile\r\n\r\nEnde", false, 100, "Hallo,\nzweite Zeile\n\nEnde", nil},
		{"tab kept", "Spalte\tSpalte", false, 100, "Spalte\tSpalte", nil},
		{"trimmed", "\r\n  Hallo  \r\n", false, 100, "Hallo", nil},
		{"lone CR refused", "Hallo\rWelt", false, 100, "", []string{validate.ControlChars}},
		{"NUL refused", "Hallo\x00", false, 100, "", []string{validate.ControlChars}},
		{"escape refused", "Hallo \x1b[2J", false, 100, "", []string{validate.ControlChars}},
		{"vertical tab refused", "Hallo\vWelt", false, 100, "", []string{validate.ControlChars}},
		{"form feed refused", "Hallo\fWelt", false, 100, "", []string{validate.ControlChars}},
		{"invalid UTF-8 refused", "Hallo \xc3", false, 100, "", []string{validate.ControlChars}},
		{"optional empty", "", false, 100, "", nil},
		{"required empty", "", true, 100, "", []string{validate.Required}},
		{"required blank lines", "\r\n\r\n", true, 100, "", []string{validate.Required}},
		{"at max by runes", strings.Repeat("ä", 5), false, 5, strings.Repeat("ä", 5), nil},
		{"over max by runes", strings.Repeat("ä", 6), false, 5, "", []string{validate.TooLong}},
		// "a\r\nb" is 4 bytes but, normalised, 3 characters.
		{"CRLF counts as one character", "ab\r\nc", false, 4, "ab\nc", nil},
		{"bidi override refused", "Hallo\u202eWelt", false, 100, "", []string{validate.ControlChars}},
		{"paragraph separator refused", "Hallo\u2029Welt", false, 100, "", []string{validate.ControlChars}},
		{"only invisible required", "\n\u200b\n", true, 100, "", []string{validate.Required}},
		{"Persian text with ZWNJ kept", "من می\u200cخواهم بیایم", false, 100, "من می\u200cخواهم بیایم", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f apperr.Fields
			got := validate.Text(&f, "message", tt.in, tt.required, tt.max)
			check(t, f, "message", got, tt.want, tt.codes)
		})
	}
}

func TestEmail(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  string
		codes []string
	}{
		{"plain", "verein@example.org", "verein@example.org", nil},
		{"trimmed", "  verein@example.org \r\n", "verein@example.org", nil},
		{"domain lowered, local part kept", "Erika.Beispiel@Example.ORG", "Erika.Beispiel@example.org", nil},
		{"IDN domain to punycode", "info@bücherei.example", "info@xn--bcherei-n2a.example", nil},
		{"empty", "", "", []string{validate.Required}},
		{"blank", "   ", "", []string{validate.Required}},
		{"umlaut in local part", "müller@example.org", "", []string{validate.EmailASCII}},
		{"Cyrillic local part", "иван@example.org", "", []string{validate.EmailASCII}},
		{"no at", "verein.example.org", "", []string{validate.EmailNoAt}},
		{"a space", "erika beispiel@example.org", "", []string{validate.EmailSpace}},
		{"only invisible", "\u200b", "", []string{validate.Required}},
		{"no dot in domain", "verein@localhost", "", []string{validate.Invalid}},
		{"header injection", "a@b.org\r\nBcc: x@y.org", "", []string{validate.Invalid}},
		{"display name", "Erika <erika@example.org>", "", []string{validate.Invalid}},
		{"two addresses", "a@example.org, b@example.org", "", []string{validate.Invalid}},
		{"too long", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 190) + ".org", "", []string{validate.Invalid}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f apperr.Fields
			got := validate.Email(&f, "email", tt.in)
			check(t, f, "email", got, tt.want, tt.codes)
		})
	}
}

func TestPhone(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  string
		codes []string
	}{
		{"empty is fine", "", "", nil},
		{"blank is fine", "  ", "", nil},
		{"local", "03695 615803", "03695 615803", nil},
		{"international", "+49 3695 615803", "+49 3695 615803", nil},
		{"punctuation", "(03695) 61-58/03", "(03695) 61-58/03", nil},
		{"dotted", "03695.615803", "03695.615803", nil},
		{"trimmed", "  03695 615803 ", "03695 615803", nil},
		{"letters", "0800 CALLME", "", []string{validate.Invalid}},
		{"too short", "12", "", []string{validate.Invalid}},
		{"no digits", "--- ()", "", []string{validate.Invalid}},
		{"two digits in punctuation", "(1) -2-", "", []string{validate.Invalid}},
		{"too long", strings.Repeat("1", 41), "", []string{validate.Invalid}},
		{"plus in the middle", "0049+3695", "", []string{validate.Invalid}},
		{"line break", "03695\n615803", "", []string{validate.Invalid}},
		{"extension word", "03695 615803 ext. 12", "", []string{validate.Invalid}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f apperr.Fields
			got := validate.Phone(&f, "phone", tt.in)
			check(t, f, "phone", got, tt.want, tt.codes)
		})
	}
}

func TestWebsite(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  string
		codes []string
	}{
		{"empty is fine", "", "", nil},
		{"bare host gets https", "www.example.org", "https://www.example.org", nil},
		{"bare host with path", "example.org/verein?x=1", "https://example.org/verein?x=1", nil},
		{"https kept", "https://example.org/", "https://example.org/", nil},
		{"http kept", "http://example.org", "http://example.org", nil},
		{"trimmed", "  https://example.org  ", "https://example.org", nil},
		{"javascript refused", "javascript:alert(1)", "", []string{validate.Invalid}},
		{"javascript with slashes refused", "javascript://example.org/%0Aalert(1)", "", []string{validate.Invalid}},
		{"data refused", "data:text/html,<script>alert(1)</script>", "", []string{validate.Invalid}},
		{"ftp refused", "ftp://example.org", "", []string{validate.Invalid}},
		{"userinfo refused", "https://user:secret@example.org", "", []string{validate.Invalid}},
		{"bare userinfo refused", "user@example.org", "", []string{validate.Invalid}},
		{"host without dot", "https://localhost", "", []string{validate.Invalid}},
		{"no host", "https://", "", []string{validate.Invalid}},
		{"space in host", "exa mple.org", "", []string{validate.Invalid}},
		{"control character", "https://example.org/\x00", "", []string{validate.Invalid}},
		{"too long", "https://example.org/" + strings.Repeat("a", 300), "", []string{validate.Invalid}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f apperr.Fields
			got := validate.Website(&f, "website", tt.in)
			check(t, f, "website", got, tt.want, tt.codes)
		})
	}
}

var groups = []network.Choice{
	{ID: "language", Label: network.Text{"de": "AG Sprache"}},
	{ID: "work", Label: network.Text{"de": "AG Arbeit"}},
	{ID: "counselling", Label: network.Text{"de": "AG Beratung"}},
	{ID: "housing", Label: network.Text{"de": "AG Wohnen"}},
}

func TestChoice(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  string
		codes []string
	}{
		{"known", "work", "work", nil},
		{"trimmed", " housing ", "housing", nil},
		{"empty", "", "", []string{validate.Required}},
		{"blank", "  ", "", []string{validate.Required}},
		{"unknown", "gardening", "", []string{validate.UnknownValue}},
		{"case matters", "Work", "", []string{validate.UnknownValue}},
		{"label is not an id", "AG Arbeit", "", []string{validate.UnknownValue}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f apperr.Fields
			got := validate.Choice(&f, "organisationType", tt.in, groups)
			check(t, f, "organisationType", got, tt.want, tt.codes)
		})
	}
}

func TestChoices(t *testing.T) {
	tests := []struct {
		name     string
		in       []string
		required bool
		want     []string
		codes    []string
	}{
		{"one", []string{"work"}, true, []string{"work"}, nil},
		{"config order", []string{"housing", "language", "work"}, true, []string{"language", "work", "housing"}, nil},
		{"repeats dropped", []string{"work", "language", "work", " work "}, true, []string{"language", "work"}, nil},
		{"blanks skipped", []string{"", " ", "counselling"}, true, []string{"counselling"}, nil},
		{"unknown", []string{"work", "gardening"}, true, nil, []string{validate.UnknownValue}},
		{"several unknown give one problem", []string{"x", "y"}, false, nil, []string{validate.UnknownValue}},
		{"required nil", nil, true, nil, []string{validate.Required}},
		{"required only blanks", []string{"", "  "}, true, nil, []string{validate.Required}},
		{"optional nil", nil, false, nil, nil},
		{"optional empty", []string{}, false, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f apperr.Fields
			got := validate.Choices(&f, "workingGroups", tt.in, groups, tt.required)
			check(t, f, "workingGroups", got, tt.want, tt.codes)
		})
	}
}

func TestConsent(t *testing.T) {
	tests := []struct {
		name  string
		in    bool
		codes []string
	}{
		{"given", true, nil},
		{"missing", false, []string{validate.MustAccept}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f apperr.Fields
			validate.Consent(&f, "consent", tt.in)
			check(t, f, "consent", true, true, tt.codes)
		})
	}
}

// Every problem is collected, so a person sees all of them at once.
func TestProblemsAccumulate(t *testing.T) {
	var f apperr.Fields
	validate.Line(&f, "organisation", "", true, 100)
	validate.Email(&f, "email", "müller@example.org")
	validate.Website(&f, "website", "javascript:alert(1)")
	validate.Consent(&f, "consent", false)

	want := apperr.Fields{
		{Field: "organisation", Code: validate.Required},
		{Field: "email", Code: validate.EmailASCII},
		{Field: "website", Code: validate.Invalid},
		{Field: "consent", Code: validate.MustAccept},
	}
	if diff := cmp.Diff(want, f); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if got := apperr.CodeOf(f.Err()); got != apperr.Invalid {
		t.Errorf("CodeOf(Err()): got %v, want %v", got, apperr.Invalid)
	}
}
