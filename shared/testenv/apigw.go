package testenv

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// APICase is one API Gateway HTTP API (v2) event fixture and what the
// function must answer to it.
type APICase struct {
	Fixture     string // file name under the test's testdata/
	Status      int
	ContentType string // prefix of the Content-Type header
	Contains    []string
	Headers     map[string]string // exact values
}

// InvokeAPI sends the fixture, with each old/new pair of replace applied
// (ids known only at run time), and checks the answer against c. It returns
// the answer for checks of the caller's own.
func (l *Lambda) InvokeAPI(t testing.TB, c APICase, replace ...string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	payload, err := os.ReadFile(filepath.Join("testdata", c.Fixture))
	if err != nil {
		t.Fatal(err)
	}
	payload = []byte(strings.NewReplacer(replace...).Replace(string(payload)))
	var resp events.APIGatewayV2HTTPResponse
	l.InvokeJSON(t, json.RawMessage(payload), &resp)
	if resp.StatusCode != c.Status {
		t.Fatalf("status %d, want %d; body %s\n%s", resp.StatusCode, c.Status, resp.Body, l.Output())
	}
	if ct := resp.Headers["Content-Type"]; !strings.HasPrefix(ct, c.ContentType) {
		t.Errorf("Content-Type %q, want %q", ct, c.ContentType)
	}
	for _, want := range c.Contains {
		if !strings.Contains(resp.Body, want) {
			t.Errorf("body lacks %q: %s", want, resp.Body)
		}
	}
	for k, want := range c.Headers {
		if got := resp.Headers[k]; got != want {
			t.Errorf("%s %q, want %q", k, got, want)
		}
	}
	return resp
}

// Case builds an APICase row, so fixture tables read as one line each.
func Case(fixture string, status int, contentType string, contains []string, headers map[string]string) APICase {
	return APICase{Fixture: fixture, Status: status, ContentType: contentType, Contains: contains, Headers: headers}
}
