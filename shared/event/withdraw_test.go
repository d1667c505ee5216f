package event_test

import (
	"context"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/event"
)

// TestWithdraw: a registration withdrawn for an erasure frees its seat or
// waiting place as a cancellation does, and only the person moving up is
// told; where nothing can be passed on, nothing changes.
func TestWithdraw(t *testing.T) {
	tests := []struct {
		name string
		// setup signs people up and returns the registration to withdraw.
		setup        func(e *env, ev event.Event) event.Registration
		ended        bool
		wantStatus   event.Status
		wantCounters counters
		wantMails    []string // "template to"
	}{
		{
			name: "a seat goes to the first person waiting",
			setup: func(e *env, ev event.Event) event.Registration {
				r, _ := e.register(ev.ID, "Gone", "gone@example.org")
				e.register(ev.ID, "First", "first@example.org")
				e.register(ev.ID, "Second", "second@example.org")
				return r
			},
			wantStatus: event.Cancelled, wantCounters: counters{1, 1},
			wantMails: []string{"event.promoted first@example.org"},
		},
		{
			name: "a seat nobody waits for is free again",
			setup: func(e *env, ev event.Event) event.Registration {
				r, _ := e.register(ev.ID, "Gone", "gone@example.org")
				return r
			},
			wantStatus: event.Cancelled, wantCounters: counters{0, 0},
		},
		{
			name: "a waiting place shortens the list",
			setup: func(e *env, ev event.Event) event.Registration {
				e.register(ev.ID, "Seated", "seated@example.org")
				r, _ := e.register(ev.ID, "Gone", "gone@example.org")
				return r
			},
			wantStatus: event.Cancelled, wantCounters: counters{1, 0},
		},
		{
			name: "a cancelled registration stays as it is",
			setup: func(e *env, ev event.Event) event.Registration {
				r, m := e.register(ev.ID, "Gone", "gone@example.org")
				if _, err := e.svc.Cancel(context.Background(), e.link(m)); err != nil {
					e.t.Fatal(err)
				}
				r.Status = event.Cancelled
				return r
			},
			wantStatus: event.Cancelled, wantCounters: counters{0, 0},
		},
		{
			name: "at a past event nobody moves up and the counts stay",
			setup: func(e *env, ev event.Event) event.Registration {
				r, _ := e.register(ev.ID, "Gone", "gone@example.org")
				e.register(ev.ID, "First", "first@example.org")
				return r
			},
			ended:      true,
			wantStatus: event.Confirmed, wantCounters: counters{1, 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			ev := e.newEvent(1, nil)
			r := tt.setup(e, ev)
			if tt.ended {
				e.clock.Set(ev.EndsAt.Add(time.Minute))
			}
			before := len(*e.mails)
			got, err := e.svc.Withdraw(context.Background(), r)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.wantStatus {
				t.Errorf("status %q, want %q", got, tt.wantStatus)
			}
			if st := e.registration(ev.ID, "gone@example.org").Status; st != tt.wantStatus {
				t.Errorf("stored status %q, want %q", st, tt.wantStatus)
			}
			equal(t, "counters", e.counters(ev.ID), tt.wantCounters)
			var mails []string
			for _, m := range e.mailsSince(before) {
				for _, to := range m.To {
					mails = append(mails, m.Template+" "+to)
				}
			}
			equal(t, "mails", mails, tt.wantMails)
		})
	}
}
