package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// TestDataFileKeepsData: a server restarted on the same data file has the
// applications, events, registrations and links of the one before: a
// confirm link mailed before the restart works after it.
func TestDataFileKeepsData(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data.json")
	mailDir := t.TempDir()
	first := startLocal(t, func(o *options) { o.dataFile, o.mailDir = data, mailDir })
	events, err := first.Events.Upcoming(context.Background())
	if err != nil || len(events) == 0 {
		t.Fatalf("demo events: %v %v", events, err)
	}
	small := events[0]
	for _, e := range events {
		if e.Capacity < small.Capacity {
			small = e
		}
	}
	if resp, body := first.request(t, "POST", "/partners", "application/json", `{"organisation":"Neustart e. V.","organisationType":"association",`+
		`"contactName":"Test","email":"neustart@example.org","workingGroups":["language"],"consent":true}`); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("apply: %d %s", resp.StatusCode, body)
	}
	if resp, body := first.request(t, "POST", "/events/"+small.ID+"/registrations", "application/json",
		`{"name":"Test","email":"neustart@example.org","consent":true}`); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("sign-up: %d %s", resp.StatusCode, body)
	}
	first.Wait()
	var confirm string
	for _, m := range first.mails(t) {
		if match := regexp.MustCompile(`confirm\?token=([A-Za-z0-9_.-]+)`).FindStringSubmatch(m.text); match != nil {
			confirm = match[1]
		}
	}
	if confirm == "" {
		t.Fatal("no confirm link mailed")
	}
	first.Close()

	second := startLocal(t, func(o *options) { o.dataFile, o.mailDir = data, t.TempDir() })
	if got, err := second.Events.Get(context.Background(), small.ID); err != nil || got.Confirmed != 1 {
		t.Errorf("the event after the restart: %+v, %v; want it with its one sign-up", got, err)
	}
	resp, body := second.request(t, "POST", "/partners/confirm", "application/x-www-form-urlencoded", url.Values{"token": {confirm}}.Encode())
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the confirm link from before the restart: %d %s", resp.StatusCode, body)
	}
	resp, body = second.request(t, "GET", "/admin/partners?status=pending_review", "", "", "Authorization", "Bearer "+second.DemoToken)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Neustart e. V.") {
		t.Errorf("the application after the restart: %d %s", resp.StatusCode, body)
	}
}

// TestShutdownKeepsAcknowledged: SIGTERM while sign-ups are in flight; every
// one that was answered 202 is in the data file the next start reads.
func TestShutdownKeepsAcknowledged(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data.json")
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr testenv.Output
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", addr, "--mail-dir", t.TempDir(), "--config", "../config/wartburgkreis.json",
			"--data-file", data, "--rate-limit", "0", "--sweep-every", "0"}, &stderr)
	}()
	waitServing(t, "http://"+addr, done, &stderr)

	const n = 40
	var mu sync.Mutex
	var acknowledged []string
	var wg sync.WaitGroup
	started := make(chan struct{}, n)
	for i := range n {
		wg.Go(func() {
			org := fmt.Sprintf("Abschaltverein %02d", i)
			started <- struct{}{}
			resp, err := http.Post("http://"+addr+"/partners", "application/json", strings.NewReader(
				`{"organisation":"`+org+`","organisationType":"association","contactName":"Test","email":"abschalt@example.org","workingGroups":["language"],"consent":true}`))
			if err != nil {
				return // refused once the server stopped listening
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusAccepted {
				mu.Lock()
				acknowledged = append(acknowledged, org)
				mu.Unlock()
			}
		})
	}
	for range n / 2 {
		<-started
	}
	cancel() // what SIGTERM does in main
	wg.Wait()
	if err := <-done; err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}

	l := startLocal(t, func(o *options) { o.dataFile = data })
	resp, body := l.request(t, "GET", "/admin/partners?limit=200", "", "", "Authorization", "Bearer "+l.DemoToken)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("list: %d %s", resp.StatusCode, body)
	}
	for _, org := range acknowledged {
		if !strings.Contains(body, org) {
			t.Errorf("%s was acknowledged but is not stored after the restart", org)
		}
	}
	t.Logf("%d of %d applications acknowledged before the stop; all kept", len(acknowledged), n)
}

// waitServing waits until the server answers /health, or fails if run ends.
func waitServing(t *testing.T, base string, done <-chan error, stderr *testenv.Output) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if resp, err := http.Get(base + "/health"); err == nil {
			resp.Body.Close()
			return
		}
		select {
		case err := <-done:
			t.Fatalf("run ended early: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("not serving after 20s:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
