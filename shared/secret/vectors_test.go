package secret_test

import (
	"testing"

	"github.com/wartburgkreis/netzwerk/shared/email"
	"github.com/wartburgkreis/netzwerk/shared/secret"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// The vectors below were computed once from testenv.TestHashKey and written
// down. Stored data depends on every one of these derivations: a changed
// email hash orphans the stored hashes (export, erasure, suppression find
// nothing), a changed token or token hash breaks every link already mailed,
// a changed Hash resets uniqueness keys and rate limits. A change here must
// come with a migration, never by updating the literals.

func TestEmailHashVectors(t *testing.T) {
	k := testenv.Keys(t)
	tests := []struct {
		typed string // as a person typed it
		want  string
	}{
		{"jane@example.org", "b8842617642f309c64e0ea47db37ee256c13ef8286b8ee67f17486545892c73b"},
		// Case, the domain's Unicode form and the domain's trailing dot all
		// land on the same stored hash.
		{"Jane@Example.ORG", "b8842617642f309c64e0ea47db37ee256c13ef8286b8ee67f17486545892c73b"},
		{"verein@bücher.example", "78681a5800a8725e3fa2707baf87d5fe0f8bc4564553669535daf7ec7e588d57"},
		{"Verein@XN--BCHER-KVA.example.", "78681a5800a8725e3fa2707baf87d5fe0f8bc4564553669535daf7ec7e588d57"},
	}
	for _, tt := range tests {
		norm, err := email.Normalize(tt.typed)
		if err != nil {
			t.Fatalf("Normalize(%q): %v", tt.typed, err)
		}
		if got := k.EmailHash(email.Key(norm)); got != tt.want {
			t.Errorf("EmailHash(Key(Normalize(%q))) = %q, want %q", tt.typed, got, tt.want)
		}
	}
}

func TestHashVectors(t *testing.T) {
	k := testenv.Keys(t)
	tests := []struct {
		purpose, s string
		want       string
	}{
		// The rate limit's client key (httpapi.NewRateLimit).
		{"client", "203.0.113.7", "ab9e4e7ddbefa0db140118031b543c874ff12d49aeb11454c6267d06ff1085c7"},
		{"client", "2001:db8::1", "6048e3edd38ed811a4e32b26592095c5f7dc8f2afd041ac8e168dff66547340c"},
		// The partner dedup key's purpose (partner.DedupKey).
		{"partner-application", "verein@example.org\x00beispielverein e. v.", "27486f79b89db2b2731aaed48c59ee7ab7262ed62834f495c11bdf90c9ce488d"},
		{"", "", "05bd51f86653e22a72f16033034392e0fe6eb6c1a8d11373e36cfbe559dc68dc"},
	}
	for _, tt := range tests {
		if got := k.Hash(tt.purpose, tt.s); got != tt.want {
			t.Errorf("Hash(%q, %q) = %q, want %q", tt.purpose, tt.s, got, tt.want)
		}
	}
}

func TestTokenVectors(t *testing.T) {
	k := testenv.Keys(t)
	tests := []struct {
		nonce     string
		wantToken string // what the link carries
		wantHash  string // what the token table stores
	}{
		{"AAAAAAAAAAAAAAAAAAAAAA", "UHWDY-k7NR5UPFrHKitkP2kLU908TQq5nacmbedXB4Y", "262d29e95230e521ec5d852ec6e233a929428482c51bccf083408c9f241ef01a"},
		{"q83vEjRWeJCrze8SNFZ4kA", "s4NwPETCxB0ZGeIwTRJbBopBwh9AUVPQ_OVS1sfMFL4", "a9d5732ce6fc0e457f76218aa482cadaefc805db5b28c6d254d8f2103c17f428"},
	}
	for _, tt := range tests {
		tok := k.Token(tt.nonce)
		if tok != tt.wantToken {
			t.Errorf("Token(%q) = %q, want %q", tt.nonce, tok, tt.wantToken)
		}
		if got := secret.TokenHash(tok); got != tt.wantHash {
			t.Errorf("TokenHash(Token(%q)) = %q, want %q", tt.nonce, got, tt.wantHash)
		}
	}
}

// TestLinkTokenVectors pins the token of a link that names its record: the
// kind, the record's id and Token(nonce), joined by dots. Confirm and
// cancel links mailed in this shape carry it until they expire.
func TestLinkTokenVectors(t *testing.T) {
	k := testenv.Keys(t)
	tests := []struct {
		ref, nonce string
		want       string
	}{
		{"a.06eavn6bsdzfnwzw9h12vzba14", "AAAAAAAAAAAAAAAAAAAAAA", "a.06eavn6bsdzfnwzw9h12vzba14.UHWDY-k7NR5UPFrHKitkP2kLU908TQq5nacmbedXB4Y"},
		{"a.06h13w5z82db3azfrdqv06d81g", "q83vEjRWeJCrze8SNFZ4kA", "a.06h13w5z82db3azfrdqv06d81g.s4NwPETCxB0ZGeIwTRJbBopBwh9AUVPQ_OVS1sfMFL4"},
		// A cancel link names its registration by the event's id and the
		// address's keyed hash (the registration's key), run together.
		{"r.06eavn6bsdzfnwzw9h12vzba14b8842617642f309c64e0ea47db37ee256c13ef8286b8ee67f17486545892c73b", "AAAAAAAAAAAAAAAAAAAAAA",
			"r.06eavn6bsdzfnwzw9h12vzba14b8842617642f309c64e0ea47db37ee256c13ef8286b8ee67f17486545892c73b.UHWDY-k7NR5UPFrHKitkP2kLU908TQq5nacmbedXB4Y"},
		// No ref: the bare token of a link stored as a token item.
		{"", "AAAAAAAAAAAAAAAAAAAAAA", "UHWDY-k7NR5UPFrHKitkP2kLU908TQq5nacmbedXB4Y"},
	}
	for _, tt := range tests {
		if got := k.LinkToken(tt.ref, tt.nonce); got != tt.want {
			t.Errorf("LinkToken(%q, %q) = %q, want %q", tt.ref, tt.nonce, got, tt.want)
		}
	}
}
