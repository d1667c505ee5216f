package i18n_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/validate"
)

func TestNegotiate(t *testing.T) {
	tests := []struct {
		name           string
		explicit       string
		acceptLanguage string
		want           string
	}{
		{"nothing", "", "", "de"},
		{"explicit en", "en", "", "en"},
		{"explicit de", "de", "en", "de"},
		{"explicit wins over header", "en", "de-DE,de;q=0.9", "en"},
		{"explicit region tag", "en-GB", "de", "en"},
		{"explicit underscore tag", "en_US", "de", "en"},
		{"explicit upper case", "EN", "", "en"},
		{"explicit padded", " en ", "", "en"},
		{"explicit unsupported falls to header", "fr", "en", "en"},
		{"explicit unsupported, no header", "fr", "", "de"},
		{"explicit garbage falls to header", "../../etc", "en", "en"},
		{"header en", "", "en", "en"},
		{"header region tag", "", "en-GB", "en"},
		{"header upper-case region", "", "EN-gb,fr;q=0.8", "en"},
		{"header q-values", "", "de;q=0.5, en;q=0.9", "en"},
		{"header q-values, no spaces", "", "de;q=0.5,en;q=0.9", "en"},
		{"header browser style", "", "en-US,en;q=0.9,de-DE;q=0.8,de;q=0.7", "en"},
		{"header german browser", "", "de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7", "de"},
		{"header default q is 1", "", "en;q=0.9, de", "de"},
		{"header first unsupported", "", "fr-FR,fr;q=0.9,en;q=0.5", "en"},
		{"header tie keeps the first", "", "en;q=0.5, de;q=0.5", "en"},
		{"header q=0 means not acceptable", "", "en;q=0", "de"},
		{"header only unsupported", "", "fr, it;q=0.8, pl", "de"},
		{"header wildcard", "", "*", "de"},
		{"header garbage", "", ";;;,,,q=", "de"},
		{"header bad q skipped", "", "en;q=abc", "de"},
		{"header bad q skipped, next used", "", "en;q=abc, de;q=0.1", "de"},
		{"header binary junk", "", "\x00\xff;q=\x01", "de"},
		{"header very long", "", strings.Repeat("xx-YY;q=0.1,", 1000) + "en;q=0.2", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := i18n.Negotiate(tt.explicit, tt.acceptLanguage); got != tt.want {
				t.Errorf("Negotiate(%q, %q): got %q, want %q", tt.explicit, tt.acceptLanguage, got, tt.want)
			}
		})
	}
}

func TestT(t *testing.T) {
	tests := []struct {
		name   string
		locale string
		key    string
		args   []string
		want   string
	}{
		{"german", "de", "field.email", nil, "E-Mail-Adresse"},
		{"english", "en", "field.email", nil, "Email address"},
		{"unsupported locale falls back to German", "fr", "field.email", nil, "E-Mail-Adresse"},
		{"empty locale falls back to German", "", "field.email", nil, "E-Mail-Adresse"},
		{"missing key shows the key", "en", "no.such.key", nil, "no.such.key"},
		{"missing key in German shows the key", "de", "no.such.key", nil, "no.such.key"},
		{"one argument", "de", "mail.partner.review.subject", []string{"Beispielverein e. V."}, "Neuer Partnerantrag: Beispielverein e. V."},
		{"two arguments", "en", "page.contact", []string{"03695 615803", "integration@example.org"},
			"Questions? Call us on 03695 615803 or write to integration@example.org."},
		{"two arguments German", "de", "page.contact", []string{"03695 615803", "integration@example.org"},
			"Fragen? Rufen Sie uns an unter 03695 615803 oder schreiben Sie an integration@example.org."},
		{"missing argument left visible", "de", "mail.partner.review.subject", nil, "Neuer Partnerantrag: {0}"},
		{"extra arguments ignored", "de", "mail.partner.review.subject", []string{"A", "B"}, "Neuer Partnerantrag: A"},
		{"arguments in a missing key ignored", "de", "no.such.key", []string{"A"}, "no.such.key"},
		// Arguments are what people typed: a placeholder inside one is text,
		// not a place to fill in.
		{"placeholder in an argument stays literal", "de", "page.contact", []string{"{1}", "x@example.org"},
			"Fragen? Rufen Sie uns an unter {1} oder schreiben Sie an x@example.org."},
		{"organisation named like a placeholder", "de", "page.partner.confirm.text", []string{"Verein {1}", "Netzwerk X"},
			"Bitte bestätigen Sie den Antrag von „Verein {1}“ auf Aufnahme in das Netzwerk X. Erst danach erhalten die Koordinatorinnen und Koordinatoren Ihren Antrag."},
		{"own placeholder in an argument stays literal", "de", "mail.partner.review.subject", []string{"Verein {0}"},
			"Neuer Partnerantrag: Verein {0}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := i18n.T(tt.locale, tt.key, tt.args...); got != tt.want {
				t.Errorf("T(%q, %q, %q): got %q, want %q", tt.locale, tt.key, tt.args, got, tt.want)
			}
		})
	}
}

func TestDir(t *testing.T) {
	tests := []struct {
		locale string
		want   string
	}{
		{"de", "ltr"},
		{"en", "ltr"},
		{"xx", "ltr"},
		{"", "ltr"},
	}
	for _, tt := range tests {
		t.Run(tt.locale, func(t *testing.T) {
			if got := i18n.Dir(tt.locale); got != tt.want {
				t.Errorf("Dir(%q): got %q, want %q", tt.locale, got, tt.want)
			}
		})
	}
}

// localeFile is a locale file as written, so the test sees what the package
// might silently ignore.
type localeFile struct {
	Name     string            `json:"_name"`
	Dir      string            `json:"_dir"`
	Messages map[string]string `json:"messages"`
}

func readLocales(t *testing.T) map[string]localeFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("locales", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("locale files: %v, %d found", err, len(paths))
	}
	out := map[string]localeFile{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var f localeFile
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out[strings.TrimSuffix(filepath.Base(p), ".json")] = f
	}
	return out
}

func TestLocales(t *testing.T) {
	files := readLocales(t)
	var want []string
	for l := range files {
		want = append(want, l)
	}
	slices.Sort(want)
	got := i18n.Locales()
	if len(got) == 0 || got[0] != i18n.Default {
		t.Fatalf("Locales(): got %q, want %q first", got, i18n.Default)
	}
	if diff := cmp.Diff(want, slices.Sorted(slices.Values(got))); diff != "" {
		t.Errorf("Locales() against locales/*.json (-want +got):\n%s", diff)
	}
	for _, l := range got {
		if !i18n.Supported(l) {
			t.Errorf("Supported(%q): got false, want true", l)
		}
		// Catalogs are decoded on first use: this decodes each one, so a
		// broken file fails here rather than on a page.
		if i18n.Name(l) == "" {
			t.Errorf("Name(%q): got empty, want the language's own name", l)
		}
	}
	for _, l := range []string{"", "xx", "de-DE", "EN"} {
		if i18n.Supported(l) {
			t.Errorf("Supported(%q): got true, want false", l)
		}
	}
	if got, want := i18n.Name("de"), "Deutsch"; got != want {
		t.Errorf("Name(de): got %q, want %q", got, want)
	}
	if got, want := i18n.Name("en"), "English"; got != want {
		t.Errorf("Name(en): got %q, want %q", got, want)
	}
}

var placeholder = regexp.MustCompile(`\{[0-9]+\}`)

// Every language carries exactly the texts German has, with the same
// placeholders, so no reader ever sees a key or a German sentence by accident.
func TestEveryLocaleHasEveryKey(t *testing.T) {
	files := readLocales(t)
	de, ok := files[i18n.Default]
	if !ok {
		t.Fatalf("no %s.json", i18n.Default)
	}
	wantKeys := i18n.Keys(i18n.Default)
	if len(wantKeys) == 0 {
		t.Fatal("Keys(de): empty")
	}
	for l, f := range files {
		t.Run(l, func(t *testing.T) {
			if f.Name == "" {
				t.Errorf("_name: got empty, want the language's own name")
			}
			if f.Dir != "ltr" && f.Dir != "rtl" {
				t.Errorf("_dir: got %q, want ltr or rtl", f.Dir)
			}
			if got := i18n.Dir(l); got != f.Dir {
				t.Errorf("Dir(%q): got %q, want %q", l, got, f.Dir)
			}
			if diff := cmp.Diff(wantKeys, i18n.Keys(l)); diff != "" {
				t.Errorf("keys against de.json (-de +%s):\n%s", l, diff)
			}
			for k, msg := range f.Messages {
				if strings.TrimSpace(msg) == "" {
					t.Errorf("%s: empty text", k)
				}
				want := slices.Sorted(slices.Values(placeholder.FindAllString(de.Messages[k], -1)))
				got := slices.Sorted(slices.Values(placeholder.FindAllString(msg, -1)))
				if !slices.Equal(got, want) {
					t.Errorf("%s placeholders: got %v, want %v as in de.json", k, got, want)
				}
			}
		})
	}
}

// validateCodes reads the string constants of package validate from its
// source, so a code added there without a text fails here.
func validateCodes(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", "validate", "validate.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			for _, v := range s.(*ast.ValueSpec).Values {
				if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					code, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, code)
				}
			}
		}
	}
	return out
}

func TestEveryErrorCodeHasAText(t *testing.T) {
	codes := []string{
		validate.Required, validate.TooLong, validate.Invalid, validate.ControlChars,
		validate.UnknownValue, validate.MustAccept, validate.EmailASCII,
		"wrong_type", // package httpapi, for JSON values of the wrong type
	}
	parsed := validateCodes(t)
	if len(parsed) < 7 {
		t.Fatalf("constants in validate.go: got %q, want at least the 7 known codes", parsed)
	}
	for _, c := range parsed {
		if !slices.Contains(codes, c) {
			codes = append(codes, c)
		}
	}
	for _, l := range i18n.Locales() {
		for _, c := range codes {
			t.Run(l+"/"+c, func(t *testing.T) {
				if !i18n.Has(l, "error."+c) {
					t.Errorf("Has(%q, %q): got false, want true", l, "error."+c)
				}
			})
		}
	}
}
