package apigw_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wartburgkreis/netzwerk/shared/apigw"
)

// seen is what the echo handler saw of a request.
type seen struct {
	Method        string              `json:"method"`
	Path          string              `json:"path"`
	RawQuery      string              `json:"rawQuery"`
	Query         url.Values          `json:"query"`
	Body          string              `json:"body"`
	Form          url.Values          `json:"form,omitempty"`
	ContentType   string              `json:"contentType"`
	ContentLength int64               `json:"contentLength"`
	Language      string              `json:"language"`
	RequestID     string              `json:"requestId"`
	Host          string              `json:"host"`
	RemoteAddr    string              `json:"remoteAddr"`
	Cookies       map[string]string   `json:"cookies,omitempty"`
	Header        map[string][]string `json:"header"`
}

// echo answers with what it saw, as JSON.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s := seen{
		Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Query: r.URL.Query(), Body: string(b),
		ContentType: r.Header.Get("Content-Type"), ContentLength: r.ContentLength,
		Language: r.Header.Get("Accept-Language"), RequestID: r.Header.Get(apigw.RequestIDHeader),
		Host: r.Host, RemoteAddr: r.RemoteAddr, Header: r.Header,
	}
	if s.ContentType == "application/x-www-form-urlencoded" {
		s.Form, err = url.ParseQuery(s.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	for _, c := range r.Cookies() {
		if s.Cookies == nil {
			s.Cookies = map[string]string{}
		}
		s.Cookies[c.Name] = c.Value
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s)
})

func fixture(t *testing.T, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var e events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return e
}

// through runs e through apigw.Handler around echo.
func through(t *testing.T, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, seen) {
	t.Helper()
	res, err := apigw.Handler(echo)(context.Background(), e)
	if err != nil {
		t.Fatalf("Handler: %v", err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status: got %d (%s), want 200", res.StatusCode, res.Body)
	}
	if res.IsBase64Encoded {
		t.Fatalf("IsBase64Encoded: got true for a JSON answer, want false")
	}
	var s seen
	if err := json.Unmarshal([]byte(res.Body), &s); err != nil {
		t.Fatalf("echo body %q: %v", res.Body, err)
	}
	return res, s
}

func TestHandlerFixtures(t *testing.T) {
	jsonBody := `{"organisation":"Verein für Integration","email":"verein@example.org","workingGroups":["language"],"consent":true}`
	formBody := "organisation=Verein+f%C3%BCr+Integration&email=verein%40example.org&workingGroups=language&workingGroups=work&consent=true"

	tests := []struct {
		fixture string
		want    seen
	}{
		{"post-json.json", seen{
			Method: "POST", Path: "/partners", Query: url.Values{}, Body: jsonBody,
			ContentType: "application/json", ContentLength: int64(len(jsonBody)), Language: "en-GB,en;q=0.9,de;q=0.5",
			RequestID: "Xyz1AbcDEF0EJmA=", Host: "abc123.execute-api.eu-central-1.amazonaws.com", RemoteAddr: "192.0.2.10",
		}},
		{"post-form-base64.json", seen{
			Method: "POST", Path: "/partners", Query: url.Values{}, Body: formBody,
			Form: url.Values{
				"organisation":  {"Verein für Integration"},
				"email":         {"verein@example.org"},
				"workingGroups": {"language", "work"},
				"consent":       {"true"},
			},
			ContentType: "application/x-www-form-urlencoded", ContentLength: int64(len(formBody)), Language: "de-DE,de;q=0.9",
			RequestID: "Form1AbcDEF0EJmA=", Host: "netzwerk.example.org", RemoteAddr: "198.51.100.7",
		}},
		{"get-query-cookies.json", seen{
			Method: "GET", Path: "/partners/confirm", RawQuery: "token=AbC-_x%2By&locale=en&locale=de",
			Query:     url.Values{"token": {"AbC-_x+y"}, "locale": {"en", "de"}},
			Cookies:   map[string]string{"session": "s%C3%BCss", "theme": "dark"},
			RequestID: "Get1AbcDEF0EJmA=", Host: "netzwerk.example.org", RemoteAddr: "203.0.113.5",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			res, got := through(t, fixture(t, tt.fixture))
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(seen{}, "Header"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("request as the handler saw it (-want +got):\n%s", diff)
			}
			if got, want := res.Headers["Content-Type"], "application/json"; got != want {
				t.Errorf("response Content-Type: got %q, want %q", got, want)
			}
		})
	}
}

// Every header of the event reaches the handler, canonicalised.
func TestHandlerHeaders(t *testing.T) {
	e := fixture(t, "post-form-base64.json")
	_, got := through(t, e)
	for k, v := range e.Headers {
		if diff := cmp.Diff([]string{v}, got.Header[http.CanonicalHeaderKey(k)]); diff != "" {
			t.Errorf("header %s (-want +got):\n%s", k, diff)
		}
	}
	if got := got.Header["Origin"]; len(got) != 1 || got[0] != "https://www.example.org" {
		t.Errorf("Origin: got %q, want %q", got, "https://www.example.org")
	}
}

// A client cannot choose the request id the logs use.
func TestHandlerRequestIDNotSpoofable(t *testing.T) {
	e := fixture(t, "post-json.json")
	e.Headers["x-request-id"] = "chosen-by-the-client"
	_, got := through(t, e)
	if got.RequestID != "Xyz1AbcDEF0EJmA=" {
		t.Errorf("X-Request-Id: got %q, want %q", got.RequestID, "Xyz1AbcDEF0EJmA=")
	}
}

func TestHandlerPathFallback(t *testing.T) {
	e := fixture(t, "get-query-cookies.json")
	e.RawPath = ""
	_, got := through(t, e)
	if got.Path != "/partners/confirm" {
		t.Errorf("path from requestContext: got %q, want %q", got.Path, "/partners/confirm")
	}
}

func TestHandlerBadBase64(t *testing.T) {
	e := fixture(t, "post-form-base64.json")
	e.Body = "not base64!"
	called := false
	res, err := apigw.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))(context.Background(), e)
	if err != nil {
		t.Fatalf("Handler: %v", err)
	}
	if res.StatusCode != http.StatusBadRequest || called {
		t.Errorf("got status %d, handler called %v, want 400 without calling it", res.StatusCode, called)
	}
	if got, want := res.Headers["Content-Type"], "application/problem+json"; got != want {
		t.Errorf("Content-Type: got %q, want %q", got, want)
	}
	var p map[string]any
	if err := json.Unmarshal([]byte(res.Body), &p); err != nil || p["status"] != float64(400) {
		t.Errorf("body: got %q (%v), want a problem document with status 400", res.Body, err)
	}
}

func TestResponse(t *testing.T) {
	binary := []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0xff, 0x00}
	tests := []struct {
		name   string
		status int
		header http.Header
		body   []byte
		want   events.APIGatewayV2HTTPResponse
	}{
		{
			name: "text body stays text", status: 200,
			header: http.Header{"Content-Type": {"text/html; charset=utf-8"}},
			body:   []byte("<p>Vielen Dank, Grüße – спасибо</p>"),
			want: events.APIGatewayV2HTTPResponse{
				StatusCode: 200, Headers: map[string]string{"Content-Type": "text/html; charset=utf-8"},
				Body: "<p>Vielen Dank, Grüße – спасибо</p>",
			},
		},
		{
			name: "binary body as base64", status: 200,
			header: http.Header{"Content-Type": {"image/png"}},
			body:   binary,
			want: events.APIGatewayV2HTTPResponse{
				StatusCode: 200, Headers: map[string]string{"Content-Type": "image/png"},
				Body: base64.StdEncoding.EncodeToString(binary), IsBase64Encoded: true,
			},
		},
		{
			name: "empty body", status: 204, header: http.Header{},
			want: events.APIGatewayV2HTTPResponse{StatusCode: 204, Headers: map[string]string{}},
		},
		{
			name: "redirect", status: 303,
			header: http.Header{"Location": {"/thanks/partner-application"}},
			want: events.APIGatewayV2HTTPResponse{
				StatusCode: 303, Headers: map[string]string{"Location": "/thanks/partner-application"},
			},
		},
		{
			name: "cookies into Cookies", status: 200,
			header: http.Header{
				"Set-Cookie":   {"a=1; Path=/; HttpOnly", "b=2; Path=/; Secure"},
				"Content-Type": {"text/plain"},
			},
			body: []byte("ok"),
			want: events.APIGatewayV2HTTPResponse{
				StatusCode: 200, Headers: map[string]string{"Content-Type": "text/plain"},
				Cookies: []string{"a=1; Path=/; HttpOnly", "b=2; Path=/; Secure"}, Body: "ok",
			},
		},
		{
			name: "repeated header joined", status: 200,
			header: http.Header{"Vary": {"Accept", "Accept-Language"}, "Cache-Control": {"no-store"}},
			want: events.APIGatewayV2HTTPResponse{
				StatusCode: 200, Headers: map[string]string{"Vary": "Accept, Accept-Language", "Cache-Control": "no-store"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := apigw.Response(tt.status, tt.header, tt.body)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Response (-want +got):\n%s", diff)
			}
			if got.IsBase64Encoded {
				b, err := base64.StdEncoding.DecodeString(got.Body)
				if err != nil || string(b) != string(tt.body) {
					t.Errorf("decoded body: got %q, %v, want %q", b, err, tt.body)
				}
			}
		})
	}
}

// A handler's cookies and binary answers arrive as API Gateway needs them.
func TestHandlerResponse(t *testing.T) {
	png := []byte{0x89, 'P', 'N', 'G', 0xff, 0xfe}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "seen", Value: "1", Path: "/", HttpOnly: true})
		http.SetCookie(w, &http.Cookie{Name: "lang", Value: "de", Path: "/"})
		w.Header().Set("Content-Type", "image/png")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(png)
	})
	res, err := apigw.Handler(h)(context.Background(), fixture(t, "get-query-cookies.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := events.APIGatewayV2HTTPResponse{
		StatusCode:      http.StatusCreated,
		Headers:         map[string]string{"Content-Type": "image/png"},
		Cookies:         []string{"seen=1; Path=/; HttpOnly", "lang=de; Path=/"},
		Body:            base64.StdEncoding.EncodeToString(png),
		IsBase64Encoded: true,
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("response (-want +got):\n%s", diff)
	}
}
