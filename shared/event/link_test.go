package event_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/secret"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// lookupCode is Lookup's answer as code and message, "" for success.
func (e *env) lookupCode(t *testing.T, token string) string {
	t.Helper()
	_, err := e.svc.Lookup(context.Background(), token)
	return testenv.Answer(t, err)
}

// TestLookupRefusesLikeUnknown: a link that names a registration answers a
// stranger's guess exactly as an unknown token does, whatever part is
// wrong, so no answer tells that an event has a registration of an address.
func TestLookupRefusesLikeUnknown(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev := e.newEvent(5, nil)
	other := e.newEvent(5, nil)
	_, annaMail := e.register(ev.ID, "Anna", "anna@example.org")
	_, berndMail := e.register(ev.ID, "Bernd", "bernd@example.org")
	e.register(other.ID, "Anna", "anna@example.org")
	token, berndToken := e.link(annaMail), e.link(berndMail)
	tok := token[strings.LastIndex(token, ".")+1:]
	berndTok := berndToken[strings.LastIndex(berndToken, ".")+1:]
	anna, bernd := e.hash("anna@example.org"), e.hash("bernd@example.org")
	partnerToken := e.partnerLink("anna@example.org")
	partnerRef := partnerToken[:strings.LastIndex(partnerToken, ".")]
	flip := func(s string, i int) string {
		b := []byte(s)
		b[i] ^= 1
		return string(b)
	}
	unknown := e.lookupCode(t, e.keys.Token(secret.NewNonce()))
	if unknown != "not_found problem.link_invalid" {
		t.Fatalf("unknown token: %q, want not_found problem.link_invalid", unknown)
	}
	if got := e.lookupCode(t, token); got != "" {
		t.Fatalf("the right link: %q, want it to work", got)
	}
	for _, c := range []struct{ name, token string }{
		{"token tampered, last character", flip(token, len(token)-1)},
		{"token tampered, first character", "r." + ev.ID + anna + "." + flip(tok, 0)},
		{"token truncated", token[:len(token)-1]},
		{"token lengthened", token + "A"},
		{"another registration's hash", "r." + ev.ID + bernd + "." + tok},
		{"another registration's token", "r." + ev.ID + anna + "." + berndTok},
		{"the same address at another event", "r." + other.ID + anna + "." + tok},
		{"unknown event", "r." + id.New(start) + anna + "." + tok},
		{"unknown address", "r." + ev.ID + strings.Repeat("0", 64) + "." + tok},
		{"the nonce instead of the token", "r." + ev.ID + anna + "." + annaMail.TokenNonce},
		{"another kind", "a." + ev.ID + anna + "." + tok},
		{"a partner's confirm link", partnerToken},
		{"a partner's ref with this token", partnerRef + "." + tok},
		{"event id in upper case", "r." + strings.ToUpper(ev.ID) + anna + "." + tok},
		{"hash in upper case", "r." + ev.ID + strings.ToUpper(anna) + "." + tok},
		{"hash not hex", "r." + ev.ID + "g" + anna[1:] + "." + tok},
		{"hash a character short", "r." + ev.ID + anna[1:] + "." + tok},
		{"hash a character long", "r." + ev.ID + anna + "0." + tok},
		{"event id alone", "r." + ev.ID + "." + tok},
		{"event id not an id", "r." + "u" + ev.ID[1:] + anna + "." + tok},
		{"a segment more", token + ".x"},
		{"empty kind", "." + ev.ID + anna + "." + tok},
		{"empty ref", "r.." + tok},
		{"empty token", "r." + ev.ID + anna + "."},
		{"only dots", ".."},
		{"one dot", "r." + ev.ID + anna},
		{"the bare token without its registration", tok},
		{"too long", token + strings.Repeat("A", 200-len(token)+1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := e.db.Snapshot(e.t)
			if got := e.lookupCode(t, c.token); got != unknown {
				t.Errorf("Lookup(%q) = %q, want %q as for an unknown token", c.token, got, unknown)
			}
			if _, err := e.svc.Cancel(ctx, c.token); err == nil {
				t.Errorf("Cancel(%q) succeeded", c.token)
			}
			e.db.Unchanged(t, before)
		})
	}
	t.Run("after the event", func(t *testing.T) {
		// Right, it is "gone"; wrong, it must not say the registration was
		// ever there.
		e.clock.Set(ev.EndsAt.Add(time.Hour))
		if got := e.lookupCode(t, "r."+ev.ID+anna+"."+berndTok); got != unknown {
			t.Errorf("Lookup(a wrong token) = %q, want %q", got, unknown)
		}
		if got := e.lookupCode(t, token); got != "gone problem.gone" {
			t.Errorf("Lookup(the right token) = %q, want gone problem.gone", got)
		}
	})
}

// TestEveryMailCarriesTheSameLink: every mail about a registration carries
// the link of its first mail (a repeat, an updated invitation, a promotion,
// a reminder), no token item is written, and the link follows the event
// when it moves.
func TestEveryMailCarriesTheSameLink(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev, _, _, annaMail, berndMail := e.seatAndWaiter()
	anna, bernd := e.link(annaMail), e.link(berndMail)

	sameLink := func(t *testing.T, template, want string, ms []testenv.StoredMail) {
		t.Helper()
		if len(ms) != 1 {
			t.Fatalf("%d %s mails, want 1", len(ms), template)
		}
		equal(t, template+" link", e.link(ms[0]), want)
	}

	t.Run("a repeat", func(t *testing.T) {
		n := len(*e.mails)
		if _, err := e.svc.Register(ctx, ev.ID, input("Bernd", "Bernd@example.org"), "en"); err != nil {
			t.Fatal(err)
		}
		sameLink(t, "event.waitlisted", bernd, e.mailsTo(n)["event.waitlisted bernd@example.org"])
	})

	moved := ev.StartsAt.Add(48 * time.Hour)
	t.Run("an updated invitation", func(t *testing.T) {
		e.clock.Advance(time.Hour)
		n := len(*e.mails)
		if _, err := e.patch(e.admin(1), ev.ID, map[string]any{
			"startsAt": moved.Format(time.RFC3339), "endsAt": moved.Add(2 * time.Hour).Format(time.RFC3339),
		}); err != nil {
			t.Fatal(err)
		}
		byTo := e.mailsTo(n)
		sameLink(t, "event.updated", anna, byTo["event.updated anna@example.org"])
		sameLink(t, "event.updated", bernd, byTo["event.updated bernd@example.org"])
	})

	t.Run("a promotion", func(t *testing.T) {
		n := len(*e.mails)
		if _, err := e.svc.Cancel(ctx, anna); err != nil {
			t.Fatal(err)
		}
		sameLink(t, "event.promoted", bernd, e.mailsTo(n)["event.promoted bernd@example.org"])
	})

	t.Run("a reminder", func(t *testing.T) {
		e.clock.Set(moved.Add(-time.Hour))
		n := len(*e.mails)
		if _, err := e.svc.QueueReminders(ctx); err != nil {
			t.Fatal(err)
		}
		sameLink(t, "event.reminder", bernd, e.mailsTo(n)["event.reminder bernd@example.org"])
	})

	equal(t, "token items", e.tokenItems(), 0)

	t.Run("the link works until the event as moved ends", func(t *testing.T) {
		e.clock.Set(moved.Add(time.Hour)) // after the first end, before the new one
		if status, err := e.svc.Cancel(ctx, bernd); err != nil || status != event.Cancelled {
			t.Fatalf("Cancel = %q, %v; want cancelled", status, err)
		}
		equal(t, "status", e.registration(ev.ID, "bernd@example.org").Status, event.Cancelled)
	})
}

// legacy turns the registration of addr into one stored before
// registrations kept their link: no nonce in it, and a token item behind
// the link it was mailed, which it returns.
func (e *env) legacy(eventID, addr string, r event.Registration) string {
	e.t.Helper()
	ctx := context.Background()
	pk, sk := e.cfg.ID+"#event#"+eventID, "registration#"+e.hash(addr)
	// Written whole: not every emulator honours REMOVE.
	item := e.db.Item(e.t, pk, sk)
	delete(item, "linkNonce")
	if _, err := e.db.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &e.db.Table, Item: item}); err != nil {
		e.t.Fatalf("PutItem: %v", err)
	}
	return e.db.PutLegacyCancelToken(e.t, e.cfg.ID, eventID, e.hash(addr), r.ID, e.keys, e.event(eventID).EndsAt)
}

// TestLegacyLink: a registration stored before registrations kept their
// link keeps its mailed link (a token item) until the event ends, and each
// later mail about it brings a new token item, as before.
func TestLegacyLink(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ev, a, b, _, _ := e.seatAndWaiter()
	annaOld, berndOld := e.legacy(ev.ID, "anna@example.org", a), e.legacy(ev.ID, "bernd@example.org", b)

	p, err := e.svc.Lookup(ctx, berndOld)
	if err != nil {
		t.Fatalf("Lookup(old link): %v", err)
	}
	equal(t, "old link's registration", p.Registration.ID, b.ID)

	t.Run("a repeat mails a new token item", func(t *testing.T) {
		n, tokens := len(*e.mails), e.tokenItems()
		if _, err := e.svc.Register(ctx, ev.ID, input("Anna", "anna@example.org"), "de"); err != nil {
			t.Fatal(err)
		}
		ms := e.mailsSince(n)
		if len(ms) != 1 || ms[0].LinkRef != "" {
			t.Fatalf("mails %+v, want one with a bare token", ms)
		}
		equal(t, "token items", e.tokenItems(), tokens+1)
		p, err := e.svc.Lookup(ctx, e.link(ms[0]))
		if err != nil || p.Registration.ID != a.ID {
			t.Errorf("Lookup(new link) = %+v, %v; want %s", p.Registration, err, a.ID)
		}
	})

	t.Run("the old link cancels; the promotion mails a new token item", func(t *testing.T) {
		n, tokens := len(*e.mails), e.tokenItems()
		if status, err := e.svc.Cancel(ctx, annaOld); err != nil || status != event.Cancelled {
			t.Fatalf("Cancel(old link) = %q, %v", status, err)
		}
		promoted := e.mailsTo(n)["event.promoted bernd@example.org"]
		if len(promoted) != 1 || promoted[0].LinkRef != "" {
			t.Fatalf("promotion mails %+v, want one with a bare token", promoted)
		}
		equal(t, "token items", e.tokenItems(), tokens+1)
		if got := e.lookupCode(t, e.link(promoted[0])); got != "" {
			t.Errorf("Lookup(promotion link) = %q, want it to work", got)
		}
		if got := e.lookupCode(t, berndOld); got != "" {
			t.Errorf("Lookup(Bernd's first link) = %q, want it to work still", got)
		}
	})

	t.Run("until the event ends", func(t *testing.T) {
		e.clock.Set(ev.EndsAt)
		if got := e.lookupCode(t, berndOld); got != "gone problem.gone" {
			t.Errorf("Lookup(old link) = %q, want gone problem.gone", got)
		}
	})
}
