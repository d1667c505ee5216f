package httpapi_test

import (
	"context"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/email"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// subject is what personEverywhere stored for one address.
type subject struct {
	approved, pending string      // partner applications
	full              event.Event // capacity 1: the person holds the seat
	waitOn            event.Event // capacity 1: the person waits, first in line
}

// personEverywhere stores a record of every kind for addr, through the
// public flows as people make them: a partner application approved and one
// pending review (its review mail in the outbox), a seat at a full event
// and a place on another's waiting list, a contact message sent with the
// address typed in capitals, and a suppression mark from a bounce.
func (f *fixture) personEverywhere(t *testing.T, addr string) subject {
	t.Helper()
	var p subject
	p.approved = f.applyAndConfirm(t, func(m map[string]any) {
		m["organisation"], m["email"], m["contactName"] = "Verein von "+addr, addr, "Anna Löschen"
	}, true)
	if r := f.admin(t, "POST", "/admin/partners/"+p.approved+"/approve", nil); r.status != http.StatusOK {
		t.Fatalf("approve: status %d; body %s", r.status, r.body)
	}
	f.clock.Advance(time.Minute)
	p.pending = f.applyAndConfirm(t, func(m map[string]any) {
		m["organisation"], m["email"] = "Projekt von "+addr, addr
	}, true)
	p.full = f.putEvent(t, 1, nil)
	p.waitOn = f.putEvent(t, 1, func(e *event.Event) { e.Title = map[string]string{"de": "Arbeitsgruppe Wohnen"} })
	f.signUpAs(t, p.waitOn.ID, "sitzt@example.org", event.Confirmed)
	f.signUpAs(t, p.full.ID, addr, event.Confirmed)
	f.signUpAs(t, p.waitOn.ID, addr, event.Waitlisted)
	f.contact(t, strings.ToUpper(addr), "Wie kann ich mitmachen?")
	if err := f.store.Suppress(context.Background(), addr, "bounce:General", f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) contact(t *testing.T, addr, message string) {
	t.Helper()
	r := f.do(t, "POST", "/contact", "application/json", jsonBody(t, map[string]any{
		"name": "Fragende Person", "email": addr, "topic": "general", "message": message, "consent": true,
	}))
	if r.status != http.StatusAccepted {
		t.Fatalf("contact: status %d; body %s", r.status, r.body)
	}
}

type exportBody struct {
	Email         string             `json:"email"`
	ExportedAt    string             `json:"exportedAt"`
	Applications  []adminApplication `json:"applications"`
	Registrations []struct {
		ID    string `json:"id"`
		Event struct {
			ID, Title, StartsAt, EndsAt string
		} `json:"event"`
		Email    string `json:"email"`
		Status   string `json:"status"`
		Position int    `json:"position"`
		Consent  struct {
			At            string `json:"at"`
			PolicyVersion string `json:"policyVersion"`
		} `json:"consent"`
	} `json:"registrations"`
	ContactMessages []struct {
		Email, Message, Reference string
	} `json:"contactMessages"`
	Mails []struct {
		Template string            `json:"template"`
		To       []string          `json:"to"`
		ReplyTo  string            `json:"replyTo"`
		Data     map[string]string `json:"data"`
	} `json:"mails"`
	Suppressions []struct {
		Email, Reason, At string
	} `json:"suppressions"`
}

type auditBody struct {
	Entries []struct {
		Actor, Action, Target string
		Detail                map[string]string
	} `json:"entries"`
}

func TestAdminPeopleExport(t *testing.T) {
	f := newFixture(t)
	const addr = "export.person@example.org"
	p := f.personEverywhere(t, addr)
	// Someone whose address ends like this one is somebody else.
	f.applyAndConfirm(t, func(m map[string]any) { m["email"] = "x" + addr }, true)

	r := f.admin(t, "POST", "/admin/people/export", map[string]string{"email": " Export.Person@EXAMPLE.org "})
	if r.status != http.StatusOK {
		t.Fatalf("status %d; body %s", r.status, r.body)
	}
	got := decodeJSON[exportBody](t, r)
	if got.Email != "Export.Person@example.org" || got.ExportedAt != f.clock.Now().Format(time.RFC3339) {
		t.Errorf("email %q, exportedAt %q", got.Email, got.ExportedAt)
	}

	var apps []string
	for _, a := range got.Applications {
		apps = append(apps, a.ID+" "+a.Status)
		if a.Email != addr || a.Consent.At == "" || a.Consent.PolicyVersion != f.config.Privacy.Version {
			t.Errorf("application %+v: want the address and the consent given", a)
		}
	}
	if want := []string{p.approved + " approved", p.pending + " pending_review"}; !slices.Equal(apps, want) {
		t.Errorf("applications %v, want %v", apps, want)
	}

	var regs []string
	for _, reg := range got.Registrations {
		regs = append(regs, reg.Event.ID+" "+reg.Event.Title+" "+reg.Event.StartsAt+" "+reg.Status)
		if reg.Email != addr || reg.Consent.At == "" || reg.Consent.PolicyVersion != f.config.Privacy.Version {
			t.Errorf("registration %+v: want the address and the consent given", reg)
		}
	}
	slices.Sort(regs)
	starts := p.full.StartsAt.Format(time.RFC3339)
	want := []string{
		p.full.ID + " Netzwerktreffen " + starts + " confirmed",
		p.waitOn.ID + " Arbeitsgruppe Wohnen " + starts + " waitlisted",
	}
	if slices.Sort(want); !slices.Equal(regs, want) {
		t.Errorf("registrations\n %v\nwant\n %v", regs, want)
	}

	if len(got.ContactMessages) != 1 || got.ContactMessages[0].Message != "Wie kann ich mitmachen?" ||
		got.ContactMessages[0].Reference == "" || got.ContactMessages[0].Email != strings.ToUpper("export.person")+"@example.org" {
		t.Errorf("contact messages %+v", got.ContactMessages)
	}

	var templates []string
	for _, m := range got.Mails {
		templates = append(templates, m.Template)
	}
	slices.Sort(templates)
	if want := []string{"contact.ack", "contact.inbox", "event.confirmed", "event.waitlisted",
		"partner.approved", "partner.confirm", "partner.confirm", "partner.review", "partner.review"}; !slices.Equal(templates, want) {
		t.Errorf("mails %v, want %v", templates, want)
	}
	if strings.Contains(string(r.body), "tokenNonce") || strings.Contains(string(r.body), "x"+addr) {
		t.Errorf("the export holds a link nonce or someone else's record: %s", r.body)
	}
	// The applications keep their confirm link's nonce; with the
	// deployment key it opens them, so it is no data about the person.
	for _, appID := range []string{p.approved, p.pending} {
		nonce := testenv.S(f.db.Item(t, f.config.ID+"#application#"+appID, "application"), "linkNonce")
		if nonce == "" || strings.Contains(string(r.body), nonce) || strings.Contains(string(r.body), "linkNonce") {
			t.Errorf("application %s: nonce %q stored, and in the export: %s", appID, nonce, r.body)
		}
	}
	// So do the registrations their cancel link's.
	for _, eventID := range []string{p.full.ID, p.waitOn.ID} {
		nonce := testenv.S(f.regOf(t, eventID, addr), "linkNonce")
		if nonce == "" || strings.Contains(string(r.body), nonce) {
			t.Errorf("registration for %s: nonce %q stored, and in the export: %s", eventID, nonce, r.body)
		}
	}

	if len(got.Suppressions) != 1 || got.Suppressions[0].Email != addr || got.Suppressions[0].Reason != "bounce:General" {
		t.Errorf("suppressions %+v", got.Suppressions)
	}

	t.Run("an unknown address has empty groups", func(t *testing.T) {
		f.clock.Advance(time.Minute)
		r := f.admin(t, "POST", "/admin/people/export", map[string]string{"email": "niemand@example.org"})
		if r.status != http.StatusOK {
			t.Fatalf("status %d; body %s", r.status, r.body)
		}
		for _, group := range []string{"applications", "registrations", "contactMessages", "mails", "suppressions"} {
			if !strings.Contains(string(r.body), `"`+group+`":[]`) {
				t.Errorf("%s is not an empty list: %s", group, r.body)
			}
		}
	})

	t.Run("each export is in the audit trail, without the address", func(t *testing.T) {
		a := f.admin(t, "GET", "/admin/audit", nil)
		if strings.Contains(strings.ToLower(string(a.body)), "export.person") || strings.Contains(string(a.body), "niemand") {
			t.Errorf("the audit trail names the address: %s", a.body)
		}
		entries := decodeJSON[auditBody](t, a).Entries
		if len(entries) < 2 {
			t.Fatalf("entries %+v", entries)
		}
		unknown, known := entries[0], entries[1]
		want := map[string]string{"applications": "2", "registrations": "2", "contactMessages": "1", "mails": "9", "suppressions": "1"}
		if known.Action != "privacy.export" || known.Actor != "koordination@example.org" || !maps.Equal(known.Detail, want) {
			t.Errorf("entry %+v, want privacy.export with %v", known, want)
		}
		if unknown.Action != "privacy.export" || unknown.Detail["applications"] != "0" || unknown.Target == known.Target {
			t.Errorf("entry for the unknown address %+v", unknown)
		}
	})

	t.Run("an invalid address is refused", func(t *testing.T) {
		for _, tt := range []struct {
			body any
			code string
		}{
			{map[string]string{"email": "not-an-address@"}, "invalid"},
			{map[string]string{"email": "not-an-address"}, "email_no_at"},
			{map[string]string{"email": "ännа@example.org"}, "email_non_ascii"},
			{map[string]string{}, "required"},
		} {
			r := f.admin(t, "POST", "/admin/people/export", tt.body)
			if r.status != http.StatusUnprocessableEntity {
				t.Errorf("%v: status %d, want 422", tt.body, r.status)
				continue
			}
			if p := decodeProblem(t, r); len(p.Errors) != 1 || p.Errors[0].Field != "email" || p.Errors[0].Code != tt.code {
				t.Errorf("%v: errors %+v, want email %s", tt.body, p.Errors, tt.code)
			}
		}
	})
}

// regOf is the stored registration of addr for an event.
func (f *fixture) regOf(t *testing.T, eventID, addr string) map[string]types.AttributeValue {
	t.Helper()
	return f.db.Item(t, f.config.ID+"#event#"+eventID, "registration#"+f.keys.EmailHash(email.Key(addr)))
}

func (f *fixture) counters(t *testing.T, eventID string) (confirmed, waiting string) {
	t.Helper()
	e := f.db.Item(t, f.config.ID+"#event#"+eventID, "counters")
	return testenv.N(e, "confirmed"), testenv.N(e, "waiting")
}

func TestAdminPeopleErase(t *testing.T) {
	f := newFixture(t)
	const addr = "anna.loeschen@example.org"
	hash := f.keys.EmailHash(addr)
	p := f.personEverywhere(t, addr)
	// Other people: one waits for the full event, one sits at the other
	// (personEverywhere) and one waits there after the subject; an
	// applicant; and a message that mentions the subject's address.
	f.signUpAs(t, p.full.ID, "warte@example.org", event.Waitlisted)
	f.signUpAs(t, p.waitOn.ID, "danach@example.org", event.Waitlisted)
	f.applyAndConfirm(t, func(m map[string]any) { m["organisation"], m["email"] = "Bleibt e. V.", "bleibt@example.org" }, true)
	f.contact(t, "frage@example.org", "Bitte laden Sie auch Anna.Loeschen@example.org ein.")

	// A cancel link mailed before registrations kept theirs: its token
	// item names the subject's hash.
	f.db.PutLegacyCancelToken(t, f.config.ID, p.full.ID, hash, testenv.S(f.regOf(t, p.full.ID, addr), "id"), f.keys, p.full.EndsAt)

	before := f.db.Snapshot(t)
	mailsBefore := len(*f.mails)
	f.clock.Advance(time.Minute)
	r := f.admin(t, "POST", "/admin/people/erase", map[string]string{"email": "ANNA.Loeschen@example.org"})
	if r.status != http.StatusOK {
		t.Fatalf("status %d; body %s\n%s", r.status, r.body, f.logs.String())
	}
	// Tokens: the legacy cancel link alone; a registration keeps its
	// cancel link in itself, as an application its confirm link.
	wantCounts := map[string]int{"applications": 2, "registrations": 2, "contactMessages": 1, "mails": 9, "suppressions": 1,
		"tokens": 1, "locks": 1, "other": 0, "redacted": 2}
	if got := decodeJSON[struct{ Erased map[string]int }](t, r).Erased; !maps.Equal(got, wantCounts) {
		t.Errorf("erased %v, want %v", got, wantCounts)
	}
	after := f.db.Snapshot(t)

	t.Run("a scan of the whole table finds neither the address nor its hash", func(t *testing.T) {
		for k, item := range after {
			if found := append(testenv.Traces(item, addr), testenv.Traces(item, hash)...); len(found) > 0 {
				t.Errorf("item %s still holds it in %v: %s", k, found, testenv.Plain(item))
			}
		}
		t.Logf("scanned %d items after the erasure, %d before", len(after), len(before))
	})

	t.Run("the seat went to the subject waiting, who alone was told", func(t *testing.T) {
		if c, w := f.counters(t, p.full.ID); c != "1" || w != "0" {
			t.Errorf("full event: confirmed %s, waiting %s; want 1, 0", c, w)
		}
		if st := testenv.S(f.regOf(t, p.full.ID, "warte@example.org"), "status"); st != "confirmed" {
			t.Errorf("the waiting subject's status %q, want confirmed", st)
		}
		if c, w := f.counters(t, p.waitOn.ID); c != "1" || w != "1" {
			t.Errorf("other event: confirmed %s, waiting %s; want 1, 1", c, w)
		}
		if st := testenv.S(f.regOf(t, p.waitOn.ID, "danach@example.org"), "status"); st != "waitlisted" {
			t.Errorf("the one waiting after: status %q, want waitlisted", st)
		}
		newMails := (*f.mails)[mailsBefore:]
		if len(newMails) != 1 {
			t.Fatalf("mails queued by the erasure %v, want the one promotion", newMails)
		}
		if m := f.db.Mail(t, f.config.ID, newMails[0]); m.Template != "event.promoted" || !slices.Equal(m.To, []string{"warte@example.org"}) {
			t.Errorf("mail %s to %v, want event.promoted to the waiting subject", m.Template, m.To)
		}
	})

	t.Run("other people's records are untouched, a mention blanked out", func(t *testing.T) {
		// The counters of both events, the promoted registration; and
		// the links and the lock of the subject's applications, which name
		// only the application.
		changed := map[string]bool{
			f.config.ID + "#event#" + p.full.ID + "|counters":                                              true,
			f.config.ID + "#event#" + p.waitOn.ID + "|counters":                                            true,
			f.config.ID + "#event#" + p.full.ID + "|registration#" + f.keys.EmailHash("warte@example.org"): true,
		}
		for k, item := range before {
			if ref := testenv.S(item, "ref"); ref == p.approved || ref == p.pending {
				if after[k] != nil {
					t.Errorf("%s of the subject's application is left", k)
				}
				changed[k] = true
			}
		}
		var redacted []string
		for k, item := range before {
			if len(testenv.Traces(item, addr))+len(testenv.Traces(item, hash)) > 0 {
				if after[k] != nil {
					redacted = append(redacted, k)
				}
				continue
			}
			if !changed[k] && !reflect.DeepEqual(item, after[k]) {
				t.Errorf("item %s changed:\n before %s\n after  %s", k, testenv.Plain(item), testenv.Plain(after[k]))
			}
		}
		if len(redacted) != 2 {
			t.Fatalf("records mentioning the address %v, want the message and its inbox mail", redacted)
		}
		for _, k := range redacted {
			item := after[k]
			text := testenv.S(item, "message")
			if testenv.S(item, "sk") == "outbox" {
				m := f.db.Mail(t, f.config.ID, testenv.S(item, "id"))
				text = m.Data["message"]
				if m.ReplyTo != "frage@example.org" || m.Template != "contact.inbox" {
					t.Errorf("mail %s with Reply-To %q, want the inbox mail from the sender", m.Template, m.ReplyTo)
				}
			} else if testenv.S(item, "email") != "frage@example.org" {
				t.Errorf("%s: want the sender's message", k)
			}
			if want := "Bitte laden Sie auch [gelöscht] ein."; text != want {
				t.Errorf("%s: message %q, want %q", k, text, want)
			}
		}
	})

	t.Run("the approved partner left the public list", func(t *testing.T) {
		pub := f.do(t, "GET", "/partners", "", nil)
		if strings.Contains(string(pub.body), "Verein von") {
			t.Errorf("public list %s", pub.body)
		}
	})

	t.Run("the audit trail records the erasure, without the address", func(t *testing.T) {
		a := f.admin(t, "GET", "/admin/audit", nil)
		if len(testenv.Traces(map[string]types.AttributeValue{"body": &types.AttributeValueMemberS{Value: string(a.body)}}, addr)) > 0 ||
			strings.Contains(string(a.body), hash) {
			t.Errorf("the audit trail names the address: %s", a.body)
		}
		e := decodeJSON[auditBody](t, a).Entries[0]
		want := map[string]string{}
		for k, v := range wantCounts {
			want[k] = strconv.Itoa(v)
		}
		if e.Action != "privacy.erase" || e.Actor != "koordination@example.org" || !strings.HasPrefix(e.Target, "privacy-request/") ||
			!maps.Equal(e.Detail, want) {
			t.Errorf("entry %+v, want privacy.erase with %v", e, want)
		}
	})

	t.Run("erasing twice is harmless", func(t *testing.T) {
		f.clock.Advance(time.Minute)
		r := f.admin(t, "POST", "/admin/people/erase", map[string]string{"email": addr})
		got := decodeJSON[struct{ Erased map[string]int }](t, r).Erased
		if r.status != http.StatusOK || len(got) != len(wantCounts) || slices.ContainsFunc(slices.Collect(maps.Values(got)), func(n int) bool { return n != 0 }) {
			t.Errorf("second erasure: status %d, erased %v; want 200 and zeros", r.status, got)
		}
		entries := decodeJSON[auditBody](t, f.admin(t, "GET", "/admin/audit", nil)).Entries
		if e := entries[0]; e.Action != "privacy.erase" || e.Detail["mails"] != "0" {
			t.Errorf("second entry %+v, want privacy.erase with zero counts", e)
		}
		if n := len(f.db.Snapshot(t)); n != len(after)+1 {
			t.Errorf("items %d, want %d and the second audit entry", n, len(after)+1)
		}
	})
}
