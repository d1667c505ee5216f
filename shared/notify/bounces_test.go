package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wartburgkreis/netzwerk/shared/notify"
)

type suppression struct {
	addr, reason string
	at           time.Time
}

// fakeSuppressor records what it is told; err makes it fail.
type fakeSuppressor struct {
	got []suppression
	err error
}

func (f *fakeSuppressor) Suppress(_ context.Context, addr, reason string, at time.Time) error {
	if f.err != nil {
		return f.err
	}
	f.got = append(f.got, suppression{addr, reason, at})
	return nil
}

func loadEvent(t *testing.T, name string) events.CloudWatchEvent {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var e events.CloudWatchEvent
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestBounceHandler(t *testing.T) {
	tests := []struct {
		fixture string
		want    []suppression
	}{
		{"ses-bounce-permanent.json", []suppression{{"Nobody@example.org", "bounce:General", time.Date(2026, 11, 25, 10, 0, 4, 0, time.UTC)}}},
		{"ses-complaint.json", []suppression{{"angry@example.org", "complaint:abuse", time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)}}},
		{"ses-bounce-transient.json", nil},
		{"ses-delivery.json", nil},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			s := &fakeSuppressor{}
			h := notify.BounceHandler(s, slog.New(slog.DiscardHandler))
			if err := h(context.Background(), loadEvent(t, tt.fixture)); err != nil {
				t.Fatalf("handler: %v", err)
			}
			if !slices.Equal(s.got, tt.want) {
				t.Errorf("suppressed %v, want %v", s.got, tt.want)
			}
		})
	}
	t.Run("storage failure is reported for a retry", func(t *testing.T) {
		s := &fakeSuppressor{err: errors.New("down")}
		h := notify.BounceHandler(s, slog.New(slog.DiscardHandler))
		if err := h(context.Background(), loadEvent(t, "ses-bounce-permanent.json")); err == nil {
			t.Error("no error, want one so EventBridge retries")
		}
	})
	t.Run("garbage is dropped, not retried", func(t *testing.T) {
		s := &fakeSuppressor{}
		h := notify.BounceHandler(s, slog.New(slog.DiscardHandler))
		if err := h(context.Background(), events.CloudWatchEvent{Detail: json.RawMessage(`[1,2`)}); err != nil || len(s.got) != 0 {
			t.Errorf("err %v, suppressed %v", err, s.got)
		}
	})
}
