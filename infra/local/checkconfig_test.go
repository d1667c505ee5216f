package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckConfig(t *testing.T) {
	good := filepath.Join("..", "config", "wartburgkreis.json")
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(t.TempDir(), "broken.json")
	// Three problems in one file: a misspelt key, a retention out of range
	// and an inbox with a display name.
	s := strings.Replace(string(b), `"mailRetryHours"`, `"mailRetryHour"`, 1)
	s = strings.Replace(s, `"auditDays": 730`, `"auditDays": 0`, 1)
	s = strings.Replace(s, `"inbox": "ag-sprache@example.org"`, `"inbox": "AG Sprache <ag-sprache@example.org>"`, 1)
	if err := os.WriteFile(broken, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		files   []string
		want    []string // output lines
		wantErr string
	}{
		{"good", []string{good}, []string{good + ": ok"}, ""},
		{"broken beside good", []string{good, broken}, []string{
			good + ": ok",
			broken + ": mailRetryHour: unknown key",
			broken + ": mailRetryHours: must be positive, got 0",
			broken + ": retention.auditDays: must be positive, got 0",
			broken + `: workingGroups[language].inbox: "AG Sprache <ag-sprache@example.org>"`,
		}, "1 of 2 configurations have problems"},
		{"missing file", []string{filepath.Join(t.TempDir(), "none.json")}, nil, "no such file"},
		{"no file", nil, nil, "usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := checkConfig(tt.files, &out)
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("checkConfig: %v, want %q", err, tt.wantErr)
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if len(tt.want) == 0 {
				if out.Len() > 0 {
					t.Errorf("output %q, want none", out.String())
				}
				return
			}
			if len(lines) != len(tt.want) {
				t.Fatalf("output:\n%s\nwant %d lines starting %q", out.String(), len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("line %d: %q, want it to start %q", i, lines[i], w)
				}
			}
		})
	}
}
