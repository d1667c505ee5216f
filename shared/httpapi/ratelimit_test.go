package httpapi_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/httpapi"
	"github.com/wartburgkreis/netzwerk/shared/partner"
)

// TestRateLimit: with a limit of 10, a client's 11th public POST in a
// minute gets 429 with Retry-After (as a problem or a page), other clients
// and reads go on, and the next minute starts afresh.
func TestRateLimit(t *testing.T) {
	f := newFixture(t)
	api := &httpapi.API{
		Config:    f.config,
		Partners:  &partner.Service{Store: f.store, Config: f.config, Keys: f.keys, Now: f.clock.Now},
		Contact:   &contact.Service{Store: f.store, Config: f.config, Keys: f.keys, Now: f.clock.Now},
		RateLimit: httpapi.NewRateLimit(f.store, f.keys, 10),
		Log:       slog.New(slog.DiscardHandler),
		Now:       f.clock.Now,
	}
	h := api.Handler()
	f.clock.Set(f.clock.Now().Truncate(time.Minute).Add(20 * time.Second))
	post := func(from, contentType, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/contact", strings.NewReader(body))
		req.RemoteAddr = from
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	bad := `{"name":"x"}` // refused with 422: it still counts
	for i := range 10 {
		if rec := post("192.0.2.1:4000", "application/json", bad); rec.Code != http.StatusUnprocessableEntity {
			t.Fatalf("request %d: %d", i+1, rec.Code)
		}
	}
	rec := post("192.0.2.1:4001", "application/json", bad)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "40" ||
		!strings.Contains(rec.Body.String(), `"code":"rate_limited"`) {
		t.Errorf("11th: %d, Retry-After %q, %s; want 429 after 40 s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	if rec := post("192.0.2.1:4002", "application/x-www-form-urlencoded", "name=x"); rec.Code != http.StatusTooManyRequests ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Errorf("12th as a form: %d %s, want 429 as a page", rec.Code, rec.Header().Get("Content-Type"))
	}
	if rec := post("198.51.100.7:4000", "application/json", bad); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("another client: %d, want it served", rec.Code)
	}
	req := httptest.NewRequest("GET", "/options", nil)
	req.RemoteAddr = "192.0.2.1:4003"
	read := httptest.NewRecorder()
	h.ServeHTTP(read, req)
	if read.Code != http.StatusOK {
		t.Errorf("a read: %d, want it served", read.Code)
	}
	f.clock.Advance(40 * time.Second)
	if rec := post("192.0.2.1:4004", "application/json", bad); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("the next minute: %d, want it served", rec.Code)
	}
	// The table holds no client address, only its keyed hash.
	for k := range f.db.Snapshot(t) {
		if strings.Contains(k, "192.0.2.1") {
			t.Errorf("an address in the key %s", k)
		}
	}
}
