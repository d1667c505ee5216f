package httpapi_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/email"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/secret"
)

// person is one sign-up of the attendee-list tests.
type person struct {
	name, email, organisation, needs, locale string
}

// signUp registers p for an event through the public route, one minute
// after the previous sign-up so arrival order is certain; it returns the
// registration's id and the id of its mail.
func (f *fixture) signUp(t *testing.T, eventID string, p person) (string, string) {
	t.Helper()
	f.clock.Advance(time.Minute)
	before := len(*f.mails)
	r := f.do(t, "POST", "/events/"+eventID+"/registrations", "application/json", jsonBody(t, map[string]any{
		"name": p.name, "email": p.email, "organisation": p.organisation, "needs": p.needs,
		"locale": p.locale, "consent": true,
	}))
	if r.status != http.StatusAccepted {
		t.Fatalf("sign-up of %s: status %d; body %s", p.email, r.status, r.body)
	}
	return f.registration(t, eventID, p.email).ID, (*f.mails)[before]
}

// seat stores a confirmed registration directly, as data that reached the
// table some other way than the form (which refuses control characters)
// would be: the export must be safe whatever is stored.
func (f *fixture) seat(t *testing.T, e event.Event, p person) string {
	t.Helper()
	f.clock.Advance(time.Minute)
	now := f.clock.Now()
	hash := f.keys.EmailHash(email.Key(p.email))
	r := event.Registration{
		ID: id.New(now), EventID: e.ID, Name: p.name, Email: p.email, EmailHash: hash,
		Organisation: p.organisation, Needs: p.needs, Locale: "de",
		ConsentAt: now, ConsentVer: f.config.Privacy.Version, Status: event.Confirmed,
		CreatedAt: now, ExpiresAt: e.EndsAt.Add(90 * 24 * time.Hour), LinkNonce: secret.NewNonce(),
	}
	m := outbox.Mail{ID: id.New(now), Template: "event.confirmed", Locale: "de", To: []string{p.email}, CreatedAt: now}
	if err := f.store.TakeSeat(context.Background(), e, r, m); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

type adminRegistration struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	Position     int    `json:"position"`
	Name         string `json:"name"`
	Email        string `json:"email"`
	Organisation string `json:"organisation"`
	Needs        string `json:"needs"`
	Locale       string `json:"locale"`
	CreatedAt    string `json:"createdAt"`
	Consent      struct {
		At            string `json:"at"`
		PolicyVersion string `json:"policyVersion"`
	} `json:"consent"`
}

type rosterPage struct {
	Event struct {
		ID                           string
		Title                        string
		Capacity, Confirmed, Waiting int
	} `json:"event"`
	Registrations []adminRegistration `json:"registrations"`
	Next          string              `json:"nextCursor"`
}

// auditEntry is an entry as GET /admin/audit answers it.
type auditEntry struct {
	Actor, Action, Target string
	Detail                map[string]string
}

func (f *fixture) auditTrail(t *testing.T) []auditEntry {
	t.Helper()
	return decodeJSON[struct {
		Entries []auditEntry `json:"entries"`
	}](t, f.admin(t, "GET", "/admin/audit?limit=200", nil)).Entries
}

func TestAdminRegistrations(t *testing.T) {
	f := newFixture(t)
	e := f.putEvent(t, 6, nil)
	hidden := f.putEvent(t, 6, func(e *event.Event) { e.Published = false })
	signedUp := []person{
		{"Jürgen Größe", "juergen@example.org", `Verein "Brücke"; Eisenach`, "Dolmetschen Arabisch;\nRollstuhlplatz", "de"},
		{"Олена Шевченко", "olena@example.org", "Українська громада", "", "uk"},
		{`=HYPERLINK("https://example.org";"klick")`, "formel@example.org", "+49 3691 0", "-Rampe; Aufzug", "de"},
		{"@SUMME(A1:A9)", "at@example.org", "", "", "de"},
	}
	stored := []person{
		{"\tTabulator", "tab@example.org", "\r=1+1", "", "de"},
		{"Ohne Besonderes", "cr@example.org", "", "\rcmd|' /C calc'!A0", "de"},
	}
	waiting := []person{
		{"فاطمة الزهراء", "fatima@example.org", "جمعية", "ترجمة", "ar"},
		{"Erik Warteliste", "erik@example.org", "", "", "de"},
	}
	var ids []string // in list order: confirmed by arrival, then waiting by position
	for _, p := range signedUp {
		regID, _ := f.signUp(t, e.ID, p)
		ids = append(ids, regID)
	}
	for _, p := range stored {
		ids = append(ids, f.seat(t, e, p))
	}
	var lastMail string
	for _, p := range waiting {
		var regID string
		regID, lastMail = f.signUp(t, e.ID, p)
		ids = append(ids, regID)
	}
	people := slices.Concat(signedUp, stored, waiting)

	t.Run("JSON: confirmed by arrival, then the waiting list by position", func(t *testing.T) {
		got := decodeJSON[rosterPage](t, f.admin(t, "GET", "/admin/events/"+e.ID+"/registrations", nil))
		if got.Event.ID != e.ID || got.Event.Title != "Netzwerktreffen" || got.Event.Capacity != 6 ||
			got.Event.Confirmed != 6 || got.Event.Waiting != 2 || got.Next != "" {
			t.Errorf("event %+v, next %q", got.Event, got.Next)
		}
		var gotIDs []string
		for i, r := range got.Registrations {
			gotIDs = append(gotIDs, r.ID)
			p := people[min(i, len(people)-1)]
			wantStatus, wantPos := "confirmed", 0
			if i >= 6 {
				wantStatus, wantPos = "waitlisted", i-5
			}
			if r.Status != wantStatus || r.Position != wantPos || r.Name != p.name || r.Email != p.email ||
				r.Organisation != p.organisation || r.Needs != p.needs || r.Locale != p.locale {
				t.Errorf("row %d: %+v, want %s at %d: %+v", i, r, wantStatus, wantPos, p)
			}
			if r.CreatedAt == "" || r.Consent.At != r.CreatedAt || r.Consent.PolicyVersion != f.config.Privacy.Version {
				t.Errorf("row %d: signed up %q, consent %+v", i, r.CreatedAt, r.Consent)
			}
		}
		if !slices.Equal(gotIDs, ids) {
			t.Errorf("ids %v, want %v", gotIDs, ids)
		}
	})

	t.Run("JSON pages follow the cursor across the waiting list's start", func(t *testing.T) {
		for _, limit := range []string{"1", "3", "5", "6", "7", "200"} {
			var got []string
			path := "/admin/events/" + e.ID + "/registrations?limit=" + limit
			for range len(ids) + 1 {
				page := decodeJSON[rosterPage](t, f.admin(t, "GET", path, nil))
				for _, r := range page.Registrations {
					got = append(got, r.ID)
				}
				if page.Next == "" {
					break
				}
				path = "/admin/events/" + e.ID + "/registrations?limit=" + limit + "&cursor=" + url.QueryEscape(page.Next)
			}
			if !slices.Equal(got, ids) {
				t.Errorf("limit %s: ids %v, want %v", limit, got, ids)
			}
		}
	})

	t.Run("CSV opens right in a German spreadsheet", func(t *testing.T) {
		for _, how := range []struct {
			name   string
			query  string
			header []string
		}{
			{"format parameter", "?format=csv", nil},
			{"Accept header", "", []string{"Accept", "text/csv"}},
			{"Accept preferring CSV", "", []string{"Accept", "application/json;q=0.5, text/csv"}},
		} {
			t.Run(how.name, func(t *testing.T) {
				r := f.do(t, "GET", "/admin/events/"+e.ID+"/registrations"+how.query, "", nil,
					append([]string{"Authorization", "Bearer " + f.coordinatorToken(t)}, how.header...)...)
				if r.status != http.StatusOK {
					t.Fatalf("status %d; body %s", r.status, r.body)
				}
				if got, want := r.header.Get("Content-Type"), "text/csv; charset=utf-8"; got != want {
					t.Errorf("Content-Type %q, want %q", got, want)
				}
				// Start 2026-12-05 10:00 in Berlin.
				if got, want := r.header.Get("Content-Disposition"), `attachment; filename="anmeldungen-2026-12-05-`+e.ID+`.csv"`; got != want {
					t.Errorf("Content-Disposition %q, want %q", got, want)
				}
				if got := r.header.Get("Cache-Control"); got != "no-store" {
					t.Errorf("Cache-Control %q, want no-store", got)
				}
				checkRosterCSV(t, r.body, people, f.config.Privacy.Version)
			})
		}
	})

	t.Run("cancelled only when asked, always after the others", func(t *testing.T) {
		// The last person on the waiting list cancels by the link in the mail.
		token := f.db.Mail(t, f.config.ID, lastMail).Link(f.keys)
		if r := f.do(t, "POST", "/registrations/cancel", "application/json", jsonBody(t, map[string]string{"token": token})); r.status != http.StatusOK {
			t.Fatalf("cancel: status %d; body %s", r.status, r.body)
		}
		last := ids[len(ids)-1]
		for _, tt := range []struct {
			query string
			want  []string
		}{
			{"", ids[:len(ids)-1]},
			{"?status=cancelled", []string{last}},
			{"?status=cancelled,confirmed", append(slices.Clone(ids[:6]), last)},
			{"?status=waitlisted&status=confirmed", ids[:len(ids)-1]},
			{"?status=confirmed,waitlisted,cancelled", ids},
			{"?status=waitlisted", ids[6:7]},
		} {
			page := decodeJSON[rosterPage](t, f.admin(t, "GET", "/admin/events/"+e.ID+"/registrations"+tt.query, nil))
			var got []string
			for _, r := range page.Registrations {
				got = append(got, r.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("%q: ids %v, want %v", tt.query, got, tt.want)
			}
		}
	})

	t.Run("every export is in the audit trail", func(t *testing.T) {
		var csvRows, jsonReads int
		for _, a := range f.auditTrail(t) {
			if a.Action != "registrations.export" {
				t.Errorf("unexpected entry %+v", a)
				continue
			}
			if a.Target != "event/"+e.ID || a.Actor != "koordination@example.org" {
				t.Errorf("entry %+v", a)
			}
			switch a.Detail["format"] {
			case "csv":
				if a.Detail["rows"] != "8" || a.Detail["statuses"] != "confirmed,waitlisted" {
					t.Errorf("csv entry %+v", a)
				}
				csvRows++
			case "json":
				jsonReads++
			}
		}
		if csvRows != 3 || jsonReads < 10 {
			t.Errorf("%d csv and %d json entries, want 3 and one per page read", csvRows, jsonReads)
		}
	})

	t.Run("an unpublished event has its list", func(t *testing.T) {
		got := decodeJSON[rosterPage](t, f.admin(t, "GET", "/admin/events/"+hidden.ID+"/registrations", nil))
		if got.Event.ID != hidden.ID || got.Registrations == nil || len(got.Registrations) != 0 {
			t.Errorf("got %+v, want the event with an empty list", got)
		}
	})

	t.Run("bad requests", func(t *testing.T) {
		path := "/admin/events/" + e.ID + "/registrations"
		f.wantProblems(t, []badRequest{
			{"GET", "/admin/events/" + id.New(f.clock.Now()) + "/registrations", 404, ""},
			{"GET", "/admin/events/" + id.New(f.clock.Now()) + "/registrations?format=csv", 404, ""},
			{"GET", "/admin/events/not-an-id/registrations", 404, ""},
			{"GET", path + "?status=maybe", 422, "status"},
			{"GET", path + "?status=confirmed,maybe", 422, "status"},
			{"GET", path + "?format=xlsx", 422, "format"},
			{"GET", path + "?cursor=!!!", 400, "cursor"},
			{"GET", path + "?cursor=" + url.QueryEscape("OTk6eA"), 400, "cursor"}, // partition 99
			{"GET", path + "?limit=0", 400, "limit"},
			{"POST", path, 405, ""},
		})
	})
}

// badRequest is a request made wrong, and the problem it must get.
type badRequest struct {
	method, path string
	status       int
	field        string // the field the problem names first; "" checks none
}

// wantProblems sends each request as a coordinator and checks that it is
// refused as said, with a problem document, and changes nothing stored
// (no audit entry either).
func (f *fixture) wantProblems(t *testing.T, reqs []badRequest) {
	t.Helper()
	for _, tt := range reqs {
		before := f.db.Snapshot(t)
		r := f.admin(t, tt.method, tt.path, nil)
		if r.status != tt.status {
			t.Errorf("%s %s: status %d, want %d; body %s", tt.method, tt.path, r.status, tt.status, r.body)
			continue
		}
		if p := decodeProblem(t, r); tt.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tt.field) {
			t.Errorf("%s %s: errors %+v, want field %s", tt.method, tt.path, p.Errors, tt.field)
		}
		f.db.Unchanged(t, before)
	}
}

// checkRosterCSV parses an attendee list back as a spreadsheet would and
// compares it with the people who signed up, in list order.
func checkRosterCSV(t *testing.T, body []byte, people []person, policy string) {
	t.Helper()
	rest, ok := bytes.CutPrefix(body, []byte("\uFEFF"))
	if !ok {
		t.Fatalf("no byte order mark: %q", body[:min(len(body), 10)])
	}
	if !bytes.HasSuffix(rest, []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(rest, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("line ends are not all CRLF: %q", rest)
	}
	rd := csv.NewReader(bytes.NewReader(rest))
	rd.Comma = ';'
	records, err := rd.ReadAll()
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, rest)
	}
	wantHeader := []string{"Status", "Wartelistenplatz", "Name", "E-Mail", "Organisation", "Bedarf",
		"Sprache", "Angemeldet am", "Einwilligung am", "Version der Datenschutzhinweise"}
	if len(records) != len(people)+1 || !slices.Equal(records[0], wantHeader) {
		t.Fatalf("%d records, header %q; want %d and %q", len(records), records[0], len(people)+1, wantHeader)
	}
	// A cell that a spreadsheet would run as a formula starts with an
	// apostrophe and keeps the rest; line breaks come back as LF.
	cell := func(s string) string {
		if s != "" && strings.ContainsAny(s[:1], "=+-@\t\r") {
			s = "'" + s
		}
		return strings.ReplaceAll(s, "\r", "\n")
	}
	for i, rec := range records[1:] {
		p := people[i]
		status, pos := "bestätigt", ""
		if i >= 6 {
			status, pos = "Warteliste", string(rune('0'+i-5))
		}
		want := []string{status, pos, cell(p.name), p.email, cell(p.organisation), cell(p.needs), p.locale}
		if !slices.Equal(rec[:7], want) {
			t.Errorf("row %d: %q, want %q", i+1, rec[:7], want)
		}
		if _, err := time.ParseInLocation("02.01.2006 15:04", rec[7], time.UTC); err != nil || rec[8] != rec[7] || rec[9] != policy {
			t.Errorf("row %d: signed up %q, consent %q, policy %q", i+1, rec[7], rec[8], rec[9])
		}
	}
	// The first sign-up was at 09:01 UTC, 10:01 in Berlin.
	if got := records[1][7]; got != "25.11.2026 10:01" {
		t.Errorf("first sign-up at %q, want Berlin time 25.11.2026 10:01", got)
	}
	for _, s := range []string{"Jürgen Größe", "Олена Шевченко", "فاطمة الزهراء", "Dolmetschen Arabisch;\nRollstuhlplatz", `Verein "Brücke"; Eisenach`} {
		if !slices.ContainsFunc(records, func(rec []string) bool { return slices.Contains(rec, s) }) {
			t.Errorf("no cell %q", s)
		}
	}
}
