// Package id makes record identifiers: 26 characters, lower-case base32,
// sortable by creation time (48-bit milliseconds) and unguessable (80 random
// bits), so listings come out in order and ids in URLs leak nothing.
package id

import (
	"crypto/rand"
	"crypto/sha256"
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

// Derive returns the id of a record that parent implies, one per purpose:
// the same for the same two, so writing the record again finds the first
// one. It keeps parent's time, so it sorts with it, and takes its other 80
// bits from a hash of both, so it is as hard to guess as parent is.
func Derive(parent, purpose string) string {
	var b [16]byte
	if raw, err := enc.DecodeString(parent); err == nil && len(raw) == 16 {
		copy(b[:6], raw[:6])
	}
	sum := sha256.Sum256([]byte(parent + "\x00" + purpose))
	copy(b[6:], sum[:10])
	return enc.EncodeToString(b[:])
}
