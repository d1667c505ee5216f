package partner_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/secret"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// lookupCode is Lookup's answer as code and message, "" for success.
func lookupCode(t *testing.T, e *env, token string) string {
	t.Helper()
	_, err := e.svc.Lookup(context.Background(), token)
	return testenv.Answer(t, err)
}

// TestLookupRefusesLikeUnknown: a link that names an application answers a
// stranger's guess exactly as an unknown token does, whatever part is
// wrong, so no answer tells that an application exists.
func TestLookupRefusesLikeUnknown(t *testing.T) {
	e := newEnv(t)
	res, token := e.register(valid(), "de")
	other := valid()
	other.Organisation = "Anderer Verein"
	otherRes, otherToken := e.register(other, "de")
	tok := token[strings.LastIndex(token, ".")+1:]
	otherTok := otherToken[strings.LastIndex(otherToken, ".")+1:]
	flip := func(s string, i int) string {
		b := []byte(s)
		b[i] ^= 1
		return string(b)
	}
	unknown := lookupCode(t, e, e.keys.Token(secret.NewNonce()))
	if unknown != "not_found problem.link_invalid" {
		t.Fatalf("unknown token: %q, want not_found problem.link_invalid", unknown)
	}
	for _, c := range []struct{ name, token string }{
		{"token tampered, last character", flip(token, len(token)-1)},
		{"token tampered, first character", "a." + res.ID + "." + flip(tok, 0)},
		{"token truncated", token[:len(token)-1]},
		{"token lengthened", token + "A"},
		{"another application's id", "a." + otherRes.ID + "." + tok},
		{"another application's token", "a." + res.ID + "." + otherTok},
		{"unknown application", "a." + id.New(start) + "." + tok},
		{"the nonce instead of the token", "a." + res.ID + "." + e.mail((*e.mails)[0]).TokenNonce},
		{"another kind", "r." + res.ID + "." + tok},
		{"id in upper case", "a." + strings.ToUpper(res.ID) + "." + tok},
		{"id not an id", "a." + res.ID[1:] + "." + tok},
		{"a segment more", token + ".x"},
		{"empty kind", "." + res.ID + "." + tok},
		{"empty id", "a.." + tok},
		{"empty token", "a." + res.ID + "."},
		{"only dots", ".."},
		{"one dot", "a." + res.ID},
		{"the bare token without its application", tok},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := lookupCode(t, e, c.token); got != unknown {
				t.Errorf("Lookup(%q) = %q, want %q as for an unknown token", c.token, got, unknown)
			}
		})
	}
	t.Run("wrong token on an expired application", func(t *testing.T) {
		// Right, it would be "gone"; wrong, it must not say the
		// application was ever there.
		e.clock.Set(start.Add(15 * 24 * time.Hour))
		if got := lookupCode(t, e, "a."+res.ID+"."+otherTok); got != unknown {
			t.Errorf("Lookup = %q, want %q", got, unknown)
		}
		if got := lookupCode(t, e, token); got != "gone problem.gone" {
			t.Errorf("Lookup(the right token) = %q, want gone problem.gone", got)
		}
	})
}

// legacy turns the application made by the first mail into one made before
// applications kept their link: no link in the application or its lock,
// and a token item behind its link, which it returns.
func (e *env) legacy(appID string) string {
	e.t.Helper()
	app, err := e.store.Application(context.Background(), appID)
	if err != nil {
		e.t.Fatalf("Application: %v", err)
	}
	for _, key := range [][2]string{
		{e.cfg.ID + "#application#" + appID, "application"},
		{e.cfg.ID + "#application-lock#" + app.DedupKey, "lock"},
	} {
		// Written whole: not every emulator honours REMOVE.
		item := e.db.Item(e.t, key[0], key[1])
		delete(item, "linkNonce")
		delete(item, "linkExpiresAt")
		if _, err := e.db.Client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: &e.db.Table, Item: item}); err != nil {
			e.t.Fatalf("PutItem: %v", err)
		}
	}
	return e.db.PutLegacyConfirmToken(e.t, e.cfg.ID, appID, e.keys, app.Link.ExpiresAt)
}

// TestLegacyLink: a link mailed before applications kept their link (a
// token item) keeps working until it expires, and a repeat then stores a
// link in the application without breaking the old one.
func TestLegacyLink(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	res, newToken := e.register(valid(), "de")
	old := e.legacy(res.ID)

	if got := lookupCode(t, e, newToken); got != "not_found problem.link_invalid" {
		t.Errorf("Lookup(a link the application no longer keeps) = %q, want not_found problem.link_invalid", got)
	}
	if got := lookupCode(t, e, old); got != "" {
		t.Fatalf("Lookup(the old link) = %q, want success", got)
	}
	e.clock.Advance(time.Hour)
	before := len(*e.mails)
	if _, err := e.svc.Register(ctx, valid(), "de"); err != nil {
		t.Fatalf("Register again: %v", err)
	}
	again := e.mail((*e.mails)[before]).Link(e.keys)
	if again == old || !strings.HasPrefix(again, "a."+res.ID+".") {
		t.Fatalf("repeat's link %q, want a new one naming %s", again, res.ID)
	}
	app, err := e.store.Application(ctx, res.ID)
	if err != nil || app.Link.Nonce != e.mail((*e.mails)[before]).TokenNonce {
		t.Errorf("application's link %+v, %v; want the repeat's nonce", app.Link, err)
	}
	lock, err := e.store.Lock(ctx, app.DedupKey)
	if err != nil || lock.Link != app.Link {
		t.Errorf("lock's link %+v, %v; want the application's %+v", lock.Link, err, app.Link)
	}
	for _, link := range []string{old, again} {
		if got := lookupCode(t, e, link); got != "" {
			t.Errorf("Lookup(%q) = %q, want success", link, got)
		}
	}
	status, err := e.svc.Confirm(ctx, old)
	if err != nil || status != partner.PendingReview {
		t.Errorf("Confirm(the old link) = %q, %v; want pending_review", status, err)
	}
	e.clock.Set(start.Add(e.cfg.TokenValidity()))
	if got := lookupCode(t, e, old); got != "gone problem.gone" {
		t.Errorf("Lookup(the old link, expired) = %q, want gone problem.gone", got)
	}
}

// TestResendKeepsLink: a repeat mails the application's own link; only a
// link with less than half its validity left is stored again, with the
// same nonce and a full validity from the repeat.
func TestResendKeepsLink(t *testing.T) {
	validity := 168 * time.Hour
	for _, c := range []struct {
		name    string
		after   time.Duration // from the application to the repeat
		extends bool
	}{
		{"an hour later", time.Hour, false},
		{"with half the validity left", validity/2 - time.Second, false},
		{"with less than half left", validity/2 + time.Second, true},
		{"after the link expired", validity + 24*time.Hour, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			res, token := e.register(valid(), "de")
			first, err := e.store.Application(ctx, res.ID)
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Set(start.Add(c.after))
			snap := e.db.Snapshot(t)
			before := len(*e.mails)
			if _, err := e.svc.Register(ctx, valid(), "de"); err != nil {
				t.Fatalf("Register again: %v", err)
			}
			m := e.mail((*e.mails)[before])
			equal(t, "link", m.Link(e.keys), token)
			wantExp := first.Link.ExpiresAt
			if c.extends {
				wantExp = e.clock.Now().Add(validity).Truncate(time.Second)
			}
			equal(t, "mail's expiresAt", m.Data["expiresAt"], wantExp.Format(time.RFC3339))
			app, err := e.store.Application(ctx, res.ID)
			if err != nil {
				t.Fatal(err)
			}
			equal(t, "application's link", app.Link, partner.Link{Nonce: first.Link.Nonce, ExpiresAt: wantExp})
			// Written: the mail, and the link's expiry only when it moved;
			// never a token item.
			var changed []string
			for k := range e.db.Snapshot(t) {
				if _, ok := snap[k]; !ok && !strings.HasSuffix(k, "|outbox") {
					changed = append(changed, "new "+k)
				}
			}
			if len(changed) != 0 {
				t.Errorf("repeat wrote %v, want only its mail", changed)
			}
			if gotSame := testenv.N(e.rawApp(res.ID), "linkExpiresAt") == testenv.N(snap[e.cfg.ID+"#application#"+res.ID+"|application"], "linkExpiresAt"); gotSame == c.extends {
				t.Errorf("application's linkExpiresAt rewritten: %v, want %v", !gotSame, c.extends)
			}
			if got := lookupCode(t, e, token); got != "" {
				t.Errorf("Lookup(the link) = %q, want success", got)
			}
		})
	}
}

// TestResendAfterApplicationVanished: a link stored again never makes an
// item of an application that is gone while its lock lives on.
func TestResendAfterApplicationVanished(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	res, _ := e.register(valid(), "de")
	e.deleteApp(res.ID)
	e.clock.Advance(e.cfg.TokenValidity())
	got, err := e.svc.Register(ctx, valid(), "de")
	if err != nil || got.ID != res.ID {
		t.Errorf("Register again = %+v, %v; want a repeat of %s", got, err, res.ID)
	}
	if item := e.rawApp(res.ID); item != nil {
		t.Errorf("application item made by the repeat: %s", testenv.Plain(item))
	}
}
