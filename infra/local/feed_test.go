package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
)

// TestEventsFeed: the calendar feed holds exactly the events GET /events
// lists, at their instants, titled in the language asked for.
func TestEventsFeed(t *testing.T) {
	l := startLocal(t, nil)
	for _, lang := range []string{"de", "ar"} {
		t.Run(lang, func(t *testing.T) {
			resp, body := l.request(t, "GET", "/events?locale="+lang, "", "")
			var list struct {
				Events []struct {
					ID               string
					Title            string
					StartsAt, EndsAt time.Time
				}
			}
			if err := json.Unmarshal([]byte(body), &list); err != nil || resp.StatusCode != http.StatusOK || len(list.Events) == 0 {
				t.Fatalf("events: %d %v %.200s", resp.StatusCode, err, body)
			}

			resp, body = l.request(t, "GET", "/events.ics?locale="+lang, "", "")
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/calendar; charset=UTF-8" {
				t.Fatalf("feed: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "inline") {
				t.Errorf("Content-Disposition %q", cd)
			}
			cal, err := goical.NewDecoder(strings.NewReader(body)).Decode()
			if err != nil {
				t.Fatalf("parse: %v\n%s", err, body)
			}
			got := cal.Events()
			if len(got) != len(list.Events) {
				t.Fatalf("%d events in the feed, %d listed", len(got), len(list.Events))
			}
			for i, want := range list.Events {
				ev := got[i]
				if uid := ev.Props.Get(goical.PropUID).Value; uid != "event-"+want.ID+"@example.org" {
					t.Errorf("UID %s for event %s", uid, want.ID)
				}
				if s, _ := ev.Props.Text(goical.PropSummary); s != want.Title {
					t.Errorf("SUMMARY %q, want %q", s, want.Title)
				}
				start, err := ev.DateTimeStart(nil)
				if err != nil || !start.Equal(want.StartsAt) {
					t.Errorf("DTSTART %v (%v), want %v", start, err, want.StartsAt)
				}
				end, err := ev.DateTimeEnd(nil)
				if err != nil || !end.Equal(want.EndsAt) {
					t.Errorf("DTEND %v (%v), want %v", end, err, want.EndsAt)
				}
			}
		})
	}
}
