package mail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

const (
	// maxLineLen is RFC 5322's hard limit for a line without its CRLF.
	maxLineLen = 998
	// foldLen is RFC 5322's recommended line length; header fields are folded
	// at spaces to stay within it where the content allows.
	foldLen = 78
	// base64LineLen is the MIME limit for encoded body lines (RFC 2045).
	base64LineLen = 76
	// maxFilenameLen keeps attachment headers well inside maxLineLen even
	// after RFC 2231 percent-encoding, and matches common file system limits.
	maxFilenameLen = 255
)

// Render returns m as an RFC 5322 / MIME message with CRLF line endings.
//
// date becomes the Date header; messageID becomes the Message-ID header
// inside angle brackets and must be "left@right", the right part being the
// sending domain chosen by the caller. All header input is validated: a
// control character anywhere yields an error wrapping ErrHeaderInjection,
// anything else unrenderable an error wrapping ErrInvalidMessage.
func (m Message) Render(date time.Time, messageID string) ([]byte, error) {
	data, _, _, err := m.render(date, messageID)
	return data, err
}

// Envelope renders m and returns it together with the SMTP envelope: the
// bare From address and every To and Cc recipient once.
func (m Message) Envelope(date time.Time, messageID string) (Envelope, error) {
	data, from, rcpt, err := m.render(date, messageID)
	if err != nil {
		return Envelope{}, err
	}
	return Envelope{From: from, To: rcpt, Data: data}, nil
}

func (m Message) render(date time.Time, messageID string) (data []byte, from string, rcpt []string, err error) {
	var h headerWriter

	fromAddr, fromHdr, err := formatAddress("From", m.From)
	if err != nil {
		return nil, "", nil, err
	}
	h.add("From", fromHdr)

	if len(m.To) == 0 {
		return nil, "", nil, invalid("To", "at least one recipient is required")
	}
	seen := make(map[string]bool)
	for _, f := range []struct {
		name  string
		addrs []mail.Address
	}{{"To", m.To}, {"Cc", m.Cc}, {"Reply-To", m.ReplyTo}} {
		if len(f.addrs) == 0 {
			continue
		}
		formatted := make([]string, len(f.addrs))
		for i, a := range f.addrs {
			addr, hdr, err := formatAddress(f.name+"["+strconv.Itoa(i)+"]", a)
			if err != nil {
				return nil, "", nil, err
			}
			formatted[i] = hdr
			// Reply-To addresses only go into the header; they receive
			// nothing now.
			if f.name != "Reply-To" && !seen[addr] {
				seen[addr] = true
				rcpt = append(rcpt, addr)
			}
		}
		h.add(f.name, strings.Join(formatted, ", "))
	}

	if err := checkHeaderText("Subject", m.Subject); err != nil {
		return nil, "", nil, err
	}
	h.add("Subject", encodeText(m.Subject))

	if date.IsZero() {
		return nil, "", nil, invalid("Date", "date is required")
	}
	h.add("Date", date.Format(time.RFC1123Z))

	if err := checkMessageID(messageID); err != nil {
		return nil, "", nil, err
	}
	h.add("Message-ID", "<"+messageID+">")
	h.add("MIME-Version", "1.0")

	root, err := m.body()
	if err != nil {
		return nil, "", nil, err
	}
	header, writeBody := root.prepare()
	for _, k := range []string{"Content-Type", "Content-Transfer-Encoding"} {
		if v := header.Get(k); v != "" {
			h.add(k, v)
		}
	}
	if h.err != nil {
		return nil, "", nil, h.err
	}

	buf := &h.buf
	buf.WriteString("\r\n")
	if err := writeBody(buf); err != nil {
		return nil, "", nil, fmt.Errorf("mail: writing body: %w", err)
	}
	return buf.Bytes(), fromAddr, rcpt, nil
}

// headerWriter accumulates folded header fields and remembers the first
// error so that render can add fields without checking each one.
type headerWriter struct {
	buf bytes.Buffer
	err error
}

// add writes the header field "name: value", folded.
func (h *headerWriter) add(name, value string) {
	if h.err != nil {
		return
	}
	folded, err := foldValue(name, value)
	if err != nil {
		h.err = err
		return
	}
	h.buf.WriteString(name + ":" + folded + "\r\n")
}

// foldValue returns what follows "name:" in the header field "name: value",
// broken at spaces so that lines keep to 78 characters where the words
// allow. Folding puts CRLF before a space, which unfolding (RFC 5322
// section 2.2.3) removes again, so the field's meaning is unchanged whether
// the space sits between words, encoded-words, parameters or list items.
// The result starts with the space (or fold) that follows the colon.
func foldValue(name, value string) (string, error) {
	var b strings.Builder
	lineLen := len(name) + 1
	for _, word := range strings.Split(value, " ") {
		// Folding before the first word is allowed (FWS may follow the
		// colon) and keeps a 75 character encoded-word within RFC 2047's
		// 76 character line limit. Never fold before an empty word: that
		// would create a whitespace-only line, which RFC 5322 forbids.
		if word != "" && lineLen+1+len(word) > foldLen {
			b.WriteString("\r\n")
			lineLen = 0
		}
		b.WriteByte(' ')
		b.WriteString(word)
		lineLen += 1 + len(word)
		if lineLen > maxLineLen {
			return "", invalid(name, "header field has a word too long to fold")
		}
	}
	return b.String(), nil
}

// checkHeaderText refuses control characters (the header injection vector:
// CR and LF end a header field) and invalid UTF-8, which would otherwise be
// encoded into mojibake.
func checkHeaderText(field, s string) error {
	if !utf8.ValidString(s) {
		return invalid(field, "text is not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return injection(field)
		}
	}
	return nil
}

// formatAddress validates a and returns its bare ASCII form for the SMTP
// envelope and its header form. Unicode domains become punycode (IDNA2008
// lookup rules, which also lower-case them); Unicode local parts are refused
// because they need SMTPUTF8, which SES does not offer.
func formatAddress(field string, a mail.Address) (addr, header string, err error) {
	if err := checkHeaderText(field, a.Name); err != nil {
		return "", "", err
	}
	if err := checkHeaderText(field, a.Address); err != nil {
		return "", "", err
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at <= 0 || at == len(a.Address)-1 {
		return "", "", invalid(field, "address must have the form local@domain")
	}
	local, domain := a.Address[:at], a.Address[at+1:]
	for i := 0; i < len(local); i++ {
		if local[i] >= utf8.RuneSelf {
			return "", "", invalid(field, "local part of the address must be ASCII")
		}
	}
	asciiDomain, err := idna.Lookup.ToASCII(domain)
	if err != nil {
		return "", "", invalid(field, "domain is not a valid host name")
	}
	addr = local + "@" + asciiDomain
	// net/mail's String quotes odd local parts and RFC 2047 encodes
	// non-ASCII display names; parsing the result back proves that a
	// receiver will see exactly this address and no other.
	header = (&mail.Address{Name: a.Name, Address: addr}).String()
	if strings.Contains(a.Name, "=?") {
		// A typed name that looks like an encoded-word is only quoted by
		// net/mail, and some clients decode encoded-words even inside
		// quotes, turning the name into whatever it hides. Encoded once
		// more, it decodes to the literal text.
		header = forceBEncoding(a.Name) + " <" + addr + ">"
	}
	parsed, err := mail.ParseAddress(header)
	if err != nil || parsed.Address != addr {
		return "", "", invalid(field, "address is not a valid RFC 5322 address")
	}
	return addr, header, nil
}

// encodeText turns unstructured header text (the subject) into something
// that is pure ASCII and foldable. Plain ASCII stays readable; text that a
// decoder would misread ("=?" starts an encoded-word) or that cannot be
// folded is forced into encoded-words. For non-ASCII text the shorter of Q
// (good for German with a few umlauts) and B (good for Cyrillic or Arabic)
// is chosen.
func encodeText(s string) string {
	nonASCII := 0
	longestWord := 0
	for _, w := range strings.Split(s, " ") {
		longestWord = max(longestWord, len(w))
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			nonASCII++
		}
	}
	if nonASCII == 0 {
		if !strings.Contains(s, "=?") && longestWord <= foldLen-len("Subject: ") {
			return s
		}
		return forceBEncoding(s)
	}
	q := mime.QEncoding.Encode("utf-8", s)
	b := mime.BEncoding.Encode("utf-8", s)
	if len(b) < len(q) {
		return b
	}
	return q
}

// forceBEncoding encodes ASCII text that mime.BEncoding would pass through
// unchanged. Each encoded-word carries at most 45 bytes (60 base64
// characters), staying under RFC 2047's 75 character limit.
func forceBEncoding(s string) string {
	const chunk = 45
	var words []string
	for len(s) > 0 {
		n := min(chunk, len(s))
		for n < len(s) && !utf8.RuneStart(s[n]) {
			n--
		}
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, " ")
}

// checkMessageID accepts "left@right" where both sides are RFC 5322
// dot-atom-text, the form every receiver parses.
func checkMessageID(id string) error {
	const field = "Message-ID"
	if err := checkHeaderText(field, id); err != nil {
		return err
	}
	left, right, ok := strings.Cut(id, "@")
	if !ok || !isDotAtom(left) || !isDotAtom(right) {
		return invalid(field, "message id must have the form left@domain in dot-atom text")
	}
	return nil
}

func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// node is one MIME entity: either a leaf with its own header and content,
// or a multipart container of children.
type node struct {
	header   textproto.MIMEHeader
	write    func(io.Writer) error
	subtype  string
	children []node
}

// prepare returns the entity's header and a function writing its content.
// A multipart's boundary is fixed here because it must appear in the
// header before the content is written. Boundaries come from
// mime/multipart, i.e. crypto/rand, so they cannot collide with content.
func (n node) prepare() (textproto.MIMEHeader, func(io.Writer) error) {
	if n.subtype == "" {
		return n.header, n.write
	}
	boundary := multipart.NewWriter(io.Discard).Boundary()
	header := textproto.MIMEHeader{}
	header.Set("Content-Type", mime.FormatMediaType("multipart/"+n.subtype, map[string]string{"boundary": boundary}))
	return header, func(w io.Writer) error {
		mw := multipart.NewWriter(w)
		if err := mw.SetBoundary(boundary); err != nil {
			return err
		}
		for _, c := range n.children {
			ch, write := c.prepare()
			// multipart.Writer emits header values verbatim, so fold them
			// here; the values were validated, so folding cannot fail.
			folded := textproto.MIMEHeader{}
			for k := range ch {
				v, err := foldValue(k, ch.Get(k))
				if err != nil {
					return err
				}
				// CreatePart adds its own space after the colon.
				folded.Set(k, strings.TrimPrefix(v, " "))
			}
			pw, err := mw.CreatePart(folded)
			if err != nil {
				return err
			}
			if err := write(pw); err != nil {
				return err
			}
		}
		return mw.Close()
	}
}

// body builds the MIME tree: text/plain and text/html as alternatives
// (plain first, since clients show the last one they understand), wrapped in
// multipart/mixed when there are attachments. A message with only one of
// the two bodies gets just that part.
func (m Message) body() (node, error) {
	var alternatives []node
	if m.Text != "" || m.HTML == "" {
		if !utf8.ValidString(m.Text) {
			return node{}, invalid("Text", "text is not valid UTF-8")
		}
		alternatives = append(alternatives, textNode("text/plain", m.Text))
	}
	if m.HTML != "" {
		if !utf8.ValidString(m.HTML) {
			return node{}, invalid("HTML", "text is not valid UTF-8")
		}
		alternatives = append(alternatives, textNode("text/html", m.HTML))
	}
	content := alternatives[0]
	if len(alternatives) > 1 {
		content = node{subtype: "alternative", children: alternatives}
	}
	if len(m.Attachments) == 0 {
		return content, nil
	}
	mixed := node{subtype: "mixed", children: []node{content}}
	for i, a := range m.Attachments {
		n, err := attachmentNode("Attachments["+strconv.Itoa(i)+"]", a)
		if err != nil {
			return node{}, err
		}
		mixed.children = append(mixed.children, n)
	}
	return mixed, nil
}

// textNode uses quoted-printable because the bodies are mostly ASCII
// (German text, HTML markup) and stay readable in a raw dump; the encoder
// also turns every line ending into CRLF and keeps lines within 76.
func textNode(mediaType, text string) node {
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", mediaType+"; charset=UTF-8")
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	return node{header: h, write: func(w io.Writer) error {
		qp := quotedprintable.NewWriter(w)
		if _, err := io.WriteString(qp, text); err != nil {
			return err
		}
		return qp.Close()
	}}
}

func attachmentNode(field string, a Attachment) (node, error) {
	if err := checkHeaderText(field+".Filename", a.Filename); err != nil {
		return node{}, err
	}
	if err := checkHeaderText(field+".ContentType", a.ContentType); err != nil {
		return node{}, err
	}
	switch {
	case a.Filename == "":
		return node{}, invalid(field+".Filename", "filename is required")
	case len(a.Filename) > maxFilenameLen:
		return node{}, invalid(field+".Filename", "filename is too long")
	case strings.ContainsAny(a.Filename, `/\`):
		// Receivers strip directories anyway; a path here is a bug upstream.
		return node{}, invalid(field+".Filename", "filename must not contain a path separator")
	}
	contentType := a.ContentType
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || strings.HasPrefix(mediaType, "multipart/") {
		return node{}, invalid(field+".ContentType", "content type is not a valid single-part media type")
	}
	// The name parameter is obsolete but some clients (older Outlook) only
	// look there for the attachment's name, and they expect RFC 2047 rather
	// than the RFC 2231 form used in Content-Disposition.
	if _, ok := params["name"]; !ok {
		params["name"] = mime.QEncoding.Encode("utf-8", a.Filename)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", mime.FormatMediaType(mediaType, params))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename}))
	h.Set("Content-Transfer-Encoding", "base64")
	for k := range h {
		if v := h.Get(k); v == "" {
			return node{}, invalid(field, "attachment header cannot be encoded")
		} else if _, err := foldValue(k, v); err != nil {
			return node{}, invalid(field, "attachment header cannot be folded")
		}
	}
	data := a.Data
	return node{header: h, write: func(w io.Writer) error {
		return writeBase64Lines(w, data)
	}}, nil
}

// writeBase64Lines writes data base64 encoded in CRLF separated lines of
// at most 76 characters, as RFC 2045 requires.
func writeBase64Lines(w io.Writer, data []byte) error {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 0 {
		n := min(base64LineLen, len(enc))
		if _, err := io.WriteString(w, enc[:n]); err != nil {
			return err
		}
		enc = enc[n:]
		if len(enc) > 0 {
			if _, err := io.WriteString(w, "\r\n"); err != nil {
				return err
			}
		}
	}
	return nil
}
