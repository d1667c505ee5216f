package network

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/wartburgkreis/netzwerk/shared/i18n"
)

// Problem is one thing wrong in a configuration, at a field path such as
// workingGroups[language].inbox (list entries by id where they have one).
type Problem struct {
	Path    string
	Message string
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// Check reports every problem in a configuration at once: what is not JSON, unknown keys, values of the wrong type, missing or
// unknown translations, malformed addresses and values out of range. A
// county runs it before a deployment; the functions refuse to start on the
// same problems.
func Check(b []byte) []Problem {
	_, problems := check(b)
	return problems
}

func check(b []byte) (*Config, []Problem) {
	var raw any
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, []Problem{{Message: fmt.Sprintf("not JSON: %v", err)}}
	}
	ck := &checker{}
	ck.shape("", reflect.TypeFor[Config](), raw)
	var c Config
	// Type errors are already reported with their paths; Unmarshal fills in
	// everything else, so the checks below still see the rest.
	_ = json.Unmarshal(b, &c)
	ck.translations()
	ck.values(&c)
	if len(ck.problems) > 0 {
		return nil, ck.problems
	}
	return &c, nil
}

type checker struct {
	problems []Problem
	reported map[string]bool // paths with a problem of their shape
	texts    []text          // every Text, in the order of the file's keys
}

func (ck *checker) add(path, format string, args ...any) {
	for p := range ck.reported {
		if path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[") {
			return // the value is of the wrong shape; more would be noise
		}
	}
	ck.problems = append(ck.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (ck *checker) shapeProblem(path, format string, args ...any) {
	ck.add(path, format, args...)
	if ck.reported == nil {
		ck.reported = map[string]bool{}
	}
	ck.reported[path] = true
}

// shape walks the decoded JSON beside the Go type it fills and reports
// unknown keys and values of the wrong type: json.Unmarshal ignores the
// first and stops at the first of the second.
func (ck *checker) shape(path string, t reflect.Type, v any) {
	if v == nil {
		return // null is as good as absent; the value checks decide
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			ck.shapeProblem(path, "want an object, got %s", kind(v))
			return
		}
		fields := jsonFields(t)
		for _, key := range sortedKeys(obj) {
			p := join(path, key)
			f, ok := fields[key]
			if !ok {
				ck.shapeProblem(p, "unknown key (known here: %s)", strings.Join(sortedKeys(fields), ", "))
				continue
			}
			ck.shape(p, f, obj[key])
		}
	case reflect.Slice:
		list, ok := v.([]any)
		if !ok {
			ck.shapeProblem(path, "want a list, got %s", kind(v))
			return
		}
		for i, e := range list {
			ck.shape(entryPath(path, i, e), t.Elem(), e)
		}
	case reflect.Map: // Text: locale → text
		obj, ok := v.(map[string]any)
		if !ok {
			ck.shapeProblem(path, "want an object of texts by language, got %s", kind(v))
			return
		}
		ck.texts = append(ck.texts, text{path, obj})
		for _, l := range sortedKeys(obj) {
			if !i18n.Supported(l) {
				ck.shapeProblem(join(path, l), "unknown language (known: %s)", strings.Join(i18n.Locales(), ", "))
				continue
			}
			ck.shape(join(path, l), t.Elem(), obj[l])
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			ck.shapeProblem(path, "want a string, got %s", kind(v))
		}
	case reflect.Int:
		n, ok := v.(float64)
		if !ok || n != math.Trunc(n) || math.Abs(n) > 1e9 {
			ck.shapeProblem(path, "want a whole number, got %s", kind(v))
		}
	}
}

// text is one Text as the file has it, met on the shape walk.
type text struct {
	path  string
	langs map[string]any
}

// translations reports texts that lack a language the configuration uses
// elsewhere: mail and forms fall back to German there, which reads as an
// oversight in the middle of an otherwise translated page.
func (ck *checker) translations() {
	used := map[string]bool{}
	for _, t := range ck.texts {
		for l := range t.langs {
			if i18n.Supported(l) {
				used[l] = true
			}
		}
	}
	for _, t := range ck.texts {
		var missing []string
		for _, l := range i18n.Locales() {
			if s, _ := t.langs[l].(string); used[l] && l != i18n.Default && s == "" {
				missing = append(missing, l)
			}
		}
		if len(missing) > 0 {
			ck.add(t.path, "no text in %s, though other texts have one", strings.Join(missing, ", "))
		}
	}
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// bounds are the ranges the numbers must keep: a retention beyond its
// purpose is what data protection forbids, and zero would delete at once.
var bounds = []struct {
	path     string
	min, max int
	value    func(*Config) int
}{
	{"tokenValidityHours", 1, 720, func(c *Config) int { return c.TokenValidityHours }},
	{"eventReminderHours", 1, 336, func(c *Config) int { return c.EventReminderHours }},
	{"mailRetryHours", 1, 168, func(c *Config) int { return c.MailRetryHours }},
	{"mailCapPerAddressPerDay", 1, 100, func(c *Config) int { return c.MailCapPerAddressPerDay }},
	{"rateLimitPerMinute", 0, 10_000, func(c *Config) int { return c.RateLimitPerMinute }},
	{"digestHour", 0, 23, func(c *Config) int { return c.DigestHour }},
	{"retention.unconfirmedApplicationDays", 1, 90, func(c *Config) int { return c.Retention.UnconfirmedApplicationDays }},
	{"retention.pendingReviewDays", 1, 730, func(c *Config) int { return c.Retention.PendingReviewDays }},
	{"retention.sentMailDays", 1, 365, func(c *Config) int { return c.Retention.SentMailDays }},
	{"retention.contactMessageDays", 1, 730, func(c *Config) int { return c.Retention.ContactMessageDays }},
	{"retention.registrationAfterEventDays", 1, 730, func(c *Config) int { return c.Retention.RegistrationAfterEventDays }},
	{"retention.rejectedApplicationDays", 1, 365, func(c *Config) int { return c.Retention.RejectedApplicationDays }},
	{"retention.auditDays", 1, 3650, func(c *Config) int { return c.Retention.AuditDays }},
}

// values checks what the decoded configuration says.
func (ck *checker) values(c *Config) {
	if !idPattern.MatchString(c.ID) {
		ck.add("id", "%q: lower-case letters, digits and dashes, at most 40", c.ID)
	}
	if c.Name[i18n.Default] == "" { // not In: it falls back to any language
		ck.add("name", "a German name is required")
	}
	if u, err := url.Parse(c.PublicBaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		ck.add("publicBaseURL", "%q: an absolute http(s) URL", c.PublicBaseURL)
	}
	if c.WebsiteURL != "" {
		if u, err := url.Parse(c.WebsiteURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			ck.add("websiteURL", "%q: an absolute http(s) URL", c.WebsiteURL)
		}
	}
	for i, o := range c.AllowedOrigins {
		if u, err := url.Parse(o); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" || u.RawQuery != "" {
			ck.add(fmt.Sprintf("allowedOrigins[%d]", i), "%q: scheme and host only, like https://www.example.org", o)
		}
	}
	if err := bareAddress(c.Sender.Address); err != nil {
		ck.add("sender.address", "%q: %v", c.Sender.Address, err)
	}
	if c.Privacy.URL == "" {
		ck.add("privacy.url", "required: the privacy policy the consent refers to")
	}
	if c.Privacy.Version == "" {
		ck.add("privacy.version", "required: recorded with every consent")
	}
	for _, b := range bounds {
		switch n := b.value(c); {
		case n < b.min && b.min == 1:
			ck.add(b.path, "must be positive, got %d", n)
		case n < b.min:
			ck.add(b.path, "must not be negative (0 switches it off), got %d", n)
		case n > b.max:
			ck.add(b.path, "at most %d, got %d", b.max, n)
		}
	}
	if days := c.Retention.UnconfirmedApplicationDays; days > 0 && c.TokenValidityHours > days*24 {
		ck.add("retention.unconfirmedApplicationDays", "%d days is shorter than the confirm link lives (tokenValidityHours %d)", days, c.TokenValidityHours)
	}

	for i, n := range c.Networks {
		if n.Kind != KindCounty && n.Kind != KindRegional && n.Kind != KindMunicipal {
			ck.add(entryName("networks", i, n.ID)+".kind", "%q: county, regional or municipal", n.Kind)
		}
	}
	if main, ok := c.network(c.MainNetwork); !ok || main.Inbox == "" {
		ck.add("mainNetwork", "%q: must name a network with an inbox", c.MainNetwork)
	}
	nets := make([]Choice, len(c.Networks))
	for i, n := range c.Networks {
		nets[i] = n.Choice
	}
	for _, l := range []struct {
		name string
		list []Choice
	}{
		{"organisationTypes", c.OrganisationTypes},
		{"workingGroups", c.WorkingGroups},
		{"networks", nets},
		{"topics", c.Topics},
	} {
		ck.choices(l.name, l.list)
	}
}

func (ck *checker) choices(name string, list []Choice) {
	if len(list) == 0 {
		ck.add(name, "at least one entry")
	}
	seen := map[string]bool{}
	for i, ch := range list {
		at := entryName(name, i, ch.ID)
		switch {
		case !idPattern.MatchString(ch.ID):
			ck.add(at+".id", "%q missing or malformed: lower-case letters, digits and dashes", ch.ID)
		case seen[ch.ID]:
			ck.add(fmt.Sprintf("%s[%d].id", name, i), "%q repeated", ch.ID)
		}
		seen[ch.ID] = true
		if ch.Label[i18n.Default] == "" {
			ck.add(at+".label", "a German label is required")
		}
		if ch.Inbox != "" {
			if err := bareAddress(ch.Inbox); err != nil {
				ck.add(at+".inbox", "%q: %v", ch.Inbox, err)
			}
		}
	}
}

// entryName names a list entry by its id where it has a usable one.
func entryName(list string, i int, id string) string {
	if idPattern.MatchString(id) {
		return fmt.Sprintf("%s[%s]", list, id)
	}
	return fmt.Sprintf("%s[%d]", list, i)
}

func entryPath(list string, i int, v any) string {
	obj, _ := v.(map[string]any)
	id, _ := obj["id"].(string)
	return entryName(list, i, id)
}

// jsonFields maps the JSON names of t's fields to their types, with the
// fields of embedded structs (Network embeds Choice).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		if f.Anonymous {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = f.Type
		}
	}
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// sortedKeys sorts the keys, so reports come in the same order every run.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func kind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "true or false"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "null"
}
