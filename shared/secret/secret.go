// Package secret derives what must not be guessable from one deployment key:
// keyed hashes of email addresses (found for export and erasure without being
// readable) and the tokens in confirm and cancel links.
package secret

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
)

// Keys holds purpose-separated keys derived from the deployment key.
type Keys struct {
	email []byte
	token []byte
}

// New derives the keys; the deployment key must have at least 32 bytes.
func New(master []byte) (*Keys, error) {
	if len(master) < 32 {
		return nil, errors.New("secret: the key needs at least 32 bytes")
	}
	return &Keys{email: mac(master, "email-hash/v1"), token: mac(master, "link-token/v1")}, nil
}

func mac(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}

// EmailHash is the keyed hash of a normalised, lower-cased address.
func (k *Keys) EmailHash(emailKey string) string {
	return hex.EncodeToString(mac(k.email, emailKey))
}

// Hash is a keyed hash of any identifying string (an organisation name), for
// uniqueness keys that must not reveal what they stand for.
func (k *Keys) Hash(purpose, s string) string {
	return hex.EncodeToString(mac(k.email, purpose+"\x00"+s))
}

// NewNonce returns 128 random bits, the seed of one link token.
func NewNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Token is the link token for nonce. The outbox stores only the nonce and
// the token table only TokenHash(token), so the table alone never yields a
// working link: that also needs the deployment key.
func (k *Keys) Token(nonce string) string {
	return base64.RawURLEncoding.EncodeToString(mac(k.token, nonce))
}

// LinkToken is the token a link carries. A non-empty ref ("<kind>.<id>")
// names the record that keeps the nonce, so looking the link up is one read
// of that record and no token item is written; an empty ref gives the bare
// Token of a link whose TokenHash is stored as an item of its own.
func (k *Keys) LinkToken(ref, nonce string) string {
	if ref == "" {
		return k.Token(nonce)
	}
	return ref + "." + k.Token(nonce)
}

// SplitLink takes a token that names its record apart into the record's
// kind, its id and the Token to check; ok is false for any other shape. Ids
// and tokens never hold a dot, so a bare Token (no dot) is never taken for
// one that names its record, nor the other way round.
func SplitLink(s string) (kind, id, token string, ok bool) {
	kind, rest, ok1 := strings.Cut(s, ".")
	id, token, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || kind == "" || id == "" || token == "" || strings.Contains(token, ".") {
		return "", "", "", false
	}
	return kind, id, token, true
}

// TokenHash is how a token is stored and looked up.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
