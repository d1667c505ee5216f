package httpapi_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequests: whatever arrives, the answer is never a 5xx (storage is up)
// and never a panic. `go test` runs the seeds; `go test -fuzz FuzzRequests`
// searches further.
func FuzzRequests(f *testing.F) {
	seeds := []struct{ method, path, contentType, body string }{
		{"POST", "/partners", "application/json", `{"organisation":"A","organisationType":"welfare","contactName":"B","email":"a@example.org","workingGroups":["work"],"consent":true}`},
		{"POST", "/partners", "application/json", `{"workingGroups":[null,1,{"a":2}],"consent":null}`},
		{"POST", "/partners", "application/json", `{"email":"\u0000@\u202e.org","organisation":"\ud800"}`},
		{"POST", "/partners", "application/x-www-form-urlencoded", "organisation=%ZZ&consent=on"},
		{"POST", "/partners", "application/x-www-form-urlencoded", "workingGroups=language&workingGroups=&consent=true&email=a%40b%0d%0a.org"},
		{"POST", "/partners", "application/json; charset=\"", `{}`},
		{"POST", "/partners/confirm", "application/x-www-form-urlencoded", "token=%00%ff"},
		{"GET", "/partners/confirm?token=%ff%fe&locale=%00", "", ""},
		{"GET", "/options?locale=ar", "", ""},
		{"GET", "/thanks/partner-confirmed?locale=xx-YY", "", ""},
		{"PATCH", "/partners", "application/json", `{}`},
		{"GET", "//partners//confirm", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.contentType, []byte(s.body))
	}
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, method, path, contentType string, body []byte) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := http.NewRequest(method, "http://netzwerk.test"+path, bytes.NewReader(body))
		if err != nil {
			return // not a request any client could send
		}
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Accept-Language", contentType)
		rec := httptest.NewRecorder()
		fx.handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Errorf("%s %s (%s): status %d, body %.300s", method, path, contentType, rec.Code, rec.Body.Bytes())
		}
	})
}
