// Package validate parses the text fields every form shares into clean
// values, collecting one problem per field so a person sees all at once.
package validate

import (
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/email"
	"github.com/wartburgkreis/netzwerk/shared/network"
)

// Field error codes; package i18n has a message for each.
const (
	Required     = "required"
	TooLong      = "too_long"
	Invalid      = "invalid"
	ControlChars = "control_characters"
	UnknownValue = "unknown_choice"
	MustAccept   = "must_accept"
	EmailASCII   = "email_non_ascii"
	EmailSpace   = "email_space"
	EmailNoAt    = "email_no_at"
	// Codes of the coordinators' event fields.
	OutOfRange     = "out_of_range"
	BeforeStart    = "before_start"    // an end not after the start
	AfterStart     = "after_start"     // a deadline after the start
	InPast         = "in_past"         // a start already past
	BelowConfirmed = "below_confirmed" // a capacity below the seats taken
)

// Line parses a one-line text (a name): normalised, trimmed, no line
// breaks, control or format characters, at most max characters. Line
// breaks matter most: such values may end up in mail headers.
func Line(f *apperr.Fields, field, v string, required bool, max int) string {
	return typed(f, field, strings.TrimSpace(v), required, max, false)
}

// Text parses free text that may span lines (a message).
func Text(f *apperr.Fields, field, v string, required bool, max int) string {
	return typed(f, field, strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n")), required, max, true)
}

// typed applies the rules every typed text shares. Text that is only
// whitespace or invisible characters counts as missing: a name of one
// zero-width space is no name. Otherwise control characters, format
// characters (bidi overrides that turn a subject around, invisible
// marks) and line or paragraph separators are refused, except the
// zero-width (non-)joiners inside a word that Persian and Arabic spelling
// needs. The text is kept in NFC, so the same name typed on two keyboards
// is stored, compared and counted alike.
func typed(f *apperr.Fields, field, v string, required bool, max int, multiline bool) string {
	switch {
	case !utf8.ValidString(v):
		f.Add(field, ControlChars, "")
	case !strings.ContainsFunc(v, visible):
		if required {
			f.Add(field, Required, "")
		}
	default:
		v = norm.NFC.String(v)
		if refused(v, multiline) {
			f.Add(field, ControlChars, "")
		} else if utf8.RuneCountInString(v) > max {
			f.Add(field, TooLong, "")
		} else {
			return v
		}
	}
	return ""
}

// visible reports a rune that shows: not a space, not a control or format
// character.
func visible(r rune) bool {
	return !unicode.IsSpace(r) && !unicode.Is(unicode.Cc, r) && !unicode.Is(unicode.Cf, r) &&
		r != '\u2028' && r != '\u2029'
}

const (
	zwnj = '\u200c'
	zwj  = '\u200d'
)

// refused reports a character typed text must not hold.
func refused(v string, multiline bool) bool {
	runes := []rune(v)
	for i, r := range runes {
		switch {
		case multiline && (r == '\n' || r == '\t'):
		case r == zwnj || r == zwj:
			if i == 0 || i == len(runes)-1 || !inWord(runes[i-1]) || !inWord(runes[i+1]) {
				return true
			}
		case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r), r == '\u2028', r == '\u2029':
			return true
		}
	}
	return false
}

func inWord(r rune) bool { return unicode.IsLetter(r) || unicode.Is(unicode.M, r) }

// Email parses a required address into its stored form.
func Email(f *apperr.Fields, field, v string) string {
	if !strings.ContainsFunc(v, visible) {
		f.Add(field, Required, "")
		return ""
	}
	out, err := email.Normalize(v)
	switch {
	case errors.Is(err, email.ErrNonASCII):
		f.Add(field, EmailASCII, "")
	case errors.Is(err, email.ErrSpace):
		f.Add(field, EmailSpace, "")
	case errors.Is(err, email.ErrNoAt):
		f.Add(field, EmailNoAt, "")
	case err != nil:
		f.Add(field, Invalid, "")
	}
	return out
}

var phonePattern = regexp.MustCompile(`^\+?[0-9 ()/.\-]{3,40}$`)

// Phone parses an optional phone number.
func Phone(f *apperr.Fields, field, v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	digits := 0
	for _, r := range v {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if !phonePattern.MatchString(v) || digits < 3 {
		f.Add(field, Invalid, "")
		return ""
	}
	return v
}

// Website parses an optional http(s) address; a bare host gets https://.
func Website(f *apperr.Fields, field, v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return ""
	}
	if !strings.Contains(v, "://") {
		v = "https://" + v
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !strings.Contains(u.Host, ".") ||
		len(v) > 300 || strings.ContainsFunc(v, unicode.IsControl) || u.User != nil {
		f.Add(field, Invalid, "")
		return ""
	}
	return u.String()
}

// Choice parses one id out of list.
func Choice(f *apperr.Fields, field, v string, list []network.Choice) string {
	v = strings.TrimSpace(v)
	if v == "" {
		f.Add(field, Required, "")
		return ""
	}
	if _, ok := network.Find(list, v); !ok {
		f.Add(field, UnknownValue, "")
		return ""
	}
	return v
}

// Choices parses a list of ids out of list, dropping repeats and keeping the
// configuration's order.
func Choices(f *apperr.Fields, field string, vs []string, list []network.Choice, required bool) []string {
	seen := map[string]bool{}
	for _, v := range vs {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if _, ok := network.Find(list, v); !ok {
			f.Add(field, UnknownValue, "")
			return nil
		}
		seen[v] = true
	}
	if len(seen) == 0 {
		if required {
			f.Add(field, Required, "")
		}
		return nil
	}
	var out []string
	for _, ch := range list {
		if seen[ch.ID] {
			out = append(out, ch.ID)
		}
	}
	return slices.Clip(out)
}

// Consent requires that the box was ticked.
func Consent(f *apperr.Fields, field string, v bool) {
	if !v {
		f.Add(field, MustAccept, "")
	}
}
