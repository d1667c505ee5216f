// Package email parses the email addresses people type into the one form
// the rest of the system stores, hashes and sends to.
package email

import (
	"errors"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Errors name why an address was refused; the caller maps them to field
// codes, so a person learns what to fix.
var (
	ErrInvalid  = errors.New("not an email address")
	ErrNonASCII = errors.New("the part before @ must be ASCII")
	ErrSpace    = errors.New("an address has no spaces")
	ErrNoAt     = errors.New("an address needs an @")
)

const maxLen = 254

// Normalize returns addr as stored: trimmed, bare (no display name), domain
// in lower-case punycode. SES needs an ASCII local part; an international
// domain is fine once converted.
func Normalize(addr string) (string, error) {
	addr = strings.TrimSpace(addr)
	// Invalid UTF-8 would reach the IDNA mapping as U+FFFD and come out as
	// a punycode domain nobody typed.
	if addr == "" || len(addr) > maxLen || !utf8.ValidString(addr) || strings.ContainsAny(addr, "\r\n<>,;\"") {
		return "", ErrInvalid
	}
	if strings.ContainsFunc(addr, unicode.IsSpace) {
		return "", ErrSpace
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return "", ErrNoAt
	}
	if at == 0 || at == len(addr)-1 {
		return "", ErrInvalid
	}
	local, domain := addr[:at], addr[at+1:]
	for _, r := range local {
		if r > 0x7e || r < 0x21 {
			return "", ErrNonASCII
		}
	}
	ascii, err := idna.Lookup.ToASCII(strings.TrimSuffix(domain, "."))
	if err != nil || !strings.Contains(ascii, ".") {
		return "", ErrInvalid
	}
	out := local + "@" + strings.ToLower(ascii)
	if len(out) > maxLen { // punycode is longer than what was typed
		return "", ErrInvalid
	}
	// net/mail has the RFC 5322 grammar; let it reject what it must.
	if p, err := mail.ParseAddress(out); err != nil || p.Address != out {
		return "", ErrInvalid
	}
	return out, nil
}

// Key is the form used for equality: case does not distinguish mailboxes in
// practice, so Jane@… and jane@… are one person.
func Key(normalized string) string { return strings.ToLower(normalized) }
