package testenv

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

// TestMain stops the browser the tests shared once they are done.
func TestMain(m *testing.M) {
	defer CloseBrowser()
	m.Run()
}

// TestAxe: axe runs under a policy that allows no script at all, and tells
// a page with a broken rule from one without.
func TestAxe(t *testing.T) {
	pages := map[string]string{
		"/good": `<!doctype html><html lang="de"><head><title>Gut</title></head><body><main><h1>Gut</h1><img src="data:," alt="Logo"></main></body></html>`,
		"/bad":  `<!doctype html><html><head><title>Schlecht</title></head><body><main><h1>Schlecht</h1><img src="data:,"></main></body></html>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src data:")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(pages[r.URL.Path]))
	}))
	t.Cleanup(srv.Close)

	tests := []struct {
		path string
		want []string
	}{
		{"/good", nil},
		{"/bad", []string{"html-has-lang", "image-alt"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			tab := NewTab(t)
			if status := tab.Open(srv.URL + tt.path); status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			var got []string
			for _, v := range tab.Axe() {
				got = append(got, v.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("violations %v, want %v", got, tt.want)
			}
		})
	}
}
