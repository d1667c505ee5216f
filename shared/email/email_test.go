package email_test

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/net/idna"

	"github.com/wartburgkreis/netzwerk/shared/email"
)

func TestNormalize(t *testing.T) {
	// The punycode of bücherei.example, checked against idna here and against
	// Python's encodings.idna when the test was written.
	const bucherei = "xn--bcherei-n2a.example"
	if got, err := idna.Lookup.ToASCII("bücherei.example"); err != nil || got != bucherei {
		t.Fatalf("idna.Lookup.ToASCII(bücherei.example): got %q, %v, want %q", got, err, bucherei)
	}

	local64 := strings.Repeat("a", 64)
	// 64 + 1 + 189 = 254 bytes, every label within DNS's 63.
	domain189 := strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 57) + ".org"
	domain190 := strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 58) + ".org"

	tests := []struct {
		name string
		in   string
		want string
		err  error // nil: accepted with want
	}{
		{"plain", "verein@example.org", "verein@example.org", nil},
		{"subaddress", "verein+netzwerk@example.org", "verein+netzwerk@example.org", nil},
		{"dots and dashes", "erika.beispiel@mail.bad-salzungen.example", "erika.beispiel@mail.bad-salzungen.example", nil},
		{"trimmed", " \t verein@example.org \r\n", "verein@example.org", nil},
		{"uppercase domain lowered", "verein@EXAMPLE.Org", "verein@example.org", nil},
		{"local part case kept", "Erika.Beispiel@example.org", "Erika.Beispiel@example.org", nil},
		{"trailing root dot dropped", "verein@example.org.", "verein@example.org", nil},
		{"IDN domain to punycode", "a@bücherei.example", "a@" + bucherei, nil},
		{"uppercase IDN domain", "a@BÜCHEREI.Example", "a@" + bucherei, nil},
		{"punycode domain kept", "a@" + bucherei, "a@" + bucherei, nil},
		{"254 characters", local64 + "@" + domain189, local64 + "@" + domain189, nil},

		{"umlaut in local part", "müller@example.org", "", email.ErrNonASCII},
		{"Cyrillic local part", "иван@example.org", "", email.ErrNonASCII},
		{"emoji local part", "😀@example.org", "", email.ErrNonASCII},

		{"empty", "", "", email.ErrInvalid},
		{"blank", "   ", "", email.ErrInvalid},
		{"no at", "verein.example.org", "", email.ErrNoAt},
		{"space in the local part", "erika beispiel@example.org", "", email.ErrSpace},
		{"no-break space", "erika\u00a0beispiel@example.org", "", email.ErrSpace},
		{"nothing before at", "@example.org", "", email.ErrInvalid},
		{"nothing after at", "verein@", "", email.ErrInvalid},
		{"two ats", "a@@example.org", "", email.ErrInvalid},
		{"no dot in domain", "verein@localhost", "", email.ErrInvalid},
		{"empty label", "verein@example..org", "", email.ErrInvalid},
		{"leading dash label", "verein@-example.org", "", email.ErrInvalid},
		{"underscore in domain", "verein@ex_ample.org", "", email.ErrInvalid},
		{"space in domain", "verein@ex ample.org", "", email.ErrSpace},
		{"address literal", "verein@[192.0.2.1]", "", email.ErrInvalid},
		{"leading dot", ".verein@example.org", "", email.ErrInvalid},
		{"trailing dot in local part", "verein.@example.org", "", email.ErrInvalid},
		{"double dot in local part", "ver..ein@example.org", "", email.ErrInvalid},
		{"quoted local part", `"erika beispiel"@example.org`, "", email.ErrInvalid},

		{"CRLF Bcc injection", "a@b.org\r\nBcc: x@y.org", "", email.ErrInvalid},
		{"LF Bcc injection", "a@b.org\nBcc: x@y.org", "", email.ErrInvalid},
		{"CR injection", "a@b.org\rBcc: x@y.org", "", email.ErrInvalid},
		{"injection before the at", "x@y.org\r\nTo: a@b.org", "", email.ErrInvalid},
		{"list", "a@example.org, b@example.org", "", email.ErrInvalid},
		{"list with semicolon", "a@example.org;b@example.org", "", email.ErrInvalid},

		{"display name", "Erika <erika@example.org>", "", email.ErrInvalid},
		{"quoted display name", `"Erika Beispiel" <erika@example.org>`, "", email.ErrInvalid},
		{"angle address", "<erika@example.org>", "", email.ErrInvalid},
		{"comment", "erika@example.org (Erika)", "", email.ErrSpace},
		{"encoded-word display name", "=?UTF-8?Q?J=C3=BCrgen?= <j@example.org>", "", email.ErrInvalid},

		{"255 characters", local64 + "@" + domain190, "", email.ErrInvalid},
		{"far too long", strings.Repeat("a", 300) + "@example.org", "", email.ErrInvalid},
		// 245 bytes as typed, but every "ü." label becomes "xn--tda.": the
		// stored form would be 645 characters, far past what SMTP allows.
		{"too long once in punycode", "a@" + strings.Repeat("ü.", 80) + "org", "", email.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := email.Normalize(tt.in)
			if tt.err == nil && err != nil {
				t.Fatalf("Normalize(%q): got error %v, want %q", tt.in, err, tt.want)
			}
			if tt.err != nil && !errors.Is(err, tt.err) {
				t.Errorf("Normalize(%q): got error %v, want %v", tt.in, err, tt.err)
			}
			if got != tt.want {
				t.Errorf("Normalize(%q): got %q, want %q", tt.in, got, tt.want)
			}
			if len(got) > 254 {
				t.Errorf("Normalize(%q): got %d characters, want at most 254", tt.in, len(got))
			}
		})
	}
}

// Whitespace or control characters before the @ are never accepted, whatever
// the reason given: such an address could not be sent to.
func TestNormalizeRefusesSpaceInLocalPart(t *testing.T) {
	for _, in := range []string{"erika beispiel@example.org", "Erika Beispiel erika@example.org", "a\t@example.org", "a\x00@example.org", "a\x7f@example.org"} {
		t.Run(in, func(t *testing.T) {
			if got, err := email.Normalize(in); err == nil || got != "" {
				t.Errorf("Normalize(%q): got %q, %v, want an error", in, got, err)
			}
		})
	}
}

// Normalizing twice changes nothing, so stored values hash the same when
// they come back through a form.
func TestNormalizeIdempotent(t *testing.T) {
	for _, in := range []string{"Erika@EXAMPLE.org", "a@bücherei.example", " x+y@Example.Org. "} {
		t.Run(in, func(t *testing.T) {
			once, err := email.Normalize(in)
			if err != nil {
				t.Fatalf("Normalize(%q): %v", in, err)
			}
			twice, err := email.Normalize(once)
			if err != nil || twice != once {
				t.Errorf("Normalize(%q): got %q, %v, want %q", once, twice, err, once)
			}
		})
	}
}

func TestKey(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		same bool
	}{
		{"case of local part", "Erika@example.org", "erika@example.org", true},
		{"different people", "erika@example.org", "erik@example.org", false},
		{"same", "verein@example.org", "verein@example.org", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := email.Key(tt.a) == email.Key(tt.b); got != tt.same {
				t.Errorf("Key(%q) == Key(%q): got %v, want %v", tt.a, tt.b, got, tt.same)
			}
		})
	}
	if got, want := email.Key("Erika.Beispiel@example.org"), "erika.beispiel@example.org"; got != want {
		t.Errorf("Key: got %q, want %q", got, want)
	}
}
