package dynamo_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	miniserver "github.com/truora/minidyn/server"

	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/secret"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

func TestCreateRoundTrip(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	f := e.fixture("Beispielverein e. V.", "Verein@example.org")
	// Nanoseconds and a zone other than UTC: the store keeps UTC
	// milliseconds, and whole seconds in the TTL attribute expiresAt.
	at := start.Add(456_789).In(time.FixedZone("CET", 3600))
	f.app.CreatedAt = at
	f.app.Consent.At = at.Add(-time.Second)
	f.app.ExpiresAt = at.Add(network.Days(14))
	f.app.Link.ExpiresAt = at.Add(7 * 24 * time.Hour)
	e.create(f)
	link := partner.Link{Nonce: f.app.Link.Nonce, ExpiresAt: at.Add(7 * 24 * time.Hour).UTC().Truncate(time.Second)}

	t.Run("application", func(t *testing.T) {
		got, err := e.store.Application(ctx, f.app.ID)
		if err != nil {
			t.Fatalf("Application: %v", err)
		}
		want := f.app
		want.CreatedAt = at.UTC().Truncate(time.Millisecond)
		want.Consent.At = at.Add(-time.Second).UTC().Truncate(time.Millisecond)
		want.ExpiresAt = at.Add(network.Days(14)).UTC().Truncate(time.Second)
		want.Link = link
		equal(t, "Application", got, want)
	})

	t.Run("lock", func(t *testing.T) {
		got, err := e.store.Lock(ctx, f.app.DedupKey)
		if err != nil {
			t.Fatalf("Lock: %v", err)
		}
		// A repeat mails the same link without reading the application.
		equal(t, "Lock", got, partner.Lock{DedupKey: f.app.DedupKey, AppID: f.app.ID, Status: partner.PendingConfirmation, Link: link})
	})

	t.Run("no token item", func(t *testing.T) {
		for k := range e.db.Snapshot(t) {
			if strings.HasSuffix(k, "|token") {
				t.Errorf("token item %s written, want none: the application keeps its link", k)
			}
		}
	})

	t.Run("token item of an older link", func(t *testing.T) {
		exp := at.Add(time.Hour).UTC().Truncate(time.Second)
		hash := secret.TokenHash(e.db.PutLegacyConfirmToken(t, e.cfg.ID, f.app.ID, e.keys, exp))
		got, err := e.store.Token(ctx, hash)
		if err != nil {
			t.Fatalf("Token: %v", err)
		}
		equal(t, "Token", got, partner.Token{Hash: hash, Purpose: partner.ConfirmPurpose, Ref: f.app.ID, ExpiresAt: exp})
	})

	t.Run("items", func(t *testing.T) {
		app := e.raw(e.appPK(f.app.ID))
		for _, c := range []struct{ attr, got, want string }{
			{"gsi1pk", testenv.S(app, "gsi1pk"), e.statusPK(partner.PendingConfirmation)},
			{"gsi1sk", testenv.S(app, "gsi1sk"), stamp(at) + "#" + f.app.ID},
			{"createdAt", testenv.S(app, "createdAt"), "2026-03-02T09:15:30.123Z"},
			{"emailHash", testenv.S(app, "emailHash"), e.keys.EmailHash("verein@example.org")},
			{"expiresAt", testenv.N(app, "expiresAt"), epoch(f.app.ExpiresAt)},
		} {
			if c.got != c.want {
				t.Errorf("application %s = %q, want %q", c.attr, c.got, c.want)
			}
		}
		lock := e.raw(e.lockPK(f.app.DedupKey))
		if got := testenv.S(lock, "ref"); got != f.app.ID {
			t.Errorf("lock ref = %q, want %q", got, f.app.ID)
		}
		if got, want := testenv.N(lock, "expiresAt"), epoch(f.app.ExpiresAt); got != want {
			t.Errorf("lock expiresAt = %q, want %q", got, want)
		}
		mail := e.raw(e.mailPK(f.mail.ID))
		if got := testenv.S(mail, "status"); got != string(outbox.Pending) {
			t.Errorf("mail status = %q, want %q", got, outbox.Pending)
		}
		// Nothing the applicant typed is readable in a key.
		for _, item := range []string{testenv.S(lock, "pk"), testenv.S(app, "pk")} {
			if strings.Contains(strings.ToLower(item), "verein") {
				t.Errorf("key %q reveals the organisation or address", item)
			}
		}
	})

	t.Run("unknown", func(t *testing.T) {
		if _, err := e.store.Application(ctx, id.New(start)); !errors.Is(err, partner.ErrNotFound) {
			t.Errorf("Application(unknown) error = %v, want partner.ErrNotFound", err)
		}
		if _, err := e.store.Token(ctx, strings.Repeat("0", 64)); !errors.Is(err, partner.ErrNotFound) {
			t.Errorf("Token(unknown) error = %v, want partner.ErrNotFound", err)
		}
	})
}

func TestCreateDuplicate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first := e.fixture("Beispielverein e. V.", "verein@example.org")
	e.create(first)
	e.clock.Advance(time.Hour)
	mailsBefore := len(e.mails)

	// The same organisation and address: the same DedupKey, all else new.
	second := e.fixture("Beispielverein e. V.", "verein@example.org")
	if second.app.DedupKey != first.app.DedupKey || second.app.ID == first.app.ID {
		t.Fatalf("fixture: want the same DedupKey and a new id")
	}
	existing, err := e.store.Create(ctx, second.app, second.mail)
	if !errors.Is(err, partner.ErrDuplicate) {
		t.Fatalf("second Create error = %v, want partner.ErrDuplicate", err)
	}
	if existing != first.app.ID {
		t.Errorf("second Create existing id = %q, want the first %q", existing, first.app.ID)
	}

	for _, c := range []struct {
		name   string
		pk, sk string
	}{
		{"application", e.key("application", second.app.ID), "application"},
		{"mail", e.key("mail", second.mail.ID), "outbox"},
	} {
		t.Run("no second "+c.name, func(t *testing.T) {
			if item := e.raw(c.pk, c.sk); item != nil {
				t.Errorf("the duplicate's %s was written: %v", c.name, item)
			}
		})
	}
	t.Run("lock still the first's", func(t *testing.T) {
		lock := e.raw(e.lockPK(first.app.DedupKey))
		if got := testenv.S(lock, "ref"); got != first.app.ID {
			t.Errorf("lock ref = %q, want %q", got, first.app.ID)
		}
		if got, want := testenv.N(lock, "expiresAt"), epoch(first.app.ExpiresAt); got != want {
			t.Errorf("lock expiresAt = %q, want %q", got, want)
		}
	})
	t.Run("no mail announced", func(t *testing.T) {
		if got := e.mails[mailsBefore:]; len(got) != 0 {
			t.Errorf("OnMail called with %v for a cancelled transaction", got)
		}
	})
	t.Run("other organisation is no duplicate", func(t *testing.T) {
		other := e.fixture("Anderer Verein", "verein@example.org")
		e.create(other)
	})
}

func TestExpiredReadsAsGone(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	f := e.fixture("Beispielverein e. V.", "verein@example.org")
	e.create(f)

	// Both expire at their whole second: TTL attributes are epoch seconds.
	tokenEnd := f.app.Link.ExpiresAt.Truncate(time.Second)
	appEnd := f.app.ExpiresAt.Truncate(time.Second)
	hash := secret.TokenHash(e.db.PutLegacyConfirmToken(t, e.cfg.ID, f.app.ID, e.keys, tokenEnd))
	readToken := func() error { _, err := e.store.Token(ctx, hash); return err }
	readApp := func() error { _, err := e.store.Application(ctx, f.app.ID); return err }

	for _, c := range []struct {
		name             string
		at               time.Time
		tokenErr, appErr error
	}{
		{"fresh", start, nil, nil},
		{"token's last millisecond", tokenEnd.Add(-time.Millisecond), nil, nil},
		{"token expired", tokenEnd, partner.ErrExpired, nil},
		{"application's last millisecond", appEnd.Add(-time.Millisecond), partner.ErrExpired, nil},
		{"application expired", appEnd, partner.ErrExpired, partner.ErrExpired},
		{"long after", appEnd.Add(30 * 24 * time.Hour), partner.ErrExpired, partner.ErrExpired},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.clock.Set(c.at)
			for _, r := range []struct {
				what string
				err  error
				want error
			}{{"Token", readToken(), c.tokenErr}, {"Application", readApp(), c.appErr}} {
				if r.want == nil {
					if r.err != nil {
						t.Errorf("%s error = %v, want nil", r.what, r.err)
					}
					continue
				}
				// Expired reads as gone (ErrNotFound), and says why (ErrExpired).
				if !errors.Is(r.err, partner.ErrNotFound) || !errors.Is(r.err, r.want) {
					t.Errorf("%s error = %v, want %v (an ErrNotFound)", r.what, r.err, r.want)
				}
			}
		})
	}
	t.Run("items still stored", func(t *testing.T) {
		// TTL has not run: the items exist, the reads alone hide them.
		for _, item := range []map[string]types.AttributeValue{
			e.raw(e.appPK(f.app.ID)), e.raw(e.tokenPK(hash)), e.raw(e.lockPK(f.app.DedupKey)),
		} {
			if item == nil {
				t.Errorf("an expired item vanished before TTL ran")
			}
		}
	})
}

func TestCreateTakesOverExpiredLock(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first := e.fixture("Beispielverein e. V.", "verein@example.org")
	e.create(first)
	end := first.app.ExpiresAt.Truncate(time.Second)

	t.Run("still locked in the last millisecond", func(t *testing.T) {
		e.clock.Set(end.Add(-time.Millisecond))
		second := e.fixture("Beispielverein e. V.", "verein@example.org")
		existing, err := e.store.Create(ctx, second.app, second.mail)
		if !errors.Is(err, partner.ErrDuplicate) || existing != first.app.ID {
			t.Errorf("Create = %q, %v; want %q, partner.ErrDuplicate", existing, err, first.app.ID)
		}
	})

	t.Run("taken over once expired", func(t *testing.T) {
		e.clock.Set(end)
		third := e.fixture("BEISPIELVEREIN  e. v.", "VEREIN@example.org")
		if third.app.DedupKey != first.app.DedupKey {
			t.Fatalf("fixture: want the same DedupKey")
		}
		e.create(third)
		lock := e.raw(e.lockPK(third.app.DedupKey))
		if got := testenv.S(lock, "ref"); got != third.app.ID {
			t.Errorf("lock ref = %q, want the new %q", got, third.app.ID)
		}
		if got, want := testenv.N(lock, "expiresAt"), epoch(third.app.ExpiresAt); got != want {
			t.Errorf("lock expiresAt = %q, want %q", got, want)
		}
		if _, err := e.store.Application(ctx, third.app.ID); err != nil {
			t.Errorf("Application(new) error = %v", err)
		}
		if _, err := e.store.Application(ctx, first.app.ID); !errors.Is(err, partner.ErrNotFound) {
			t.Errorf("Application(expired) error = %v, want partner.ErrNotFound", err)
		}
	})

	t.Run("new lock holds", func(t *testing.T) {
		e.clock.Advance(time.Minute)
		fourth := e.fixture("Beispielverein e. V.", "verein@example.org")
		existing, err := e.store.Create(ctx, fourth.app, fourth.mail)
		if !errors.Is(err, partner.ErrDuplicate) || existing == first.app.ID || existing == "" {
			t.Errorf("Create = %q, %v; want the third id, partner.ErrDuplicate", existing, err)
		}
	})
}

func TestConfirm(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	f := e.fixture("Beispielverein e. V.", "verein@example.org")
	e.create(f)
	e.clock.Advance(2 * time.Hour)
	at := e.clock.Now()
	exp := at.Add(network.Days(e.cfg.Retention.PendingReviewDays))
	review := e.reviewMail(f.app.ID)
	mailsBefore := len(e.mails)

	if err := e.store.Confirm(ctx, f.app.ID, at, exp, review); err != nil {
		t.Fatalf("Confirm: %v", err)
	}

	t.Run("application", func(t *testing.T) {
		got, err := e.store.Application(ctx, f.app.ID)
		if err != nil {
			t.Fatalf("Application: %v", err)
		}
		want := f.app
		want.Status = partner.PendingReview
		want.ConfirmedAt = at
		want.ExpiresAt = exp.Truncate(time.Second)
		equal(t, "Application", got, want)
		item := e.raw(e.appPK(f.app.ID))
		if got, want := testenv.S(item, "gsi1pk"), e.statusPK(partner.PendingReview); got != want {
			t.Errorf("gsi1pk = %q, want %q", got, want)
		}
	})
	t.Run("lock", func(t *testing.T) {
		lock := e.raw(e.lockPK(f.app.DedupKey))
		if got, want := testenv.N(lock, "expiresAt"), epoch(exp); got != want {
			t.Errorf("lock expiresAt = %q, want %q", got, want)
		}
		if got := testenv.S(lock, "ref"); got != f.app.ID {
			t.Errorf("lock ref = %q, want %q", got, f.app.ID)
		}
	})
	t.Run("review mail", func(t *testing.T) {
		item := e.raw(e.mailPK(review.ID))
		if item == nil {
			t.Fatal("review mail not written")
		}
		if got := testenv.S(item, "template"); got != "partner.review" {
			t.Errorf("template = %q, want partner.review", got)
		}
		equal(t, "OnMail calls", e.mails[mailsBefore:], [][]string{{review.ID}})
	})
	t.Run("second confirm", func(t *testing.T) {
		e.clock.Advance(time.Minute)
		again := e.reviewMail(f.app.ID)
		err := e.store.Confirm(ctx, f.app.ID, e.clock.Now(), e.clock.Now().Add(time.Hour), again)
		if !errors.Is(err, partner.ErrState) {
			t.Errorf("second Confirm error = %v, want partner.ErrState", err)
		}
		if item := e.raw(e.mailPK(again.ID)); item != nil {
			t.Errorf("second review mail written")
		}
		equal(t, "OnMail calls", e.mails[mailsBefore:], [][]string{{review.ID}})
		got, err := e.store.Application(ctx, f.app.ID)
		if err != nil || !got.ConfirmedAt.Equal(at) || !got.ExpiresAt.Equal(exp.Truncate(time.Second)) {
			t.Errorf("after second Confirm: %+v, %v; want confirmedAt %v, expiresAt %v kept", got, err, at, exp)
		}
	})
	t.Run("the review keeps the duplicate lock", func(t *testing.T) {
		// Past the unconfirmed application's expiry, well within the review's.
		e.clock.Set(f.app.ExpiresAt.Add(time.Hour))
		dup := e.fixture("Beispielverein e. V.", "verein@example.org")
		existing, err := e.store.Create(ctx, dup.app, dup.mail)
		if !errors.Is(err, partner.ErrDuplicate) || existing != f.app.ID {
			t.Errorf("Create = %q, %v; want %q, partner.ErrDuplicate", existing, err, f.app.ID)
		}
	})
}

func TestConfirmRefused(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name string
		// setup returns the id to confirm.
		setup func(e *env) string
		want  error
	}{
		{
			name: "expired application",
			setup: func(e *env) string {
				f := e.fixture("Beispielverein e. V.", "verein@example.org")
				e.create(f)
				e.clock.Set(f.app.ExpiresAt.Truncate(time.Second))
				return f.app.ID
			},
			want: partner.ErrState,
		},
		{
			name: "approved application",
			setup: func(e *env) string {
				app := e.fixture("Beispielverein e. V.", "verein@example.org").app
				if err := e.store.PutApproved(ctx, app); err != nil {
					t.Fatalf("PutApproved: %v", err)
				}
				return app.ID
			},
			want: partner.ErrState,
		},
		{
			name:  "unknown application",
			setup: func(e *env) string { return id.New(start) },
			want:  partner.ErrNotFound,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			appID := c.setup(e)
			mailsBefore := len(e.mails)
			m := e.reviewMail(appID)
			err := e.store.Confirm(ctx, appID, e.clock.Now(), e.clock.Now().Add(time.Hour), m)
			if !errors.Is(err, c.want) {
				t.Errorf("Confirm error = %v, want %v", err, c.want)
			}
			if item := e.raw(e.mailPK(m.ID)); item != nil {
				t.Errorf("review mail written")
			}
			if got := e.mails[mailsBefore:]; len(got) != 0 {
				t.Errorf("OnMail called with %v", got)
			}
		})
	}
}

func TestApproved(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	t.Run("none", func(t *testing.T) {
		got, err := e.store.Approved(ctx)
		if err != nil || len(got) != 0 {
			t.Errorf("Approved = %v, %v; want none", got, err)
		}
	})

	var want []partner.Application
	for _, org := range []string{"Zeltlager Wartburg e. V.", "arbeit und leben", "Migrationsberatung Mitte"} {
		e.clock.Advance(time.Minute)
		f := e.fixture(org, "info@"+strings.ReplaceAll(strings.ToLower(org), " ", "")+".example.org")
		if err := e.store.PutApproved(ctx, f.app); err != nil {
			t.Fatalf("PutApproved(%s): %v", org, err)
		}
		app := f.app
		app.Status = partner.Approved
		// PutApproved keeps what the public list shows, no phone, message
		// or link, and no expiry: partners stay.
		app.Phone, app.Message, app.ExpiresAt, app.Link = "", "", time.Time{}, partner.Link{}
		want = append(want, app)
	}
	// Pending ones, one of each kind, sort first by name but are not listed.
	pending := e.fixture("Aaa Verein", "aaa@example.org")
	e.create(pending)
	review := e.fixture("Aab Verein", "aab@example.org")
	e.create(review)
	if err := e.store.Confirm(ctx, review.app.ID, e.clock.Now(), e.clock.Now().Add(time.Hour), e.reviewMail(review.app.ID)); err != nil {
		t.Fatalf("Confirm: %v", err)
	}

	got, err := e.store.Approved(ctx)
	if err != nil {
		t.Fatalf("Approved: %v", err)
	}
	slices.SortFunc(want, func(a, b partner.Application) int {
		return strings.Compare(strings.ToLower(a.Organisation), strings.ToLower(b.Organisation))
	})
	names := func(apps []partner.Application) []string {
		var out []string
		for _, a := range apps {
			out = append(out, a.Organisation)
		}
		return out
	}
	equal(t, "names", names(got), []string{"arbeit und leben", "Migrationsberatung Mitte", "Zeltlager Wartburg e. V."})
	equal(t, "partners", got, want)
}

func TestCreateStorageFailure(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	f := e.fixture("Beispielverein e. V.", "verein@example.org")

	e.db.Emulator.EmulateFailure(miniserver.FailureConditionInternalServerError)
	existing, err := e.store.Create(ctx, f.app, f.mail)
	if err == nil || errors.Is(err, partner.ErrDuplicate) || existing != "" {
		t.Errorf("Create = %q, %v; want a storage error", existing, err)
	}
	t.Run("reads fail, not as not found", func(t *testing.T) {
		if _, err := e.store.Application(ctx, f.app.ID); err == nil || errors.Is(err, partner.ErrNotFound) {
			t.Errorf("Application error = %v, want a storage error", err)
		}
		if _, err := e.store.Token(ctx, strings.Repeat("0", 64)); err == nil || errors.Is(err, partner.ErrNotFound) {
			t.Errorf("Token error = %v, want a storage error", err)
		}
		if _, err := e.store.Approved(ctx); err == nil {
			t.Errorf("Approved error = nil, want a storage error")
		}
	})
	e.db.Emulator.EmulateFailure(miniserver.FailureConditionNone)

	t.Run("nothing written", func(t *testing.T) {
		for name, item := range map[string]map[string]types.AttributeValue{
			"application": e.raw(e.appPK(f.app.ID)),
			"lock":        e.raw(e.lockPK(f.app.DedupKey)),
			"mail":        e.raw(e.mailPK(f.mail.ID)),
		} {
			if item != nil {
				t.Errorf("%s written by a failed Create", name)
			}
		}
		if len(e.mails) != 0 {
			t.Errorf("OnMail called with %v", e.mails)
		}
	})
	t.Run("works again", func(t *testing.T) {
		e.create(f)
	})
}

// conflictAPI cancels the first conflicts transactions as DynamoDB does when
// another transaction touches the same item, and refuses the first singles
// single-item writes as DynamoDB does while a transaction writes the item;
// then it lets them through.
type conflictAPI struct {
	dynamo.API
	conflicts, calls     int // TransactWriteItems
	singles, singleCalls int // PutItem and UpdateItem
}

func (c *conflictAPI) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.calls++
	if c.calls > c.conflicts {
		return c.API.TransactWriteItems(ctx, in, opts...)
	}
	reasons := make([]types.CancellationReason, len(in.TransactItems))
	for i := range reasons {
		reasons[i].Code = aws.String("None")
	}
	reasons[1].Code = aws.String("TransactionConflict")
	return nil, &types.TransactionCanceledException{
		Message:             aws.String("Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict, None, None]"),
		CancellationReasons: reasons,
	}
}

// refuse counts a single-item write and says whether it meets a conflict.
func (c *conflictAPI) refuse() error {
	c.singleCalls++
	if c.singleCalls > c.singles {
		return nil
	}
	return &types.TransactionConflictException{Message: aws.String("Transaction is ongoing for the item")}
}

func (c *conflictAPI) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if err := c.refuse(); err != nil {
		return nil, err
	}
	return c.API.PutItem(ctx, in, opts...)
}

func (c *conflictAPI) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if err := c.refuse(); err != nil {
		return nil, err
	}
	return c.API.UpdateItem(ctx, in, opts...)
}

func TestConflictRetries(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		conflicts    int
		wantErr      bool
		wantCalls    int
		wantBackoffs []int
	}{
		{conflicts: 0, wantCalls: 1, wantBackoffs: nil},
		{conflicts: 2, wantCalls: 3, wantBackoffs: []int{0, 1}},
		{conflicts: 4, wantCalls: 5, wantBackoffs: []int{0, 1, 2, 3}},
		{conflicts: 5, wantErr: true, wantCalls: 5, wantBackoffs: []int{0, 1, 2, 3}},
		{conflicts: 10, wantErr: true, wantCalls: 5, wantBackoffs: []int{0, 1, 2, 3}},
	} {
		t.Run(strings.Repeat("conflict,", c.conflicts)+"then", func(t *testing.T) {
			e := newEnv(t)
			if e.store.ConflictRetries != 4 {
				t.Fatalf("ConflictRetries = %d, want production's 4", e.store.ConflictRetries)
			}
			api := &conflictAPI{API: e.store.API, conflicts: c.conflicts}
			e.store.API = api
			f := e.fixture("Beispielverein e. V.", "verein@example.org")

			_, err := e.store.Create(ctx, f.app, f.mail)
			if c.wantErr {
				if !errors.Is(err, dynamo.ErrUnavailable) {
					t.Errorf("Create error = %v, want dynamo.ErrUnavailable", err)
				}
				if errors.Is(err, partner.ErrDuplicate) {
					t.Errorf("Create error = %v, must not be ErrDuplicate", err)
				}
			} else if err != nil {
				t.Errorf("Create error = %v, want nil", err)
			}
			if api.calls != c.wantCalls {
				t.Errorf("TransactWriteItems calls = %d, want %d", api.calls, c.wantCalls)
			}
			equal(t, "Backoff attempts", e.backoffs, c.wantBackoffs)

			_, appErr := e.store.Application(ctx, f.app.ID)
			mail := e.raw(e.mailPK(f.mail.ID))
			if c.wantErr {
				if !errors.Is(appErr, partner.ErrNotFound) || mail != nil || len(e.mails) != 0 {
					t.Errorf("after giving up: Application error %v, mail %v, OnMail %v; want nothing written", appErr, mail, e.mails)
				}
				return
			}
			if appErr != nil || mail == nil {
				t.Errorf("after retries: Application error %v, mail written %t; want both", appErr, mail != nil)
			}
			equal(t, "OnMail calls", e.mails, [][]string{{f.mail.ID}})
		})
	}

	t.Run("a conflict beside a failed condition is not retried", func(t *testing.T) {
		e := newEnv(t)
		f := e.fixture("Beispielverein e. V.", "verein@example.org")
		e.create(f)
		api := &failingAPI{API: e.store.API, codes: []string{"TransactionConflict", "ConditionalCheckFailed", "None"}}
		e.store.API = api
		err := e.store.Confirm(ctx, f.app.ID, e.clock.Now(), e.clock.Now().Add(time.Hour), e.reviewMail(f.app.ID))
		if !errors.Is(err, partner.ErrState) {
			t.Errorf("Confirm error = %v, want partner.ErrState", err)
		}
		if api.calls != 1 || len(e.backoffs) != 0 {
			t.Errorf("calls %d, backoffs %v; want 1 call, no backoff", api.calls, e.backoffs)
		}
	})

	t.Run("backoff cancelled", func(t *testing.T) {
		e := newEnv(t)
		e.store.API = &conflictAPI{API: e.store.API, conflicts: 10}
		e.store.Backoff = func(ctx context.Context, attempt int) error { return context.Canceled }
		f := e.fixture("Beispielverein e. V.", "verein@example.org")
		if _, err := e.store.Create(ctx, f.app, f.mail); !errors.Is(err, context.Canceled) {
			t.Errorf("Create error = %v, want context.Canceled", err)
		}
	})
}

// failingAPI cancels every transaction with the given reason codes.
type failingAPI struct {
	dynamo.API
	codes []string
	calls int
}

func (f *failingAPI) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	f.calls++
	reasons := make([]types.CancellationReason, len(f.codes))
	for i, c := range f.codes {
		reasons[i].Code = aws.String(c)
	}
	return nil, &types.TransactionCanceledException{Message: aws.String("cancelled"), CancellationReasons: reasons}
}
