package httpapi

import (
	"io/fs"
	"testing"
)

// The pages are parsed on first use, not at init (issue 11): a template
// that does not parse must fail here, not on a visitor's first request.
func TestTemplatesParse(t *testing.T) {
	names, err := fs.Glob(pageFiles, "pages/*.html")
	if err != nil || len(names) == 0 {
		t.Fatalf("pages/*.html: got %d files, err %v", len(names), err)
	}
	p := pages()
	for _, name := range names {
		if base := name[len("pages/"):]; p.Lookup(base) == nil {
			t.Errorf("pages: no template %s", base)
		}
	}
	if consolePage() == nil {
		t.Error("console page: not parsed")
	}
}
