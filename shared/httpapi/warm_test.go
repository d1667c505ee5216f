package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// BenchmarkWarmSubmission sends each kind of submission through the whole
// handler in-process (decode, validate, store, render the answer) and then
// the DynamoDB calls that request issued, recorded on the way, once more on
// their own through the same SDK client to the same emulator over loopback:
// handler-ns over bare-ns is what our code adds to its storage calls (issue
// 11 asks for at most 1.5).
//
// After the handler and again after the bare calls, every item written is
// put back as it was, so both run against the same table of fixed size:
// minidyn copies its whole table for a transaction, which on a growing
// table would swamp both figures (BenchmarkBareTransaction grows it).
// Allocations are counted across the process, the in-process emulator's
// included, so the handler's own are handler-allocs minus bare-allocs.
func BenchmarkWarmSubmission(b *testing.B) {
	kinds := []struct {
		name string
		// setup stores what the submission needs and returns its path.
		setup func(b *testing.B, f *fixture) string
		body  func(f *fixture, i int) []byte
	}{
		{"application", func(*testing.B, *fixture) string { return "/partners" }, func(f *fixture, i int) []byte {
			app := validApplication()
			app["email"] = fmt.Sprintf("bench-%d@example.org", i)
			return mustJSON(app)
		}},
		{"contact", func(*testing.B, *fixture) string { return "/contact" }, func(f *fixture, i int) []byte {
			return mustJSON(map[string]any{
				"name": "Amira Haddad", "email": fmt.Sprintf("bench-%d@example.org", i), "topic": f.config.Topics[0].ID,
				"consent": true, "message": "Wann beginnt der nächste Kurs?", "phone": "03691 123456",
			})
		}},
		{"sign-up", func(b *testing.B, f *fixture) string {
			return "/events/" + f.putEvent(b, 50, nil).ID + "/registrations"
		}, func(f *fixture, i int) []byte { return signUpBody(fmt.Sprintf("bench-%d@example.org", i)) }},
	}
	for _, k := range kinds {
		b.Run(k.name, func(b *testing.B) {
			rec := &testenv.Recorder{}
			f := newFixtureOn(b, func(api dynamo.API) dynamo.API { rec.API = api; return rec })
			path := k.setup(b, f)
			base := f.db.Snapshot(b)
			rec.Take()
			ctx := context.Background()
			var handler, bare time.Duration
			var handlerAllocs, bareAllocs, calls uint64
			for i := range b.N {
				req := httptest.NewRequest("POST", path, bytes.NewReader(k.body(f, i)))
				req.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				a := mallocs()
				start := time.Now()
				f.handler.ServeHTTP(w, req)
				handler += time.Since(start)
				handlerAllocs += mallocs() - a
				if w.Code != http.StatusAccepted {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
				sent := rec.Take()
				f.db.Reset(b, base, sent)
				a = mallocs()
				for _, c := range sent {
					start := time.Now()
					err := c.Send(ctx, f.db.Client)
					bare += time.Since(start)
					if err != nil {
						b.Fatalf("%s again: %v", c.Op, err)
					}
				}
				bareAllocs += mallocs() - a
				calls += uint64(len(sent))
				f.db.Reset(b, base, sent)
			}
			n := float64(b.N)
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(float64(handler)/n, "handler-ns")
			b.ReportMetric(float64(bare)/n, "bare-ns")
			b.ReportMetric(float64(handler)/float64(bare), "ratio")
			b.ReportMetric(float64(handlerAllocs)/n, "handler-allocs")
			b.ReportMetric(float64(bareAllocs)/n, "bare-allocs")
			b.ReportMetric(float64(calls)/n, "calls")
		})
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings and bools always marshal
	}
	return b
}

// mallocs is the process's count of heap allocations so far.
func mallocs() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}
