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
	// Codes of the coordinators' event fields.
	OutOfRange     = "out_of_range"
	BeforeStart    = "before_start"    // an end not after the start
	AfterStart     = "after_start"     // a deadline after the start
	InPast         = "in_past"         // a start already past
	BelowConfirmed = "below_confirmed" // a capacity below the seats taken
)

// Line parses a one-line text (a name): trimmed, no line breaks or control
// characters, at most max characters. Line breaks matter most: such values
// may end up in mail headers.
func Line(f *apperr.Fields, field, v string, required bool, max int) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		if required {
			f.Add(field, Required, "")
		}
	case !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl):
		f.Add(field, ControlChars, "")
	case utf8.RuneCountInString(v) > max:
		f.Add(field, TooLong, "")
	default:
		return v
	}
	return ""
}

// Text parses free text that may span lines (a message).
func Text(f *apperr.Fields, field, v string, required bool, max int) string {
	v = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
	bad := func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }
	switch {
	case v == "":
		if required {
			f.Add(field, Required, "")
		}
	case !utf8.ValidString(v) || strings.ContainsFunc(v, bad):
		f.Add(field, ControlChars, "")
	case utf8.RuneCountInString(v) > max:
		f.Add(field, TooLong, "")
	default:
		return v
	}
	return ""
}

// Email parses a required address into its stored form.
func Email(f *apperr.Fields, field, v string) string {
	if strings.TrimSpace(v) == "" {
		f.Add(field, Required, "")
		return ""
	}
	out, err := email.Normalize(v)
	switch {
	case errors.Is(err, email.ErrNonASCII):
		f.Add(field, EmailASCII, "")
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
