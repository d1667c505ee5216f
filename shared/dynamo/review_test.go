package dynamo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/audit"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/listing"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// TestDecide: a decision replaces the application whole, with its mail and
// audit entry in the same transaction; the organisation may apply again;
// an approved partner has no expiry left, a rejected one a short one; and
// only an application pending review can be decided.
func TestDecide(t *testing.T) {
	tests := []struct {
		name      string
		to        partner.Status
		expiresAt time.Duration // from now; 0 for none
		template  string
	}{
		{"approve", partner.Approved, 0, "partner.approved"},
		{"reject", partner.Rejected, 30 * 24 * time.Hour, "partner.rejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			f := e.fixture("Beispielverein e. V.", "verein@example.org")
			e.create(f)
			now := e.clock.Now()
			if err := e.store.Confirm(ctx, f.app.ID, now, now.Add(network.Days(180)), e.reviewMail(f.app.ID)); err != nil {
				t.Fatal(err)
			}
			app, err := e.store.Application(ctx, f.app.ID)
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(time.Hour)
			now = e.clock.Now()
			decided := app
			decided.Status, decided.DecidedAt, decided.DecidedBy, decided.Reason = tt.to, now, "k@example.org", "Grund"
			decided.ExpiresAt = time.Time{}
			if tt.expiresAt > 0 {
				decided.ExpiresAt = now.Add(tt.expiresAt)
			}
			m := outbox.Mail{ID: id.New(now), Template: tt.template, Locale: "de", To: []string{app.Email}, CreatedAt: now}
			entry := audit.New(e.cfg, now, "k@example.org", "partner.decide", "application/"+app.ID, nil)
			before := len(e.mails)
			if err := e.store.Decide(ctx, decided, m, entry); err != nil {
				t.Fatalf("Decide: %v", err)
			}

			got, err := e.store.Application(ctx, app.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := decided
			want.ExpiresAt = decided.ExpiresAt.Truncate(time.Second)
			equal(t, "Application", got, want)
			item := e.raw(e.appPK(app.ID))
			if got := testenv.S(item, "gsi1pk"); got != e.statusPK(tt.to) {
				t.Errorf("gsi1pk %q, want %q", got, e.statusPK(tt.to))
			}
			if got := testenv.N(item, "expiresAt"); (tt.expiresAt == 0) != (got == "") {
				t.Errorf("expiresAt %q, want one only for %v", got, tt.expiresAt)
			}
			if lock := e.raw(e.lockPK(app.DedupKey)); lock != nil {
				t.Errorf("lock still there: %v", lock)
			}
			if len(e.mails) != before+1 || len(e.mails[before]) != 1 || e.mails[before][0] != m.ID {
				t.Errorf("mails %v, want %s", e.mails[before:], m.ID)
			}
			page, err := e.store.Audit(ctx, listing.Query{Limit: 10})
			if err != nil || len(page.Items) != 1 || page.Items[0].Target != "application/"+app.ID {
				t.Errorf("audit %+v, %v", page.Items, err)
			}

			// Deciding again, or deciding what is not pending review, fails
			// and writes nothing.
			again := m
			again.ID = id.New(now)
			if err := e.store.Decide(ctx, decided, again, audit.New(e.cfg, now, "k", "x", "y", nil)); !errors.Is(err, partner.ErrState) {
				t.Errorf("second Decide: %v, want ErrState", err)
			}
			if e.raw(e.mailPK(again.ID)) != nil {
				t.Error("the refused decision wrote its mail")
			}
			// The organisation may apply again with the same address.
			g := e.fixture("Beispielverein e. V.", "verein@example.org")
			e.create(g)
		})
	}
}
