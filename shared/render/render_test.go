package render

import (
	htmltemplate "html/template"
	"strings"
	"testing"
)

// The templates these writers replace, one per way a dynamic string is
// written. Tests only: the point of this package is that no binary links
// html/template.
var reference = htmltemplate.Must(htmltemplate.New("").Parse(
	`{{define "text"}}<p>{{.}}</p>{{end}}` +
		`{{define "attr"}}<th align="{{.}}">{{end}}` +
		`{{define "url"}}<a href="{{.}}">{{end}}` +
		`{{define "mailto"}}<a href="mailto:{{.}}">{{end}}` +
		`{{define "query"}}<a href="/x?lang={{.}}">{{end}}` +
		`{{define "fragment"}}<a href="#{{.}}">{{end}}`))

var writers = map[string]func(*HTML, string){
	"text":     func(h *HTML, s string) { h.Raw("<p>"); h.Text(s); h.Raw("</p>") },
	"attr":     func(h *HTML, s string) { h.Raw(`<th align="`); h.Text(s); h.Raw(`">`) },
	"url":      func(h *HTML, s string) { h.Raw(`<a href="`); h.URL(s); h.Raw(`">`) },
	"mailto":   func(h *HTML, s string) { h.Raw(`<a href="mailto:`); h.URLPart(s); h.Raw(`">`) },
	"query":    func(h *HTML, s string) { h.Raw(`<a href="/x?lang=`); h.URLQuery(s); h.Raw(`">`) },
	"fragment": func(h *HTML, s string) { h.Raw(`<a href="#`); h.URLQuery(s); h.Raw(`">`) },
}

var hostile = []string{
	"",
	"plain",
	`<script>alert("x")</script>`,
	`O'Brien & Söhne "GmbH" + Co`,
	"\u202eevil\u202c مؤسسة الأمل",
	"line\r\nbreak\n",
	"nul\x00 invalid\xff\xfe utf-8",
	"javascript:alert(1)",
	" JavaScript:alert(1)",
	"JAVASCRIPT:alert(1)",
	"data:text/html,<script>alert(1)</script>",
	"vbscript:x",
	"tel:+49123",
	"HTTPS://Example.org/%41raum/ü?a=1&b='2' (x)",
	"mailto:x@example.org?subject=<x>",
	"/relative/path:with colon",
	"?q=a b#frag",
	"%zz%41%4", "%",
	`"onmouseover=alert(1)`,
	"x' onload='y",
	"\u00a0\u2028\ufeff",
}

// What the writers write is what html/template wrote for the same string,
// byte for byte, in every context the mails and pages use.
func TestSameAsHTMLTemplate(t *testing.T) {
	for name, write := range writers {
		for _, s := range hostile {
			t.Run(name+"/"+s, func(t *testing.T) { compare(t, name, write, s) })
		}
	}
}

func compare(t *testing.T, name string, write func(*HTML, string), s string) {
	t.Helper()
	var want strings.Builder
	if err := reference.ExecuteTemplate(&want, name, s); err != nil {
		t.Fatal(err)
	}
	var h HTML
	write(&h, s)
	if got := h.String(); got != want.String() {
		t.Errorf("%s(%q): got %q, want html/template's %q", name, s, got, want.String())
	}
}

func FuzzSameAsHTMLTemplate(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, write := range writers {
			compare(t, name, write, s)
		}
	})
}

// Whatever a person typed, it cannot open a tag, end an attribute or start
// a script link.
func TestHostileNeverRaw(t *testing.T) {
	for _, s := range hostile {
		for name, write := range writers {
			var h HTML
			write(&h, s)
			got := h.String()
			inner := got[strings.IndexAny(got, `>"`)+1 : strings.LastIndexAny(got, `<"`)]
			if strings.ContainsAny(inner, `<>"'`+"\x00") {
				t.Errorf("%s(%q): got %q, want no raw markup characters inside", name, s, got)
			}
			if name == "url" && strings.Contains(strings.ToLower(inner), "script:") {
				t.Errorf("url(%q): got %q, want the scheme refused", s, got)
			}
		}
	}
}
