package secret_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/wartburgkreis/netzwerk/shared/secret"
)

func keys(t *testing.T, master string) *secret.Keys {
	t.Helper()
	k, err := secret.New([]byte(master))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return k
}

var (
	master1 = strings.Repeat("k", 32)
	master2 = strings.Repeat("k", 31) + "j"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		key     []byte
		wantErr bool
	}{
		{"nil", nil, true},
		{"empty", []byte{}, true},
		{"16 bytes", make([]byte, 16), true},
		{"31 bytes", make([]byte, 31), true},
		{"32 bytes", make([]byte, 32), false},
		{"64 bytes", make([]byte, 64), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := secret.New(tt.key)
			if (err != nil) != tt.wantErr {
				t.Errorf("New(%d bytes): got error %v, want error %v", len(tt.key), err, tt.wantErr)
			}
			if (k == nil) != tt.wantErr {
				t.Errorf("New(%d bytes): got keys %v, want nil %v", len(tt.key), k != nil, tt.wantErr)
			}
		})
	}
}

func isHex(s string, n int) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == n && s == strings.ToLower(s)
}

func TestEmailHash(t *testing.T) {
	k1, k1again, k2 := keys(t, master1), keys(t, master1), keys(t, master2)
	const addr = "verein@example.org"
	h := k1.EmailHash(addr)

	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"hex of 32 bytes", isHex(h, 32), true},
		{"stable", k1.EmailHash(addr) == h, true},
		{"stable across Keys from the same key", k1again.EmailHash(addr) == h, true},
		{"depends on the key", k2.EmailHash(addr) == h, false},
		{"depends on the address", k1.EmailHash("verein@example.com") == h, false},
		{"case is the caller's job", k1.EmailHash("Verein@example.org") == h, false},
		{"not a plain sha256", h == hex.EncodeToString(sha256Sum(addr)), false},
		{"does not contain the address", strings.Contains(h, "verein"), false},
		{"separate from Hash", k1.Hash("", addr) == h, false},
		{"separate from link tokens", k1.Token(addr) == h, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestHash(t *testing.T) {
	k1, k2 := keys(t, master1), keys(t, master2)
	h := k1.Hash("organisation", "Beispielverein e. V.")
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"hex of 32 bytes", isHex(h, 32), true},
		{"stable", k1.Hash("organisation", "Beispielverein e. V.") == h, true},
		{"depends on the key", k2.Hash("organisation", "Beispielverein e. V.") == h, false},
		{"depends on the purpose", k1.Hash("contact", "Beispielverein e. V.") == h, false},
		// The separator keeps purpose and value apart.
		{"purpose and value do not run together", k1.Hash("organisationB", "eispielverein e. V.") == h, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestToken(t *testing.T) {
	k1, k1again, k2 := keys(t, master1), keys(t, master1), keys(t, master2)
	const nonce = "AAAAAAAAAAAAAAAAAAAAAA"
	tok := k1.Token(nonce)
	raw, err := base64.RawURLEncoding.DecodeString(tok)

	tests := []struct {
		name string
		got  any
		want any
	}{
		{"URL-safe base64", err, nil},
		{"256 bits", len(raw), 32},
		{"no padding or URL specials", strings.ContainsAny(tok, "=+/?&%"), false},
		{"deterministic", k1.Token(nonce) == tok, true},
		{"same for the same deployment key", k1again.Token(nonce) == tok, true},
		{"differs by key", k2.Token(nonce) == tok, false},
		{"differs by nonce", k1.Token("AAAAAAAAAAAAAAAAAAAAAB") == tok, false},
		{"not the nonce", tok == nonce, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestNewNonce(t *testing.T) {
	const n = 10000
	seen := make(map[string]bool, n)
	for i := range n {
		s := secret.NewNonce()
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(b) != 16 {
			t.Fatalf("NewNonce: got %q (%d bytes, %v), want 128 bits in URL-safe base64", s, len(b), err)
		}
		if seen[s] {
			t.Fatalf("NewNonce: got %q twice within %d, want unique", s, i+1)
		}
		seen[s] = true
	}
}

func sha256Sum(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

func TestTokenHash(t *testing.T) {
	tests := []struct {
		name  string
		token string
		want  string
	}{
		// FIPS 180-2 test vectors.
		{"empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"a token", "tok_0123456789", hex.EncodeToString(sha256Sum("tok_0123456789"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := secret.TokenHash(tt.token); got != tt.want {
				t.Errorf("TokenHash(%q): got %q, want %q", tt.token, got, tt.want)
			}
		})
	}
	// The stored hash needs no key: the lookup works from the token alone.
	k := keys(t, master1)
	tok := k.Token(secret.NewNonce())
	if got := secret.TokenHash(tok); !isHex(got, 32) || got == tok {
		t.Errorf("TokenHash(token): got %q, want 64 hex digits unlike the token", got)
	}
}

func TestSplitLink(t *testing.T) {
	const tok = "UHWDY-k7NR5UPFrHKitkP2kLU908TQq5nacmbedXB4Y"
	tests := []struct {
		in              string
		kind, id, token string
		ok              bool
	}{
		{"a.06eavn6bsdzfnwzw9h12vzba14." + tok, "a", "06eavn6bsdzfnwzw9h12vzba14", tok, true},
		// A registration's ref: the event id and the email hash, one segment.
		{"r.06eavn6bsdzfnwzw9h12vzba14b8842617642f309c64e0ea47db37ee256c13ef8286b8ee67f17486545892c73b." + tok, "r",
			"06eavn6bsdzfnwzw9h12vzba14b8842617642f309c64e0ea47db37ee256c13ef8286b8ee67f17486545892c73b", tok, true},
		{tok, "", "", "", false}, // a bare token names no record
		{"", "", "", "", false},
		{"..", "", "", "", false},
		{"a..x", "", "", "", false},
		{".id.x", "", "", "", false},
		{"a.id.", "", "", "", false},
		{"a.id", "", "", "", false},
		{"a.id.x.y", "", "", "", false},
	}
	for _, tt := range tests {
		kind, id, token, ok := secret.SplitLink(tt.in)
		if kind != tt.kind || id != tt.id || token != tt.token || ok != tt.ok {
			t.Errorf("SplitLink(%q) = %q, %q, %q, %v; want %q, %q, %q, %v", tt.in, kind, id, token, ok, tt.kind, tt.id, tt.token, tt.ok)
		}
	}
	k := keys(t, master1)
	if kind, id, token, ok := secret.SplitLink(k.LinkToken("a.x", "n")); !ok || kind != "a" || id != "x" || token != k.Token("n") {
		t.Errorf("SplitLink(LinkToken) = %q, %q, %q, %v; want the parts back", kind, id, token, ok)
	}
}
