package partner_test

import (
	"testing"

	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// TestDedupKeyVectors pins the stored dedup key to literal values computed
// once from testenv.TestHashKey: if the derivation changed, every live lock
// would stop matching and a pending application could be made twice.
func TestDedupKeyVectors(t *testing.T) {
	k := testenv.Keys(t)
	const want = "27486f79b89db2b2731aaed48c59ee7ab7262ed62834f495c11bdf90c9ce488d"
	tests := []struct {
		addr, organisation string
		want               string
	}{
		{"verein@example.org", "Beispielverein e. V.", want},
		// The address's case and the name's case and spacing do not count.
		{"Verein@Example.ORG", "  beispielverein\tE.  V. ", want},
		{"verein@example.org", "Beispielverein", "0340542153f6225564d7574c8863654fb694303d78f7c5cfde0e24f34a41e87d"},
		{"vorstand@example.org", "Beispielverein e. V.", "e0e564e3e36af5a920fc19ceb1be7de72e3c3dfff516d3871a4145e92f862cb6"},
	}
	for _, tt := range tests {
		if got := partner.DedupKey(k, tt.addr, tt.organisation); got != tt.want {
			t.Errorf("DedupKey(%q, %q) = %q, want %q", tt.addr, tt.organisation, got, tt.want)
		}
	}
}
