// Package render writes HTML without templates. The only way to write a
// dynamic string into an HTML document is through a method that escapes
// it; constant markup goes through Raw, which takes a Markup, so a string
// variable has to be converted to markup where a reviewer sees it.
//
// The escaping is html/template's, character for character: text and
// quoted attribute values escape the same seven characters, URLs are
// filtered by scheme and percent-encoded the same way. So what the
// templates wrote stays what the writers write (the mails' golden files
// hold them to it) without text/template's reflection, which makes the
// linker keep every exported method of the SDK clients (docs/renderer.md).
package render

import (
	"strings"
)

// Markup is HTML written by the program, never by a person: tags,
// attribute names, constant text.
type Markup string

// HTML is an HTML document being written.
type HTML struct {
	b strings.Builder
}

// Raw writes markup as it is.
func (h *HTML) Raw(m Markup) { h.b.WriteString(string(m)) }

// Text writes s escaped, as element text or as the value of a quoted
// attribute that is not a URL.
func (h *HTML) Text(s string) { escaper.WriteString(&h.b, s) }

// URL writes s as the whole value of a quoted URL attribute (href): a
// scheme other than http, https or mailto is refused with html/template's
// "#ZgotmplZ", so a typed "javascript:" never becomes a link.
func (h *HTML) URL(s string) {
	if !safeURL(s) {
		s = "#ZgotmplZ"
	}
	h.URLPart(s)
}

// URLPart writes s as the rest of a quoted URL attribute whose scheme the
// markup fixed already, such as the address after "mailto:": percent-encoded
// so it cannot leave the URL, then escaped.
func (h *HTML) URLPart(s string) { h.Text(normalizeURL(s)) }

// URLQuery writes s as a value in the query or fragment of a quoted URL
// attribute, after a constant "?name=" or "#": every byte but letters,
// digits and "-._~" is percent-encoded, as html/template does there, so s
// cannot add a parameter or leave the URL.
func (h *HTML) URLQuery(s string) { h.b.WriteString(encodeURL(s, false)) }

// String is the document written so far.
func (h *HTML) String() string { return h.b.String() }

// escaper is html/template's table for text and attribute values. The plus
// sign is escaped so no browser sniffing UTF-7 finds "+ADw-" markup; NUL
// becomes U+FFFD as an HTML parser would read it.
var escaper = strings.NewReplacer(
	"\x00", "\uFFFD",
	`"`, "&#34;",
	"&", "&amp;",
	"'", "&#39;",
	"+", "&#43;",
	"<", "&lt;",
	">", "&gt;",
)

// safeURL reports whether s is relative or uses one of the schemes a mail
// may link to; what comes before the first colon is the scheme unless it
// holds a slash (then the colon is in a path).
func safeURL(s string) bool {
	scheme, _, ok := strings.Cut(s, ":")
	if !ok || strings.Contains(scheme, "/") {
		return true
	}
	return strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https") || strings.EqualFold(scheme, "mailto")
}

// normalizeURL percent-encodes every byte that is neither unreserved nor a
// delimiter of RFC 3986, and keeps valid escapes: spaces, quotes,
// parentheses, non-ASCII bytes and a stray "%" are encoded; "?", "&", "#"
// and "%41" stay.
func normalizeURL(s string) string { return encodeURL(s, true) }

// encodeURL percent-encodes s; normalize keeps RFC 3986's delimiters and
// valid escapes, as in a whole URL, rather than encoding them, as in one
// query value.
func encodeURL(s string, normalize bool) string {
	const hex = "0123456789abcdef"
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || normalize && (delimiter(c) || c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2])) {
			continue
		}
		if written == 0 {
			b.Grow(len(s) + 16)
		}
		b.WriteString(s[written:i])
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0xf])
		written = i + 1
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}

// unreserved reports whether c is unreserved in RFC 3986: never encoded.
func unreserved(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~", c) >= 0
}

// delimiter reports whether c is one of RFC 3986's delimiters that
// html/template keeps in a whole URL (not the quote or parentheses).
func delimiter(c byte) bool { return strings.IndexByte("!#$&*+,/:;=?@[]", c) >= 0 }

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
