package privacy

import "strings"

// ErasedMark stands in for an address blanked out of someone else's record.
const ErasedMark = "[gelöscht]"

// In reports whether s holds the subject's address or its hash.
func (sub Subject) In(s string) bool {
	return sub.Hash != "" && strings.Contains(s, sub.Hash) || len(Mentions(s, sub.Key)) > 0
}

// Blank replaces every mention of the subject's address, and its hash, in s.
func (sub Subject) Blank(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range Mentions(s, sub.Key) {
		b.WriteString(s[last:m[0]])
		b.WriteString(ErasedMark)
		last = m[1]
	}
	b.WriteString(s[last:])
	if sub.Hash == "" {
		return b.String()
	}
	return strings.ReplaceAll(b.String(), sub.Hash, ErasedMark)
}

// Mentions returns where s mentions the address key (lower-case ASCII, as
// email.Key gives it): in any case, and not as part of a longer address —
// xanna@example.org does not mention anna@example.org, nor does
// anna@example.org.uk. Each match is a [start, end) byte range.
func Mentions(s, key string) [][2]int {
	var out [][2]int
	if key == "" {
		return nil
	}
	for i := 0; i+len(key) <= len(s); i++ {
		if !foldEqual(s[i:i+len(key)], key) {
			continue
		}
		end := i + len(key)
		if i > 0 && localChar(s[i-1]) {
			continue
		}
		if end < len(s) && (domainChar(s[end]) || s[end] == '.' && end+1 < len(s) && domainChar(s[end+1])) {
			continue
		}
		out = append(out, [2]int{i, end})
		i = end - 1
	}
	return out
}

func lowerASCII(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// foldEqual compares s with the lower-case ASCII key, ignoring case. Bytes
// of other scripts never equal the key's.
func foldEqual(s, key string) bool {
	for i := range len(key) {
		if lowerASCII(s[i]) != key[i] {
			return false
		}
	}
	return true
}

func domainChar(b byte) bool {
	b = lowerASCII(b)
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-'
}

// localChar is a character an address's local part may hold (RFC 5322
// atext and the dot).
func localChar(b byte) bool {
	return domainChar(b) || strings.IndexByte("!#$%&'*+/=?^_`{|}~.", b) >= 0
}
