package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// TestAdminTokens: without --jwt-secret the server makes its own and a
// token that works at once; with one, `local token` makes tokens for it, and
// tokens of another secret are refused.
func TestAdminTokens(t *testing.T) {
	t.Run("printed at start", func(t *testing.T) {
		l := startLocal(t, nil)
		if l.DemoToken == "" {
			t.Fatal("no token made")
		}
		resp, body := l.request(t, "GET", "/admin/me", "", "", "Authorization", "Bearer "+l.DemoToken)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, demoCoordinator) {
			t.Errorf("status %d, body %s; want 200 naming %s", resp.StatusCode, body, demoCoordinator)
		}
	})

	t.Run("made by the token command", func(t *testing.T) {
		const secret = "a-local-secret-for-this-test-0123"
		l := startLocal(t, func(o *options) { o.jwtSecret = secret })
		if l.DemoToken != "" {
			t.Error("a token was made although --jwt-secret was given")
		}
		var out, errOut bytes.Buffer
		if err := printToken([]string{"--jwt-secret", secret, "--email", "k2@example.org"}, &out, &errOut); err != nil {
			t.Fatalf("token: %v (%s)", err, errOut.String())
		}
		token := strings.TrimSpace(out.String())
		resp, body := l.request(t, "GET", "/admin/me", "", "", "Authorization", "Bearer "+token)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "k2@example.org") {
			t.Errorf("status %d, body %s; want 200 naming k2@example.org", resp.StatusCode, body)
		}
		out.Reset()
		if err := printToken([]string{"--jwt-secret", "another-secret", "--email", "k2@example.org"}, &out, &errOut); err != nil {
			t.Fatal(err)
		}
		if resp, _ := l.request(t, "GET", "/admin/me", "", "", "Authorization", "Bearer "+strings.TrimSpace(out.String())); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("token of another secret: status %d, want 401", resp.StatusCode)
		}
	})

	t.Run("token command usage", func(t *testing.T) {
		for _, args := range [][]string{nil, {"--jwt-secret", "s"}, {"--email", "e@example.org"}, {"--jwt-secret", "s", "--email", "e@example.org", "stray"}} {
			if err := printToken(args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
				t.Errorf("%v: no error", args)
			}
		}
	})
}
