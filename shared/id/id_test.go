package id_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/id"
)

var epoch = time.Date(2026, 2, 27, 9, 30, 0, 0, time.UTC)

func TestValid(t *testing.T) {
	good := id.New(epoch)
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"new id", good, true},
		{"all zeros", strings.Repeat("0", 26), true},
		{"empty", "", false},
		{"too short", good[:25], false},
		{"too long", good + "0", false},
		{"upper case", strings.ToUpper(good), false},
		{"letter i not in the alphabet", "i" + good[1:], false},
		{"letter l not in the alphabet", "l" + good[1:], false},
		{"letter o not in the alphabet", "o" + good[1:], false},
		{"letter u not in the alphabet", "u" + good[1:], false},
		{"dash", "-" + good[1:], false},
		{"path traversal", "../" + good[3:], false},
		{"padding", good[:24] + "==", false},
		{"space", " " + good[1:], false},
		{"non-ASCII", "ä" + good[2:], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := id.Valid(tt.in); got != tt.want {
				t.Errorf("Valid(%q): got %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestNewShape(t *testing.T) {
	for _, at := range []time.Time{time.Unix(0, 0), epoch, time.Date(2100, 12, 31, 23, 59, 59, 999e6, time.UTC)} {
		t.Run(at.Format(time.RFC3339), func(t *testing.T) {
			got := id.New(at)
			if len(got) != 26 {
				t.Errorf("len(New(%v)): got %d, want 26", at, len(got))
			}
			if !id.Valid(got) {
				t.Errorf("Valid(New(%v)) = Valid(%q): got false, want true", at, got)
			}
		})
	}
}

// Ids sort like the times they were made at, to the millisecond.
func TestSortableByTime(t *testing.T) {
	tests := []struct {
		name  string
		times []time.Time
	}{
		{"milliseconds apart", []time.Time{epoch, epoch.Add(time.Millisecond), epoch.Add(2 * time.Millisecond)}},
		{"seconds apart", []time.Time{epoch, epoch.Add(time.Second), epoch.Add(59 * time.Second)}},
		{"years apart", []time.Time{
			time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), epoch, time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC),
			time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
		}},
		{"time zones do not matter", []time.Time{
			epoch, epoch.Add(time.Millisecond).In(time.FixedZone("UTC-10", -10*3600)),
			epoch.Add(2 * time.Millisecond).In(time.FixedZone("UTC+14", 14*3600)),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Many ids per time, so random bits never decide the order.
			for round := range 200 {
				var ids []string
				for _, at := range tt.times {
					ids = append(ids, id.New(at))
				}
				if !slices.IsSorted(ids) {
					t.Fatalf("round %d: ids for increasing times %v: got unsorted %q", round, tt.times, ids)
				}
			}
		})
	}
	// A long run, one id per millisecond.
	var ids []string
	for i := range 5000 {
		ids = append(ids, id.New(epoch.Add(time.Duration(i)*time.Millisecond)))
	}
	if !slices.IsSorted(ids) {
		t.Errorf("ids for 5000 increasing milliseconds: got unsorted, want sorted")
	}
}

func TestUnique(t *testing.T) {
	const n = 10000
	seen := make(map[string]bool, n)
	for i := range n {
		// The same millisecond for all: only the random bits tell them apart.
		s := id.New(epoch)
		if seen[s] {
			t.Fatalf("New: got %q twice within %d ids, want unique", s, i+1)
		}
		seen[s] = true
	}
	// Ids of the same millisecond share the time prefix (48 bits = 9 whole
	// characters) and differ after it.
	a, b := id.New(epoch), id.New(epoch)
	if a[:9] != b[:9] {
		t.Errorf("time prefix: got %q and %q, want equal", a[:9], b[:9])
	}
}

// TestTimePrefixVectors pins the stored format to literal values: the first
// nine characters carry the top 45 of the 48 time bits, the tenth the last
// three time bits and two random ones. Stored keys carry ids and sort by
// them, and Valid checks ids coming back from links: a change in alphabet,
// bit layout or epoch would order new records before old ones or make
// stored ids invalid.
func TestTimePrefixVectors(t *testing.T) {
	tests := []struct {
		at     time.Time
		prefix string // the first nine characters
		tenth  string // the four characters the tenth may be
	}{
		{time.Unix(0, 0), "000000000", "0123"},
		{epoch, "06e9wvqxr", "0123"},
		{epoch.Add(time.Millisecond), "06e9wvqxr", "4567"},
		{time.Date(2100, 12, 31, 23, 59, 59, 999e6, time.UTC), "0f188x83z", "wxyz"},
	}
	for _, tt := range tests {
		seen := map[byte]bool{}
		// Enough ids that each of the four random tenth characters shows up
		// (the chance one is missing is 4·(3/4)^200, about 4e-25).
		for range 200 {
			got := id.New(tt.at)
			if got[:9] != tt.prefix || !strings.Contains(tt.tenth, got[9:10]) {
				t.Fatalf("New(%v) = %q, want prefix %q and tenth character one of %q", tt.at, got, tt.prefix, tt.tenth)
			}
			seen[got[9]] = true
		}
		if len(seen) != len(tt.tenth) {
			t.Errorf("New(%v): tenth characters %v, want all of %q", tt.at, seen, tt.tenth)
		}
	}
}

// TestDerive: a derived id is a valid id, the same for the same parent and
// purpose, different for another of either, and sorts at its parent's time.
func TestDerive(t *testing.T) {
	parent, other := id.New(epoch), id.New(epoch)
	got := id.Derive(parent, "contact.inbox")
	tests := []struct {
		name string
		ok   bool
	}{
		{"valid", id.Valid(got)},
		{"stable", got == id.Derive(parent, "contact.inbox")},
		{"per purpose", got != id.Derive(parent, "contact.ack")},
		{"per parent", got != id.Derive(other, "contact.inbox")},
		{"not the parent", got != parent},
		{"the parent's time", got[:9] == parent[:9]},
		{"after an earlier record", id.New(epoch.Add(-time.Millisecond)) < got},
		{"before a later record", got < id.New(epoch.Add(time.Millisecond))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok {
				t.Errorf("Derive(%s) = %s", parent, got)
			}
		})
	}
}
