package privacy_test

import (
	"testing"

	"github.com/wartburgkreis/netzwerk/shared/privacy"
)

func TestMentions(t *testing.T) {
	sub := privacy.Subject{Email: "Anna.B@example.org", Key: "anna.b@example.org", Hash: "0f1e2d3c"}
	tests := []struct {
		name, in, blanked string
	}{
		{"the address alone", "anna.b@example.org", "[gelöscht]"},
		{"in any case", "Schreiben Sie an ANNA.B@Example.ORG.", "Schreiben Sie an [gelöscht]."},
		{"twice, in brackets", "<anna.b@example.org>, (anna.b@example.org)", "<[gelöscht]>, ([gelöscht])"},
		{"beside other scripts", "البريد:anna.b@example.org، شكرا", "البريد:[gelöscht]، شكرا"},
		{"the keyed hash", "registration#0f1e2d3c", "registration#[gelöscht]"},
		{"a longer local part", "xanna.b@example.org", "xanna.b@example.org"},
		{"a local part with a dot before", "x.anna.b@example.org", "x.anna.b@example.org"},
		{"a longer domain", "anna.b@example.org.uk", "anna.b@example.org.uk"},
		{"a subdomain's hyphen", "anna.b@example.org-mail.de", "anna.b@example.org-mail.de"},
		{"someone else", "bernd@example.org", "bernd@example.org"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sub.Blank(tt.in); got != tt.blanked {
				t.Errorf("Blank(%q) = %q, want %q", tt.in, got, tt.blanked)
			}
			if got, want := sub.In(tt.in), tt.in != tt.blanked; got != want {
				t.Errorf("In(%q) = %v, want %v", tt.in, got, want)
			}
		})
	}
}
