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
		{"POST", "/partners", "application/json", `{"consent":false,"consent":true}`},
		{"POST", "/partners", "application/json", `{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":1}}}}}}}}}`},
		{"POST", "/partners", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"organisation\"\r\n\r\nA\r\n--b--\r\n"},
		{"POST", "/partners", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\nA\r\n--b--"},
		{"POST", "/contact", "application/json", `{"name":"\u202e","email":"a b@c.org","topic":"general","message":"\ufeff","consent":true}`},
		{"POST", "/events/06h13vqag3yk06evfk8g8sy7cw/registrations/", "application/json", `{}`},
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

// FuzzAdminRequests is FuzzRequests with a coordinator's token: every admin
// route, whatever the path, query and body, answers without a 5xx.
func FuzzAdminRequests(f *testing.F) {
	seeds := []struct{ method, path, contentType, body string }{
		{"GET", "/admin/partners?status=pending_review&network=eisenach&limit=2", "", ""},
		{"GET", "/admin/partners?cursor=%ff%00&limit=-1", "", ""},
		{"POST", "/admin/partners/06h13vqag3yk06evfk8g8sy7cw/approve", "application/json", `{"reason":"\u0000"}`},
		{"POST", "/admin/partners/x/reject", "application/x-www-form-urlencoded", "reason=%ZZ"},
		{"GET", "/admin/events/06h13vqag3yk06evfk8g8sy7cw/registrations?format=csv&status=x", "", ""},
		{"GET", "/admin/messages?topic=housing&status=done", "", ""},
		{"POST", "/admin/mail/06h13vqag3yk06evfk8g8sy7cw/retry", "", ""},
		{"DELETE", "/admin/suppressions/" + strings.Repeat("f", 64), "", ""},
		{"POST", "/admin/people/export", "application/json", `{"email":"a@example.org"}`},
		{"POST", "/admin/people/erase", "application/json", `{"email":["a@example.org"]}`},
		{"GET", "/admin/audit?limit=200", "", ""},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.contentType, []byte(s.body))
	}
	fx := newFixture(f)
	token := "Bearer " + fx.coordinatorToken(f)
	f.Fuzz(func(t *testing.T, method, path, contentType string, body []byte) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := http.NewRequest(method, "http://netzwerk.test"+path, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", token)
		rec := httptest.NewRecorder()
		fx.handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Errorf("%s %s (%s): status %d, body %.300s", method, path, contentType, rec.Code, rec.Body.Bytes())
		}
	})
}
