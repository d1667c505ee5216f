package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/network"
)

// BenchmarkLoad sends 1,000 sign-ups for one event, and separately 1,000
// contact messages, all at once through the local server (embedded
// emulator, mail to a folder, rate limit off) over loopback HTTP, one
// connection each: throughput, p50 and p99 of the answers and how many
// were not 202 (issue 11 asks for none). The mail is delivered in-process
// as it is written; the figures do not wait for it, as on AWS, where the
// stream-driven notifier sends it.
func BenchmarkLoad(b *testing.B) {
	const n = 1000
	kinds := []struct {
		name string
		path func(b *testing.B, l *local) string
		body func(l *local, i int) string
	}{
		{"sign-up", func(b *testing.B, l *local) string {
			now := l.clock.Now()
			e := event.Event{
				ID: id.New(now), Title: network.Text{"de": "Netzwerktreffen"},
				StartsAt: now.Add(10 * 24 * time.Hour), EndsAt: now.Add(10*24*time.Hour + 3*time.Hour),
				Location: event.Location{Name: "Landratsamt", Address: "Erzberger Allee 14, 36433 Bad Salzungen"},
				Capacity: n, RegistrationDeadline: now.Add(8 * 24 * time.Hour), Published: true,
			}
			if err := l.Store.PutEvent(context.Background(), e); err != nil {
				b.Fatal(err)
			}
			return "/events/" + e.ID + "/registrations"
		}, func(_ *local, i int) string {
			return fmt.Sprintf(`{"name":"Last %d","email":"last-%d@example.org","consent":true}`, i, i)
		}},
		{"contact", func(*testing.B, *local) string { return "/contact" }, func(l *local, i int) string {
			return fmt.Sprintf(`{"name":"Last %d","email":"last-%d@example.org","topic":%q,"consent":true,"message":"Wann beginnt der nächste Kurs?"}`,
				i, i, l.Config.Topics[0].ID)
		}},
	}
	for _, k := range kinds {
		b.Run(k.name, func(b *testing.B) {
			var lat []time.Duration
			var elapsed time.Duration
			failed := 0
			for range b.N {
				l := startLocal(b, func(o *options) { o.rateLimit = 0; o.demo = false })
				path := k.path(b, l)
				// One connection per request, as 1,000 browsers would open.
				tr := &http.Transport{MaxIdleConnsPerHost: n}
				c := &http.Client{Transport: tr, Timeout: time.Minute}
				begin := make(chan struct{})
				var wg sync.WaitGroup
				var mu sync.Mutex
				for i := range n {
					body := k.body(l, i)
					wg.Go(func() {
						<-begin
						start := time.Now()
						resp, err := c.Post(l.url+path, "application/json", strings.NewReader(body))
						ok := err == nil && resp.StatusCode == http.StatusAccepted
						if err == nil {
							_, _ = io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
						}
						d := time.Since(start)
						mu.Lock()
						lat = append(lat, d)
						if !ok {
							failed++
						}
						mu.Unlock()
					})
				}
				start := time.Now()
				close(begin)
				wg.Wait()
				elapsed += time.Since(start)
				tr.CloseIdleConnections()
				// The deliveries write into the test's mail folder, which
				// goes with the cleanup.
				l.Wait()
			}
			slices.Sort(lat)
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "req/s")
			b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
			b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
			b.ReportMetric(float64(failed), "errors")
			b.ReportMetric(n, "concurrent")
		})
	}
}
