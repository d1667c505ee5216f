package httpapi_test

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/email"
	"github.com/wartburgkreis/netzwerk/shared/id"
)

// contactMessage sends the contact form one minute after the previous
// message; it returns the message's id and the ids of its two mails (to
// the inbox, acknowledgement).
func (f *fixture) contactMessage(t *testing.T, topic, sender string) (string, []string) {
	t.Helper()
	f.clock.Advance(time.Minute)
	before := len(*f.mails)
	r := f.do(t, "POST", "/contact", "application/json", jsonBody(t, map[string]any{
		"name": "Amira Haddad", "email": sender, "topic": topic, "consent": true,
		"message": "Wann beginnt der nächste Kurs?", "phone": "03691 123456",
	}))
	if r.status != http.StatusAccepted {
		t.Fatalf("contact: status %d; body %s", r.status, r.body)
	}
	return decodeJSON[struct{ ID string }](t, r).ID, slices.Clone((*f.mails)[before:])
}

type adminMessage struct {
	ID, Reference, Status, Topic, Name, Email, Phone, Message, Locale, Inbox string
	DoneAt, DoneBy, CreatedAt, ExpiresAt                                     string
	Consent                                                                  struct{ At, PolicyVersion string }
}

// listIDs follows a list's cursors from path and returns the id of every
// item, in order; key is the list's field in the answer.
func (f *fixture) listIDs(t *testing.T, path, key string) []string {
	t.Helper()
	return f.listField(t, path, key, "id")
}

// listField follows a list's cursors from path and returns field of every
// item, in order.
func (f *fixture) listField(t *testing.T, path, key, field string) []string {
	t.Helper()
	var ids []string
	next := path
	for range 20 {
		got := decodeJSON[map[string]any](t, f.admin(t, "GET", next, nil))
		items, ok := got[key].([]any)
		if !ok {
			t.Fatalf("%s: no list %q in %v", next, key, got)
		}
		for _, it := range items {
			ids = append(ids, it.(map[string]any)[field].(string))
		}
		cursor, _ := got["nextCursor"].(string)
		if cursor == "" {
			return ids
		}
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		next = path + sep + "cursor=" + url.QueryEscape(cursor)
	}
	t.Fatalf("%s: more than 20 pages", path)
	return nil
}

func TestAdminMessages(t *testing.T) {
	f := newFixture(t)
	general, _ := f.contactMessage(t, "general", "amira@example.org")
	housing, _ := f.contactMessage(t, "housing", "wohnung@example.org")
	housing2, _ := f.contactMessage(t, "housing", "zweite@example.org")
	language, _ := f.contactMessage(t, "language-courses", "kurs@example.org")

	t.Run("a message has everything the sender gave", func(t *testing.T) {
		got := decodeJSON[struct{ Messages []adminMessage }](t, f.admin(t, "GET", "/admin/messages?topic=general", nil))
		if len(got.Messages) != 1 {
			t.Fatalf("messages %+v, want the one on general", got.Messages)
		}
		m := got.Messages[0]
		if m.ID != general || m.Status != "open" || m.Email != "amira@example.org" || m.Name != "Amira Haddad" ||
			m.Phone != "03691 123456" || m.Message != "Wann beginnt der nächste Kurs?" || m.Inbox != f.config.MainInbox() ||
			!strings.HasPrefix(m.Reference, "K-") || m.Consent.PolicyVersion != f.config.Privacy.Version || m.DoneBy != "" {
			t.Errorf("message %+v", m)
		}
	})

	t.Run("done marks who and when, once", func(t *testing.T) {
		f.clock.Advance(time.Hour)
		r := f.admin(t, "POST", "/admin/messages/"+housing+"/done", nil)
		if r.status != http.StatusOK {
			t.Fatalf("status %d; body %s", r.status, r.body)
		}
		got := decodeJSON[struct {
			Message adminMessage
			Changed bool
		}](t, r)
		if !got.Changed || got.Message.Status != "done" || got.Message.DoneBy != "koordination@example.org" ||
			got.Message.DoneAt != f.clock.Now().UTC().Format(time.RFC3339) || got.Message.Topic != "housing" {
			t.Errorf("got %+v", got)
		}
		before := f.db.Snapshot(t)
		f.clock.Advance(time.Minute)
		again := decodeJSON[struct {
			Message adminMessage
			Changed bool
		}](t, f.admin(t, "POST", "/admin/messages/"+housing+"/done", nil))
		if again.Changed || again.Message.DoneAt != got.Message.DoneAt {
			t.Errorf("second mark %+v, want the first one unchanged", again)
		}
		f.db.Unchanged(t, before)
		trail := f.auditTrail(t)
		if len(trail) != 1 || trail[0].Action != "message.done" || trail[0].Target != "message/"+housing ||
			trail[0].Detail["topic"] != "housing" || trail[0].Actor != "koordination@example.org" {
			t.Errorf("audit %+v, want one message.done entry", trail)
		}
	})

	t.Run("lists filter by topic and status, newest first, over pages", func(t *testing.T) {
		for _, tt := range []struct {
			query string
			want  []string
		}{
			{"", []string{language, housing2, housing, general}},
			{"?limit=1", []string{language, housing2, housing, general}},
			{"?status=open", []string{language, housing2, general}},
			{"?status=open&limit=1", []string{language, housing2, general}},
			{"?status=done", []string{housing}},
			{"?topic=housing&limit=1", []string{housing2, housing}},
			{"?topic=housing&status=open", []string{housing2}},
			{"?topic=joining", nil},
		} {
			if got := f.listIDs(t, "/admin/messages"+tt.query, "messages"); !slices.Equal(got, tt.want) {
				t.Errorf("%q: ids %v, want %v", tt.query, got, tt.want)
			}
		}
	})

	t.Run("an expired message is gone", func(t *testing.T) {
		g := newFixture(t)
		old, _ := g.contactMessage(t, "general", "alt@example.org")
		g.clock.Advance(181 * 24 * time.Hour)
		if got := g.listIDs(t, "/admin/messages", "messages"); len(got) != 0 {
			t.Errorf("list %v, want none", got)
		}
		if r := g.admin(t, "POST", "/admin/messages/"+old+"/done", nil); r.status != http.StatusNotFound {
			t.Errorf("done: status %d, want 404", r.status)
		}
	})

	t.Run("bad requests", func(t *testing.T) {
		f.wantProblems(t, []badRequest{
			{"GET", "/admin/messages?topic=weather", 422, "topic"},
			{"GET", "/admin/messages?status=closed", 422, "status"},
			{"GET", "/admin/messages?cursor=!!!", 400, "cursor"},
			{"POST", "/admin/messages/" + id.New(f.clock.Now()) + "/done", 404, ""},
			{"POST", "/admin/messages/NOT-AN-ID/done", 404, ""},
			{"GET", "/admin/messages/" + general + "/done", 405, ""},
		})
	})
}

type adminMail struct {
	ID, Status, Template, Locale, Reason                             string
	To, Cc                                                           []string
	Attempts                                                         int
	CreatedAt, NextAttemptAt, ParkedAt, SentAt, RetriedAt, RetriedBy string
}

func TestAdminMail(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, first := f.contactMessage(t, "housing", "amira@example.org")
	_, second := f.contactMessage(t, "general", "bounced@example.org")
	toInbox, ack, parkedAck := first[0], first[1], second[1]
	// A worker tries each: the first message's mails go out, the second's
	// acknowledgement is parked, its inbox mail stays pending.
	attempt := func(mailID string, park bool) {
		t.Helper()
		f.clock.Advance(time.Second)
		lease := f.clock.Now().Add(time.Minute)
		if _, err := f.store.Claim(ctx, mailID, f.clock.Now(), lease); err != nil {
			t.Fatal(err)
		}
		if park {
			err := f.store.Park(ctx, mailID, lease, f.clock.Now(), "rejected:MessageRejected")
			if err != nil {
				t.Fatal(err)
			}
			return
		}
		if err := f.store.MarkSent(ctx, mailID, lease, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	attempt(toInbox, false)
	attempt(ack, false)
	attempt(parkedAck, true)
	parkedAt := f.clock.Now().UTC().Format(time.RFC3339)

	t.Run("parked mail with its reason, the default list", func(t *testing.T) {
		for _, path := range []string{"/admin/mail", "/admin/mail?status=failed"} {
			got := decodeJSON[struct{ Mails []adminMail }](t, f.admin(t, "GET", path, nil))
			if len(got.Mails) != 1 {
				t.Fatalf("%s: mails %+v, want the parked one", path, got.Mails)
			}
			m := got.Mails[0]
			if m.ID != parkedAck || m.Status != "failed" || m.Template != "contact.ack" || m.Reason != "rejected:MessageRejected" ||
				m.Attempts != 1 || !slices.Equal(m.To, []string{"bounced@example.org"}) || m.ParkedAt != parkedAt ||
				m.CreatedAt == "" || m.NextAttemptAt != "" {
				t.Errorf("%s: mail %+v", path, m)
			}
		}
	})

	t.Run("sent mail keeps no recipients, newest first", func(t *testing.T) {
		got := decodeJSON[struct{ Mails []adminMail }](t, f.admin(t, "GET", "/admin/mail?status=sent", nil))
		var ids []string
		for _, m := range got.Mails {
			ids = append(ids, m.ID)
			if m.Status != "sent" || m.SentAt == "" || len(m.To) != 0 || len(m.Cc) != 0 {
				t.Errorf("sent mail %+v", m)
			}
		}
		if want := []string{ack, toInbox}; !slices.Equal(ids, want) {
			t.Errorf("ids %v, want %v", ids, want)
		}
		if got := f.listIDs(t, "/admin/mail?status=sent&limit=1", "mails"); !slices.Equal(got, []string{ack, toInbox}) {
			t.Errorf("over pages %v", got)
		}
	})

	t.Run("retry puts parked mail back, due now", func(t *testing.T) {
		f.clock.Advance(time.Hour)
		// A contact mail the notifier has not tried is the sweeper's, and
		// listed, once the sweeper's reconcile hands it over.
		if n, err := f.api.Contact.Reconcile(ctx); n != 1 || err != nil {
			t.Fatalf("reconcile: %d, %v; want the second message's inbox mail handed over", n, err)
		}
		f.clock.Advance(time.Second)
		r := f.admin(t, "POST", "/admin/mail/"+parkedAck+"/retry", nil)
		if r.status != http.StatusOK {
			t.Fatalf("status %d; body %s", r.status, r.body)
		}
		now := f.clock.Now().UTC().Format(time.RFC3339)
		m := decodeJSON[adminMail](t, r)
		if m.Status != "pending" || m.NextAttemptAt != now || m.RetriedAt != now || m.RetriedBy != "koordination@example.org" ||
			m.Attempts != 1 || m.Reason != "rejected:MessageRejected" {
			t.Errorf("answer %+v", m)
		}
		if got := f.listIDs(t, "/admin/mail?status=failed", "mails"); len(got) != 0 {
			t.Errorf("parked after retry: %v", got)
		}
		// Pending mail comes in the order the sweeper takes it: the inbox
		// mail of the second message was due first.
		if got, want := f.listIDs(t, "/admin/mail?status=pending", "mails"), []string{second[0], parkedAck}; !slices.Equal(got, want) {
			t.Errorf("pending %v, want %v", got, want)
		}
		due, err := f.store.Due(ctx, f.clock.Now(), 10)
		if err != nil || !slices.Contains(due, parkedAck) {
			t.Errorf("due %v, %v; want the retried mail", due, err)
		}
		f.clock.Advance(time.Second)
		item, err := f.store.Claim(ctx, parkedAck, f.clock.Now(), f.clock.Now().Add(time.Minute))
		if err != nil || item.Attempts != 2 || !slices.Equal(item.To, []string{"bounced@example.org"}) {
			t.Errorf("claim after retry: %+v, %v; want the mail with its recipient, second attempt", item, err)
		}
		trail := f.auditTrail(t)
		if len(trail) != 1 || trail[0].Action != "mail.retry" || trail[0].Target != "mail/"+parkedAck ||
			trail[0].Detail["template"] != "contact.ack" || trail[0].Detail["attempts"] != "1" {
			t.Errorf("audit %+v", trail)
		}
	})

	t.Run("only parked mail can be retried", func(t *testing.T) {
		f.wantProblems(t, []badRequest{
			{"POST", "/admin/mail/" + parkedAck + "/retry", 409, ""}, // pending again
			{"POST", "/admin/mail/" + toInbox + "/retry", 409, ""},   // sent
			{"POST", "/admin/mail/" + second[0] + "/retry", 409, ""}, // pending
			{"POST", "/admin/mail/" + id.New(f.clock.Now()) + "/retry", 404, ""},
			{"POST", "/admin/mail/not-an-id/retry", 404, ""},
		})
	})

	t.Run("bad list parameters", func(t *testing.T) {
		f.wantProblems(t, []badRequest{
			{"GET", "/admin/mail?status=bounced", 422, "status"},
			{"GET", "/admin/mail?cursor=!!!", 400, "cursor"},
			{"GET", "/admin/mail?limit=201", 400, "limit"},
		})
	})
}

type adminSuppression struct {
	Hash, Email, Reason, At, ExpiresAt string
}

func TestAdminSuppressions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	addrs := []string{"alt@example.org", "beschwerde@example.org", "Neu@Example.org"}
	for i, a := range addrs {
		norm, err := email.Normalize(a)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.store.Suppress(ctx, norm, []string{"bounce:General", "complaint:abuse", "bounce:NoEmail"}[i], f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Minute)
	}
	hash := func(a string) string { return f.keys.EmailHash(email.Key(a)) }

	t.Run("newest first, with the hash to delete by", func(t *testing.T) {
		got := decodeJSON[struct{ Suppressions []adminSuppression }](t, f.admin(t, "GET", "/admin/suppressions", nil))
		var emails []string
		for _, s := range got.Suppressions {
			emails = append(emails, s.Email)
			if s.Hash != hash(s.Email) || s.At == "" || s.ExpiresAt == "" || s.Reason == "" {
				t.Errorf("suppression %+v", s)
			}
		}
		if want := []string{"Neu@example.org", "beschwerde@example.org", "alt@example.org"}; !slices.Equal(emails, want) {
			t.Errorf("emails %v, want %v", emails, want)
		}
		if len(got.Suppressions) == 3 && got.Suppressions[1].Reason != "complaint:abuse" {
			t.Errorf("reason %q, want complaint:abuse", got.Suppressions[1].Reason)
		}
		if ids := f.listField(t, "/admin/suppressions?limit=1", "suppressions", "email"); !slices.Equal(ids, emails) {
			t.Errorf("over pages %v, want %v", ids, emails)
		}
	})

	t.Run("deleting lets mail reach the address again", func(t *testing.T) {
		h := hash("beschwerde@example.org")
		r := f.admin(t, "DELETE", "/admin/suppressions/"+h, nil)
		if r.status != http.StatusNoContent || len(r.body) != 0 {
			t.Fatalf("status %d, body %q; want 204 and nothing", r.status, r.body)
		}
		got, err := f.store.Suppressed(ctx, []string{"beschwerde@example.org", "alt@example.org"})
		if err != nil || len(got) != 1 || got["alt@example.org"] == "" {
			t.Errorf("suppressed %v, %v; want only the other address", got, err)
		}
		if emails := f.listField(t, "/admin/suppressions", "suppressions", "email"); slices.Contains(emails, "beschwerde@example.org") {
			t.Errorf("still listed: %v", emails)
		}
		trail := f.auditTrail(t)
		if len(trail) != 1 || trail[0].Action != "suppression.delete" || trail[0].Detail["reason"] != "complaint:abuse" {
			t.Fatalf("audit %+v", trail)
		}
		// The trail outlives an erasure: it names neither the address nor its hash.
		if s := trail[0].Target + " " + strings.Join(slices.Collect(maps.Values(trail[0].Detail)), " "); strings.Contains(s, h) || strings.Contains(s, "beschwerde") {
			t.Errorf("audit entry %+v names the address", trail[0])
		}
		if r := f.admin(t, "DELETE", "/admin/suppressions/"+h, nil); r.status != http.StatusNotFound {
			t.Errorf("deleting again: status %d, want 404", r.status)
		}
	})

	t.Run("bad hashes are unknown", func(t *testing.T) {
		var reqs []badRequest
		for _, h := range []string{
			strings.Repeat("a", 64),                  // well-formed, suppressed nowhere
			strings.ToUpper(hash("alt@example.org")), // upper case
			hash("alt@example.org")[:63],             // short
			hash("alt@example.org") + "0",            // long
			strings.Repeat("g", 64),                  // not hex
			"alt@example.org",                        // an address
		} {
			reqs = append(reqs, badRequest{"DELETE", "/admin/suppressions/" + url.PathEscape(h), 404, ""})
		}
		f.wantProblems(t, reqs)
	})
}
