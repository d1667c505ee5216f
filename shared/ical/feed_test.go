package ical

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"
)

// TestFeed reads a feed of events in two zones across the change to summer
// time with a second parser: every event at its instant, each zone defined
// once, the calendar named.
func TestFeed(t *testing.T) {
	berlin, newYork := mustZone(t, "Europe/Berlin"), mustZone(t, "America/New_York")
	one := base(t)
	one.UID, one.Start, one.End = "event-1@example.org", time.Date(2026, 3, 20, 17, 0, 0, 0, berlin), time.Date(2026, 3, 20, 19, 0, 0, 0, berlin)
	two := base(t)
	two.UID, two.Summary = "event-2@example.org", "AG Sprache; Treffen, online"
	two.Start, two.End = time.Date(2026, 4, 2, 9, 0, 0, 0, berlin), time.Date(2026, 4, 2, 11, 0, 0, 0, berlin)
	three := base(t)
	three.UID, three.Zone = "event-3@example.org", newYork
	three.Start, three.End = time.Date(2027, 1, 5, 10, 0, 0, 0, newYork), time.Date(2027, 1, 5, 12, 0, 0, 0, newYork)
	events := []Event{one, two, three}

	b, err := Feed("Veranstaltungen – Netzwerk für Integration", events)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := goical.NewDecoder(bytes.NewReader(b)).Decode()
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, b)
	}
	if m := cal.Props.Get(goical.PropMethod).Value; m != "PUBLISH" {
		t.Errorf("METHOD %s", m)
	}
	if n := cal.Props.Get("X-WR-CALNAME"); n == nil || n.Value != "Veranstaltungen – Netzwerk für Integration" {
		t.Errorf("X-WR-CALNAME %v", n)
	}
	var zones []string
	for _, c := range cal.Children {
		if c.Name == goical.CompTimezone {
			zones = append(zones, c.Props.Get(goical.PropTimezoneID).Value)
		}
	}
	if strings.Join(zones, " ") != "Europe/Berlin America/New_York" {
		t.Errorf("VTIMEZONEs %v, want one per zone", zones)
	}
	got := cal.Events()
	if len(got) != len(events) {
		t.Fatalf("%d events, want %d", len(got), len(events))
	}
	for i, want := range events {
		ev := got[i]
		if uid := ev.Props.Get(goical.PropUID).Value; uid != want.UID {
			t.Errorf("event %d: UID %s, want %s", i, uid, want.UID)
		}
		start, err := ev.DateTimeStart(nil)
		if err != nil || !start.Equal(want.Start) {
			t.Errorf("event %d: DTSTART %v (%v), want %v", i, start, err, want.Start)
		}
		end, err := ev.DateTimeEnd(nil)
		if err != nil || !end.Equal(want.End) {
			t.Errorf("event %d: DTEND %v (%v), want %v", i, end, err, want.End)
		}
		if s, _ := ev.Props.Text(goical.PropSummary); s != want.Summary {
			t.Errorf("event %d: SUMMARY %q, want %q", i, s, want.Summary)
		}
	}
}

func TestFeedEmptyAndInvalid(t *testing.T) {
	b, err := Feed("Veranstaltungen", nil)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := goical.NewDecoder(bytes.NewReader(b)).Decode()
	if err != nil || len(cal.Events()) != 0 {
		t.Errorf("empty feed: %v, %d events\n%s", err, len(cal.Events()), b)
	}

	bad := base(t)
	bad.End = bad.Start
	if _, err := Feed("Veranstaltungen", []Event{base(t), bad}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "event 1") {
		t.Errorf("Feed with an invalid event: %v, want ErrInvalid naming event 1", err)
	}
}
