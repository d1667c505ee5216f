package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/audit"
	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// singleWrite is one of the store's single-item writes: prepare stores what
// it needs (past any injected conflict), write makes it, written tells
// whether its effect is in the table.
type singleWrite struct {
	name    string
	prepare func(e *env) any
	write   func(ctx context.Context, s *dynamo.Store, v any) error
	written func(e *env, v any) bool
}

// singleWrites lists every single-item write the store makes.
func singleWrites() []singleWrite {
	return []singleWrite{
		{
			name:    "Event moving legacy counters",
			prepare: func(e *env) any { return e.evLegacy(e.evFixture(10), 0).ID },
			write: func(ctx context.Context, s *dynamo.Store, v any) error {
				_, err := s.Event(ctx, v.(string))
				return err
			},
			written: func(e *env, v any) bool { return e.raw(e.evCountersPK(v.(string))) != nil },
		},
		{
			name:    "NextPosition",
			prepare: func(e *env) any { return e.evPut(0).ID },
			write: func(ctx context.Context, s *dynamo.Store, v any) error {
				pos, err := s.NextPosition(ctx, v.(string))
				if err == nil && pos != 1 {
					return fmt.Errorf("position %d, want 1", pos)
				}
				return err
			},
			written: func(e *env, v any) bool { return testenv.N(e.raw(e.evCountersPK(v.(string))), "waitSeq") == "1" },
		},
		{
			name: "Record",
			prepare: func(e *env) any {
				return audit.New(e.cfg, e.clock.Now(), "Erika Beispiel", "export", "event/x", map[string]string{"rows": "3"})
			},
			write:   func(ctx context.Context, s *dynamo.Store, v any) error { return s.Record(ctx, v.(audit.Entry)) },
			written: func(e *env, v any) bool { return e.raw(e.key("audit", v.(audit.Entry).ID), "audit") != nil },
		},
		{
			name:    "PutApproved",
			prepare: func(e *env) any { return e.fixture("Beispielverein e. V.", "verein@example.org").app },
			write: func(ctx context.Context, s *dynamo.Store, v any) error {
				return s.PutApproved(ctx, v.(partner.Application))
			},
			written: func(e *env, v any) bool { return e.raw(e.appPK(v.(partner.Application).ID)) != nil },
		},
		{
			name:    "Suppress",
			prepare: func(e *env) any { return "bounce@example.org" },
			write: func(ctx context.Context, s *dynamo.Store, v any) error {
				return s.Suppress(ctx, v.(string), "bounce", start)
			},
			written: func(e *env, v any) bool {
				got, err := e.store.Suppressed(context.Background(), []string{v.(string)})
				return err == nil && got[v.(string)] == "bounce"
			},
		},
		{
			name:    "CountRequest",
			prepare: func(e *env) any { return "client-1" },
			write: func(ctx context.Context, s *dynamo.Store, v any) error {
				return counted(s.CountRequest(ctx, v.(string), start, 1))
			},
			written: func(e *env, v any) bool {
				ok, err := e.store.CountRequest(context.Background(), v.(string), start, 1)
				return err == nil && !ok
			},
		},
		{
			name:    "CountUnverified",
			prepare: func(e *env) any { return "someone@example.org" },
			write: func(ctx context.Context, s *dynamo.Store, v any) error {
				return counted(s.CountUnverified(ctx, v.(string), "2026-03-02", 1))
			},
			written: func(e *env, v any) bool {
				ok, err := e.store.CountUnverified(context.Background(), v.(string), "2026-03-02", 1)
				return err == nil && !ok
			},
		},
		{
			name: "Claim",
			prepare: func(e *env) any {
				m := e.fullMail()
				e.queue(m)
				return m.ID
			},
			write: func(ctx context.Context, s *dynamo.Store, v any) error {
				_, err := s.Claim(ctx, v.(string), start, start.Add(time.Minute))
				return err
			},
			written: func(e *env, v any) bool { return testenv.N(e.raw(e.mailPK(v.(string))), "attempts") == "1" },
		},
		{
			name: "MarkSent",
			prepare: func(e *env) any {
				m := e.fullMail()
				e.queue(m)
				if _, err := e.store.Claim(context.Background(), m.ID, start, start.Add(time.Minute)); err != nil {
					e.t.Fatalf("Claim: %v", err)
				}
				return m.ID
			},
			write: func(ctx context.Context, s *dynamo.Store, v any) error {
				return s.MarkSent(ctx, v.(string), start.Add(time.Minute), start)
			},
			written: func(e *env, v any) bool { return testenv.S(e.raw(e.mailPK(v.(string))), "status") == "sent" },
		},
	}
}

// counted turns a counter's refusal into an error: these writes count one.
func counted(ok bool, err error) error {
	if err == nil && !ok {
		return errors.New("refused")
	}
	return err
}

// TestSingleItemConflictRetries: every single-item write the store makes
// retries TransactionConflictException, which the SDK does not retry, with
// the transactions' backoff and bound, and then gives up with
// ErrUnavailable, having written nothing.
func TestSingleItemConflictRetries(t *testing.T) {
	for _, w := range singleWrites() {
		for _, c := range []struct {
			conflicts    int
			wantErr      bool
			wantCalls    int
			wantBackoffs []int
		}{
			{conflicts: 0, wantCalls: 1, wantBackoffs: nil},
			{conflicts: 1, wantCalls: 2, wantBackoffs: []int{0}},
			{conflicts: 4, wantCalls: 5, wantBackoffs: []int{0, 1, 2, 3}},
			{conflicts: 5, wantErr: true, wantCalls: 5, wantBackoffs: []int{0, 1, 2, 3}},
		} {
			t.Run(fmt.Sprintf("%s/%d conflicts", w.name, c.conflicts), func(t *testing.T) {
				e := newEnv(t)
				if e.store.ConflictRetries != 4 {
					t.Fatalf("ConflictRetries = %d, want production's 4", e.store.ConflictRetries)
				}
				v := w.prepare(e)
				e.backoffs = nil
				store := *e.store
				api := &conflictAPI{API: store.API, singles: c.conflicts}
				store.API = api

				err := w.write(context.Background(), &store, v)
				if c.wantErr != (err != nil) || (c.wantErr && !errors.Is(err, dynamo.ErrUnavailable)) {
					t.Errorf("error %v, want ErrUnavailable: %t", err, c.wantErr)
				}
				if api.singleCalls != c.wantCalls || api.calls != 0 {
					t.Errorf("%d single-item calls, %d transactions; want %d, 0", api.singleCalls, api.calls, c.wantCalls)
				}
				equal(t, "Backoff attempts", e.backoffs, c.wantBackoffs)
				if got, want := w.written(e, v), !c.wantErr; got != want {
					t.Errorf("written %t, want %t", got, want)
				}
			})
		}
	}

	t.Run("backoff cancelled", func(t *testing.T) {
		e := newEnv(t)
		id := e.evPut(0).ID
		e.store.API = &conflictAPI{API: e.store.API, singles: 10}
		e.store.Backoff = func(context.Context, int) error { return context.Canceled }
		if _, err := e.store.NextPosition(context.Background(), id); !errors.Is(err, context.Canceled) {
			t.Errorf("NextPosition error = %v, want context.Canceled", err)
		}
	})
}
