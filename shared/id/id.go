// Package id makes record identifiers: 26 characters, lower-case base32,
// sortable by creation time (48-bit milliseconds) and unguessable (80 random
// bits), so listings come out in order and ids in URLs leak nothing.
package id

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"strings"
	"time"
)

var enc = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// New returns an id for a record created at t.
func New(t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	_, _ = rand.Read(b[6:]) // crypto/rand never fails on supported platforms
	return enc.EncodeToString(b[:])
}

// Valid reports whether s looks like an id, so a bad path value is a 404
// before any storage call.
func Valid(s string) bool {
	if len(s) != 26 {
		return false
	}
	_, err := enc.DecodeString(strings.ToLower(s))
	return err == nil && s == strings.ToLower(s)
}
