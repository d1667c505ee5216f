package maildir

import (
	"bytes"
	"context"
	"errors"
	"mime"
	netmail "net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/mail"
)

var nameRE = regexp.MustCompile(`^\d{8}T\d{6}\.\d{9}Z-[0-9a-f]{16}\.eml$`)

func envelope(t *testing.T, subject string) mail.Envelope {
	t.Helper()
	m := mail.Message{
		From:    netmail.Address{Name: "Netzwerk", Address: "noreply@netzwerk.example.org"},
		To:      []netmail.Address{{Name: "Jürgen Müßig", Address: "j@bücherei.example"}},
		Subject: subject,
		Text:    "Guten Tag.",
		HTML:    "<p>Guten Tag.</p>",
		Attachments: []mail.Attachment{{
			Filename: "termin.ics", ContentType: "text/calendar; charset=UTF-8; method=PUBLISH",
			Data: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
		}},
	}
	e, err := m.Envelope(time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC), "id1@netzwerk.example.org")
	if err != nil {
		t.Fatalf("Envelope: %v", err)
	}
	return e
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("ReadDir: %v", err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestSendWritesReadableEML(t *testing.T) {
	tests := []struct {
		name string
		dir  func(root string) string
	}{
		{"existing directory", func(root string) string { return root }},
		{"missing nested directory is created", func(root string) string { return filepath.Join(root, "a", "b", "mail") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir(t.TempDir())
			e := envelope(t, "Größere Räume")
			if err := New(dir).Send(t.Context(), e); err != nil {
				t.Fatalf("Send: %v", err)
			}
			names := listDir(t, dir)
			if got, want := len(names), 1; got != want {
				t.Fatalf("files in dir: got %d (%v), want %d", got, names, want)
			}
			if !nameRE.MatchString(names[0]) {
				t.Errorf("file name: got %q, want it to match %s", names[0], nameRE)
			}
			path := filepath.Join(dir, names[0])
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("ReadFile: %v", err)
			}
			if !bytes.Equal(data, e.Data) {
				t.Errorf("file content differs from the rendered message:\ngot  %q\nwant %q", data, e.Data)
			}
			msg, err := netmail.ReadMessage(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("ReadMessage: %v", err)
			}
			subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
			if err != nil {
				t.Fatalf("DecodeHeader: %v", err)
			}
			if got, want := subject, "Größere Räume"; got != want {
				t.Errorf("Subject: got %q, want %q", got, want)
			}
			info, err := os.Stat(path)
			if err != nil {
				t.Fatalf("Stat: %v", err)
			}
			if got, want := info.Mode().Perm(), os.FileMode(0o600); got != want {
				t.Errorf("file mode: got %v, want %v", got, want)
			}
		})
	}
}

func TestSendNamesSortByTime(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	tests := []struct {
		name  string
		times []time.Time // in sending order
	}{
		{"seconds apart", []time.Time{
			time.Date(2025, 3, 3, 9, 0, 1, 0, time.UTC),
			time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC),
		}},
		{"nanoseconds apart", []time.Time{
			time.Date(2025, 3, 3, 9, 0, 0, 10, time.UTC),
			time.Date(2025, 3, 3, 9, 0, 0, 9, time.UTC),
			time.Date(2025, 3, 3, 9, 0, 0, 100000000, time.UTC),
		}},
		{"zones are normalised to UTC", []time.Time{
			time.Date(2025, 3, 3, 10, 30, 0, 0, cet), // 09:30 UTC
			time.Date(2025, 3, 3, 9, 45, 0, 0, time.UTC),
			time.Date(2025, 3, 3, 9, 15, 0, 0, time.UTC),
		}},
		{"year boundary", []time.Time{
			time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			time.Date(2025, 12, 31, 23, 59, 59, 999999999, time.UTC),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := New(dir)
			fileFor := map[string]time.Time{}
			for _, at := range tt.times {
				s.now = func() time.Time { return at }
				if err := s.Send(t.Context(), envelope(t, "x")); err != nil {
					t.Fatalf("Send: %v", err)
				}
				for _, n := range listDir(t, dir) {
					if _, ok := fileFor[n]; !ok {
						fileFor[n] = at
					}
				}
			}
			names := listDir(t, dir) // os.ReadDir sorts by name
			got := make([]time.Time, len(names))
			for i, n := range names {
				got[i] = fileFor[n]
			}
			want := slices.Clone(tt.times)
			slices.SortFunc(want, time.Time.Compare)
			if !slices.EqualFunc(got, want, time.Time.Equal) {
				t.Errorf("times in name order: got %v, want %v", got, want)
			}
		})
	}
}

func TestSendConcurrentSameInstant(t *testing.T) {
	dir := t.TempDir()
	s := New(dir)
	at := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return at }
	e := envelope(t, "x")
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() { errs <- s.Send(t.Context(), e) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	if got, want := len(listDir(t, dir)), n; got != want {
		t.Errorf("files: got %d, want %d", got, want)
	}
}

func TestSendFailures(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		dir     func(t *testing.T) string
		wantErr error // nil: any error
	}{
		{
			name:    "canceled context writes nothing",
			ctx:     canceled,
			dir:     func(t *testing.T) string { return t.TempDir() },
			wantErr: context.Canceled,
		},
		{
			name: "directory path is a file",
			ctx:  context.Background(),
			dir: func(t *testing.T) string {
				p := filepath.Join(t.TempDir(), "file")
				if err := os.WriteFile(p, nil, 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir(t)
			err := New(dir).Send(tt.ctx, envelope(t, "x"))
			if err == nil {
				t.Fatal("Send: got no error, want one")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Send error: got %v, want %v", err, tt.wantErr)
			}
			if mail.IsPermanent(err) {
				t.Errorf("IsPermanent(%v): got true, want false", err)
			}
			if info, statErr := os.Stat(dir); statErr == nil && info.IsDir() {
				if names := listDir(t, dir); len(names) != 0 {
					t.Errorf("files left behind: got %v, want none", names)
				}
			}
		})
	}
}
