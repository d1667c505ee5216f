package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// TestRunServesAndStopsCleanly runs the command as `make run` does and stops
// it the way SIGINT does: by cancelling its context.
func TestRunServesAndStopsCleanly(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	mailDir := filepath.Join(t.TempDir(), "mail")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr testenv.Output
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", addr, "--mail-dir", mailDir, "--config", "../config/wartburgkreis.json",
			"--data-file", filepath.Join(t.TempDir(), "data.json")}, &stderr)
	}()
	waitServing(t, "http://"+addr, done, &stderr)
	if _, err := os.Stat(mailDir); err != nil {
		t.Errorf("mail dir not created: %v", err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop within 15s of cancellation")
	}
	for _, want := range []string{"Netzwerk is ready at http://" + addr, "/openapi.json", "Authorization: Bearer "} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("no %q in:\n%s", want, stderr.String())
		}
	}
	if !strings.Contains(stderr.String(), "stopping") {
		t.Errorf("no stop message in:\n%s", stderr.String())
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr bool
	}{
		{nil, false},
		{[]string{"--addr", "127.0.0.1:9999", "--mail-dir", "x", "--ses-endpoint", "http://127.0.0.1:8005"}, false},
		{[]string{"--no-such-flag"}, true},
		{[]string{"stray"}, true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := parseFlags(tt.args, &bytes.Buffer{})
			if (err != nil) != tt.wantErr {
				t.Errorf("err %v, want error %v", err, tt.wantErr)
			}
		})
	}
}
