package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestCORS: only the allowed origins may read answers, and their
// preflights are answered without reaching the API.
func TestCORS(t *testing.T) {
	reached := 0
	h := cors(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached++; w.WriteHeader(http.StatusAccepted) }),
		[]string{"https://www.example.org"})
	tests := []struct {
		name, method, origin, preflight string
		status                          int
		allow                           string
		reaches                         bool
	}{
		{"same origin", "POST", "", "", http.StatusAccepted, "", true},
		{"an allowed origin", "POST", "https://www.example.org", "", http.StatusAccepted, "https://www.example.org", true},
		{"its preflight", "OPTIONS", "https://www.example.org", "POST", http.StatusNoContent, "https://www.example.org", false},
		{"another origin", "POST", "https://evil.example", "", http.StatusAccepted, "", true},
		{"another origin's preflight", "OPTIONS", "https://evil.example", "POST", http.StatusAccepted, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := reached
			r := httptest.NewRequest(tt.method, "/contact", nil)
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			if tt.preflight != "" {
				r.Header.Set("Access-Control-Request-Method", tt.preflight)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status || w.Header().Get("Access-Control-Allow-Origin") != tt.allow || (reached > before) != tt.reaches {
				t.Errorf("status %d, Allow-Origin %q, reached the API %v; want %d %q %v",
					w.Code, w.Header().Get("Access-Control-Allow-Origin"), reached > before, tt.status, tt.allow, tt.reaches)
			}
		})
	}
}
