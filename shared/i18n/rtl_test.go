package i18n_test

import (
	"time"

	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/wartburgkreis/netzwerk/shared/i18n"
)

// The languages of the people the network serves, besides German and
// English: Arabic (Syria, Iraq), Persian (Iran; Dari readers from
// Afghanistan read it too), Ukrainian, Russian and Turkish. Each is given
// with the name a chooser shows and the direction it is written in.
var served = []struct {
	locale, name, dir string
}{
	{"de", "Deutsch", "ltr"},
	{"en", "English", "ltr"},
	{"ar", "العربية", "rtl"},
	{"fa", "فارسی", "rtl"},
	{"uk", "Українська", "ltr"},
	{"ru", "Русский", "ltr"},
	{"tr", "Türkçe", "ltr"},
}

func TestDirOfServedLanguages(t *testing.T) {
	for _, s := range served {
		t.Run(s.locale, func(t *testing.T) {
			if got := i18n.Dir(s.locale); got != s.dir {
				t.Errorf("Dir(%q): got %q, want %q", s.locale, got, s.dir)
			}
			if got := i18n.Name(s.locale); got != s.name {
				t.Errorf("Name(%q): got %q, want %q", s.locale, got, s.name)
			}
		})
	}
	// Right-to-left languages without a catalog are shown in German, so
	// their pages read left to right.
	for _, l := range []string{"prs", "ps", "ckb", "he", "ur"} {
		if got := i18n.Dir(l); got != "ltr" {
			t.Errorf("Dir(%q): got %q, want ltr (no catalog: German is shown)", l, got)
		}
	}
}

func TestLocalesListsServedLanguages(t *testing.T) {
	got := i18n.Locales()
	if len(got) == 0 || got[0] != "de" {
		t.Fatalf("Locales(): got %q, want de first", got)
	}
	if !slices.IsSorted(got[1:]) {
		t.Errorf("Locales(): got %q, want the rest sorted", got)
	}
	for _, s := range served {
		if !slices.Contains(got, s.locale) {
			t.Errorf("Locales(): got %q, want %q in it", got, s.locale)
		}
		if !i18n.Supported(s.locale) {
			t.Errorf("Supported(%q): got false, want true", s.locale)
		}
	}
	if n := len(served); len(got) < n {
		t.Errorf("Locales(): got %d languages, want at least %d", len(got), n)
	}
}

func TestNegotiateServedLanguages(t *testing.T) {
	tests := []struct {
		name           string
		explicit       string
		acceptLanguage string
		want           string
	}{
		{"Syrian browser", "", "ar-SY,ar;q=0.9", "ar"},
		{"Iraqi browser with English", "", "ar-IQ,ar;q=0.9,en-US;q=0.8,en;q=0.7", "ar"},
		{"Iranian browser", "", "fa-IR", "fa"},
		{"Persian as written in Afghanistan", "", "fa-AF,fa;q=0.9", "fa"},
		{"Ukrainian browser", "", "uk-UA", "uk"},
		{"Ukrainian before Russian", "", "uk-UA,uk;q=0.9,ru;q=0.8,en;q=0.5", "uk"},
		{"Russian browser", "", "ru-RU,ru;q=0.9", "ru"},
		{"Turkish browser", "", "tr-TR,tr;q=0.9,de;q=0.8", "tr"},
		{"explicit Arabic", "ar", "de-DE,de;q=0.9", "ar"},
		{"explicit Persian region tag", "fa_IR", "", "fa"},
		{"explicit Ukrainian upper case", "UK", "ru", "uk"},
		// Dari has its own ISO 639-3 code, prs, and no catalog: Dari readers
		// read Persian, but Negotiate matches base tags only and does not map
		// prs to fa. A browser sending prs alone gets German; one that also
		// lists fa (as most do, or fa-AF) gets Persian.
		{"Dari alone falls back to German", "", "prs", "de"},
		{"Dari with region falls back to German", "", "prs-AF", "de"},
		{"explicit Dari falls back to German", "prs", "", "de"},
		{"Dari, then Persian", "", "prs-AF,prs;q=0.9,fa;q=0.8", "fa"},
		{"Pashto has no catalog", "", "ps-AF", "de"},
		{"Kurdish has no catalog, Arabic next", "", "ckb-IQ,ckb;q=0.9,ar;q=0.8", "ar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := i18n.Negotiate(tt.explicit, tt.acceptLanguage); got != tt.want {
				t.Errorf("Negotiate(%q, %q): got %q, want %q", tt.explicit, tt.acceptLanguage, got, tt.want)
			}
		})
	}
}

// catalogFile is a locale file as written.
type catalogFile struct {
	Name     string            `json:"_name"`
	Dir      string            `json:"_dir"`
	Messages map[string]string `json:"messages"`
}

func readCatalogs(t *testing.T) map[string]catalogFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("locales", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("locale files: %v, %d found", err, len(paths))
	}
	out := make(map[string]catalogFile, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var f catalogFile
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out[strings.TrimSuffix(filepath.Base(p), ".json")] = f
	}
	return out
}

var placeholderRE = regexp.MustCompile(`\{([0-9]+)\}`)

// placeholders is the set of numbers used as {n} in msg.
func placeholders(msg string) map[string]bool {
	out := map[string]bool{}
	for _, m := range placeholderRE.FindAllStringSubmatch(msg, -1) {
		out[m[1]] = true
	}
	return out
}

// Every catalog fills in exactly what German fills in: a lost {0} drops a
// name or a date from a mail, an extra one shows "{2}" to the reader. Line
// breaks are kept too (the closing of a mail has two lines).
func TestPlaceholdersAsInGerman(t *testing.T) {
	files := readCatalogs(t)
	de, ok := files["de"]
	if !ok {
		t.Fatal("no de.json")
	}
	for _, s := range served {
		if _, ok := files[s.locale]; !ok {
			t.Errorf("no %s.json", s.locale)
		}
	}
	for l, f := range files {
		t.Run(l, func(t *testing.T) {
			if f.Dir != i18n.Dir(l) {
				t.Errorf("_dir %q, Dir(%q) %q", f.Dir, l, i18n.Dir(l))
			}
			for _, k := range slices.Sorted(maps.Keys(de.Messages)) {
				msg, ok := f.Messages[k]
				if !ok {
					t.Errorf("%s: missing", k)
					continue
				}
				want, got := placeholders(de.Messages[k]), placeholders(msg)
				if !maps.Equal(got, want) {
					t.Errorf("%s: placeholders %v, want %v as in de.json: %q",
						k, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)), msg)
				}
				if got, want := strings.Count(msg, "\n"), strings.Count(de.Messages[k], "\n"); got != want {
					t.Errorf("%s: %d line breaks, want %d as in de.json: %q", k, got, want, msg)
				}
				if strings.TrimSpace(msg) != msg {
					t.Errorf("%s: leading or trailing space: %q", k, msg)
				}
			}
			for k := range f.Messages {
				if _, ok := de.Messages[k]; !ok {
					t.Errorf("%s: not in de.json", k)
				}
			}
		})
	}
}

// The translations use their own language's quotation marks, not the
// German „…“, and the two Arabic-script catalogs their own letters: Persian
// keheh and yeh, not Arabic kaf and yeh, and the other way round.
func TestTypography(t *testing.T) {
	files := readCatalogs(t)
	foreign := map[string]string{
		"fa": "\u0643\u064a", // Arabic kaf, Arabic yeh
		"ar": "\u06a9\u06cc", // Persian keheh, Persian yeh
	}
	script := map[string]*unicode.RangeTable{
		"ar": unicode.Arabic, "fa": unicode.Arabic,
		"uk": unicode.Cyrillic, "ru": unicode.Cyrillic,
	}
	for l, f := range files {
		if l == "de" {
			continue
		}
		t.Run(l, func(t *testing.T) {
			for k, msg := range f.Messages {
				if strings.ContainsAny(msg, "„") {
					t.Errorf("%s: German quotation mark in %q", k, msg)
				}
				if chars, ok := foreign[l]; ok && strings.ContainsAny(msg, chars) {
					t.Errorf("%s: letters of the other Arabic-script language in %q", k, msg)
				}
				if table, ok := script[l]; ok && !strings.ContainsFunc(msg, func(r rune) bool { return unicode.Is(table, r) }) {
					t.Errorf("%s: no letter of the language's script in %q", k, msg)
				}
			}
		})
	}
}

func TestIsolateAndFormatTime(t *testing.T) {
	at := time.Date(2026, 3, 29, 7, 30, 0, 0, time.UTC) // 09:30 CEST
	tests := []struct {
		locale string
		want   string
	}{
		{"de", "29.03.2026, 09:30 Uhr"},
		{"en", "29 March 2026, 09:30 (CEST)"},
		{"uk", "29.03.2026, 09:30"},
		{"tr", "29.03.2026, 09:30"},
		{"ar", "\u206829.03.2026, 09:30\u2069"},
		{"fa", "\u206829.03.2026, 09:30\u2069"},
	}
	for _, tt := range tests {
		t.Run(tt.locale, func(t *testing.T) {
			if got := i18n.FormatTime(tt.locale, at); got != tt.want {
				t.Errorf("FormatTime = %q, want %q", got, tt.want)
			}
		})
	}
	if got := i18n.Isolate("ar", "03695 615803"); got != "\u206803695 615803\u2069" {
		t.Errorf("Isolate(ar) = %q", got)
	}
	if got := i18n.Isolate("de", "03695 615803"); got != "03695 615803" {
		t.Errorf("Isolate(de) = %q, want it unchanged", got)
	}
}

// An event in another zone is shown in that zone, named, so nobody reads
// it as Berlin time.
func TestFormatTimeIn(t *testing.T) {
	at := time.Date(2026, 3, 29, 7, 30, 0, 0, time.UTC) // 03:30 EDT
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		locale string
		zone   *time.Location
		want   string
	}{
		{"de", ny, "29.03.2026, 03:30 Uhr (EDT)"},
		{"en", ny, "29 March 2026, 03:30 (EDT)"},
		{"uk", ny, "29.03.2026, 03:30 (EDT)"},
		{"fa", ny, "\u206829.03.2026, 03:30 (EDT)\u2069"},
		{"de", i18n.Berlin, "29.03.2026, 09:30 Uhr"},
	}
	for _, tt := range tests {
		if got := i18n.FormatTimeIn(tt.locale, at, tt.zone); got != tt.want {
			t.Errorf("FormatTimeIn(%s, %s) = %q, want %q", tt.locale, tt.zone, got, tt.want)
		}
	}
}
