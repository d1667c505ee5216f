// Package i18n picks the language a person reads and holds the texts the
// API and its mails show, German first. A language is one JSON file in
// locales/; adding one needs no code unless it reads right to left, which
// the file itself declares.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the Lambda image may lack zoneinfo; dates are shown in Berlin time
)

// Default is the language of the county: used when nothing else fits.
const Default = "de"

//go:embed locales/*.json
var files embed.FS

type catalog struct {
	Name     string            `json:"_name"` // the language's own name, for choosers
	Dir      string            `json:"_dir"`  // "rtl" for Arabic, Farsi, …
	Messages map[string]string `json:"messages"`
}

// catalogs holds one loader per language, found at init by file name
// alone; a catalog is decoded on its first use, so a cold start pays only
// for the languages it shows (decoding all of them took about 2 ms of every
// function's init, issue 11).
var catalogs = loaders()

func loaders() map[string]func() catalog {
	entries, err := files.ReadDir("locales")
	if err != nil {
		panic(err) // embedded at build time: cannot fail at run time
	}
	out := make(map[string]func() catalog, len(entries))
	for _, e := range entries {
		name := e.Name()
		out[strings.TrimSuffix(name, ".json")] = sync.OnceValue(func() catalog { return load(name) })
	}
	return out
}

// load decodes one embedded catalog. The files are embedded at build time
// and a test decodes every one, so a failure here is a broken build.
func load(name string) catalog {
	b, err := files.ReadFile(path.Join("locales", name))
	if err != nil {
		panic(err)
	}
	var c catalog
	if err := json.Unmarshal(b, &c); err != nil {
		panic(fmt.Sprintf("i18n: %s: %v", name, err))
	}
	return c
}

// get is locale's catalog, or the empty one for a language without texts.
func get(locale string) catalog {
	if loaded, ok := catalogs[locale]; ok {
		return loaded()
	}
	return catalog{}
}

// Locales lists the supported languages, the default first.
func Locales() []string {
	out := []string{Default}
	for l := range catalogs {
		if l != Default {
			out = append(out, l)
		}
	}
	slices.Sort(out[1:])
	return out
}

// Supported reports whether texts exist for locale.
func Supported(locale string) bool {
	_, ok := catalogs[locale]
	return ok
}

// Name is the language's name in itself ("Deutsch", "English").
func Name(locale string) string { return get(locale).Name }

// Dir is "rtl" or "ltr", for the dir attribute of pages and mails.
func Dir(locale string) string {
	if get(locale).Dir == "rtl" {
		return "rtl"
	}
	return "ltr"
}

// Negotiate picks the language: an explicit choice wins if supported, then
// the best supported tag of an Accept-Language header, then German.
func Negotiate(explicit, acceptLanguage string) string {
	if l := base(explicit); Supported(l) {
		return l
	}
	best, bestQ := "", 0.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		if l := base(tag); Supported(l) && q > bestQ {
			best, bestQ = l, q
		}
	}
	if best != "" {
		return best
	}
	return Default
}

func base(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return tag
}

// T returns the text for key in locale, falling back to German and then to
// the key itself so a missing translation shows up instead of breaking a page.
// Arguments fill {0}, {1}, … in order.
func T(locale, key string, args ...string) string {
	msg, ok := get(locale).Messages[key]
	if !ok && locale != Default {
		msg, ok = get(Default).Messages[key]
	}
	if !ok {
		return key
	}
	// One pass, so a placeholder inside an argument stays as typed.
	pairs := make([]string, 0, 2*len(args))
	for i, a := range args {
		pairs = append(pairs, "{"+strconv.Itoa(i)+"}", a)
	}
	return strings.NewReplacer(pairs...).Replace(msg)
}

// Has reports whether key exists in the default catalog; tests use it to
// prove every language carries every key.
func Has(locale, key string) bool {
	_, ok := get(locale).Messages[key]
	return ok
}

// Keys lists the keys of locale's catalog.
func Keys(locale string) []string {
	var out []string
	for k := range get(locale).Messages {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Berlin is the time zone every date is shown in.
var Berlin = mustZone("Europe/Berlin")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // embedded by time/tzdata
	}
	return loc
}

// FormatTime shows t in Berlin time, the way the locale writes it: German
// and English in words, every other language in digits (day.month.year, as
// most of them write it) so no English month name creeps in. In a
// right-to-left language the result is isolated, so it reads as one unit.
func FormatTime(locale string, t time.Time) string { return FormatTimeIn(locale, t, Berlin) }

// FormatTimeIn is FormatTime in another zone, an online event's say; the
// zone's abbreviation follows the time wherever it is not Berlin's, where
// readers would otherwise assume it.
func FormatTimeIn(locale string, t time.Time, zone *time.Location) string {
	t = t.In(zone)
	abbr := ""
	if zone.String() != Berlin.String() {
		abbr = " (" + t.Format("MST") + ")"
	}
	switch locale {
	case Default:
		return t.Format("02.01.2006, 15:04") + " Uhr" + abbr
	case "en":
		return t.Format("2 January 2006, 15:04") + " (" + t.Format("MST") + ")"
	}
	return Isolate(locale, t.Format("02.01.2006, 15:04")+abbr)
}

// Isolate wraps s in Unicode first-strong isolate marks when locale reads
// right to left, so numbers such as dates and phone numbers keep their
// order inside Arabic or Persian text (text and HTML alike).
func Isolate(locale, s string) string {
	if Dir(locale) != "rtl" || s == "" {
		return s
	}
	return "\u2068" + s + "\u2069"
}
