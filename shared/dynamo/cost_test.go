package dynamo_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/secret"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// itemSize is an item's size as DynamoDB bills it: per attribute the
// UTF-8 length of its name plus the size of its value.
func itemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

// valueSize follows "DynamoDB item sizes and formats" (developer guide):
// strings their UTF-8 bytes, binaries their raw bytes, numbers 1 byte per
// two significant digits plus 1, BOOL and NULL 1 byte, lists and maps 3
// bytes plus 1 per element plus the elements (a map element with its name).
func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return numberSize(v.Value)
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range v.Value {
			n += numberSize(s)
		}
		return n
	case *types.AttributeValueMemberBS:
		n := 0
		for _, b := range v.Value {
			n += len(b)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for name, e := range v.Value {
			n += 1 + len(name) + valueSize(e)
		}
		return n
	}
	panic(fmt.Sprintf("itemSize: unknown attribute value %T", v))
}

// numberSize: leading and trailing zeros do not count, nor do the sign,
// the decimal point or an exponent.
func numberSize(s string) int {
	mant, _, _ := strings.Cut(strings.ToLower(s), "e")
	digits := strings.TrimLeft(strings.NewReplacer("-", "", "+", "", ".", "").Replace(mant), "0")
	digits = strings.TrimRight(digits, "0")
	return (len(digits)+1)/2 + 1
}

func TestWriteUnitsSizeRules(t *testing.T) {
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	n := func(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
	for _, c := range []struct {
		item map[string]types.AttributeValue
		want int
	}{
		{map[string]types.AttributeValue{"pk": s("abc")}, 5},
		{map[string]types.AttributeValue{"name": s("Müller")}, 4 + 7},
		{map[string]types.AttributeValue{"n": n("0")}, 1 + 1},
		{map[string]types.AttributeValue{"n": n("1")}, 1 + 2},
		{map[string]types.AttributeValue{"n": n("12")}, 1 + 2},
		{map[string]types.AttributeValue{"n": n("123")}, 1 + 3},
		{map[string]types.AttributeValue{"n": n("1800000000")}, 1 + 2}, // 18
		{map[string]types.AttributeValue{"n": n("1790953200")}, 1 + 5}, // 17909532
		{map[string]types.AttributeValue{"n": n("-0.00120")}, 1 + 2},   // 12
		{map[string]types.AttributeValue{"b": &types.AttributeValueMemberBOOL{Value: true}}, 2},
		{map[string]types.AttributeValue{"l": &types.AttributeValueMemberL{}}, 1 + 3},
		{map[string]types.AttributeValue{"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{s("ab")}}}, 1 + 3 + 1 + 2},
		{map[string]types.AttributeValue{"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"de": s("Hallo")}}}, 1 + 3 + 1 + 2 + 5},
	} {
		if got := itemSize(c.item); got != c.want {
			t.Errorf("itemSize(%v) = %d, want %d", c.item, got, c.want)
		}
	}
}

// writeCost is one written item and what it costs.
type writeCost struct {
	what  string
	bytes int
	kb    int // rounded up to whole KB: what a write unit covers
	txWCU int // 2 per KB per item in a transaction
	index bool
	gsi   int // 1 per KB for the index entry (projection ALL: the whole item)
}

func kbOf(bytes int) int { return max((bytes+1023)/1024, 1) }

func costOf(what string, bytes int, indexed bool) writeCost {
	c := writeCost{what: what, bytes: bytes, kb: kbOf(bytes), index: indexed}
	c.txWCU = 2 * c.kb
	if indexed {
		c.gsi = c.kb
	}
	return c
}

// plenary is an event shaped like the demo's plenary meeting.
func plenary(now time.Time) event.Event {
	return event.Event{
		ID: id.New(now),
		Title: network.Text{
			"de": "Netzwerktreffen Integration (Plenum)",
			"en": "Integration network meeting (plenary)",
		},
		Description: network.Text{
			"de": "Treffen aller Partner: Berichte aus den Arbeitsgruppen, Zahlen, Daten, Fakten und neue Projekte.",
			"en": "Meeting of all partners: reports from the working groups, facts and figures, new projects.",
		},
		StartsAt: now.Add(21 * 24 * time.Hour), EndsAt: now.Add(21*24*time.Hour + 3*time.Hour),
		Location:             event.Location{Name: "Landratsamt Wartburgkreis, großer Sitzungssaal", Address: "Erzberger Allee 14, 36433 Bad Salzungen"},
		Capacity:             60,
		RegistrationDeadline: now.Add(19 * 24 * time.Hour),
		Network:              "wartburgkreis",
		Published:            true,
	}
}

// signupCost signs one person up through the service and prices, from the
// raw items in the table, what that sign-up wrote.
func (e *env) signupCost(ev event.Event, in event.Input) (event.Registration, []writeCost) {
	t := e.t
	t.Helper()
	ctx := context.Background()
	svc := &event.Service{Store: e.store, Config: e.cfg, Keys: e.keys, Now: e.clock.Now}
	eventPK := e.key("event", ev.ID)
	before := e.raw(eventPK, "event")
	e.mails = nil
	res, err := svc.Register(ctx, ev.ID, in, "de")
	if err != nil || !res.Created {
		t.Fatalf("Register: %+v, %v", res, err)
	}
	r := res.Registration
	after := e.raw(eventPK, "event")
	reg := e.raw(eventPK, "registration#"+r.EmailHash)
	if len(e.mails) != 1 || len(e.mails[0]) != 1 {
		t.Fatalf("mails written: %v, want one", e.mails)
	}
	mail := e.raw(e.mailPK(e.mails[0][0]))
	if reg == nil || mail == nil || testenv.S(mail, "tokenNonce") == "" {
		t.Fatalf("registration %v, mail %v", reg, mail)
	}
	token := e.raw(e.tokenPK(secret.TokenHash(e.keys.Token(testenv.S(mail, "tokenNonce")))))
	if token == nil {
		t.Fatal("no cancel token stored")
	}
	for what, item := range map[string]map[string]types.AttributeValue{"registration": reg, "mail": mail, "event": after} {
		if _, ok := item["gsi1pk"]; !ok {
			t.Errorf("the %s item carries no gsi1pk", what)
		}
	}
	if _, ok := token["gsi1pk"]; ok {
		t.Error("the token item is in the index")
	}
	// An update is billed by the larger of the item before and after it;
	// the event is in the index (projection ALL) and its counters are
	// projected, so the update also rewrites its index entry.
	var counter string
	switch r.Status {
	case event.Confirmed:
		counter = "event counter update (confirmed+1)"
	case event.Waitlisted:
		counter = "event counter update (waiting+1)"
	}
	costs := []writeCost{
		costOf(counter, max(itemSize(before), itemSize(after)), true),
		costOf("registration put ("+string(r.Status)+")", itemSize(reg), true),
		costOf("cancel token put", itemSize(token), false),
		costOf("outbox mail put ("+testenv.S(mail, "template")+")", itemSize(mail), true),
	}
	return r, costs
}

func logCosts(t *testing.T, title string, costs []writeCost) (tx, gsi int) {
	t.Helper()
	var b strings.Builder
	for _, c := range costs {
		fmt.Fprintf(&b, "\n  %-44s %5d B  %d KB  %d WCU", c.what, c.bytes, c.kb, c.txWCU)
		if c.index {
			fmt.Fprintf(&b, " + %d WCU index", c.gsi)
		}
		tx += c.txWCU
		gsi += c.gsi
	}
	t.Logf("%s:%s\n  total: %d WCU transactional + %d WCU index = %d WCU", title, b.String(), tx, gsi, tx+gsi)
	return tx, gsi
}

// TestSignupWriteUnits prices one sign-up in write capacity units, from the
// items a real sign-up left in the table. A regression guard: a new
// attribute that pushes an item over 1 KB doubles what it costs.
func TestSignupWriteUnits(t *testing.T) {
	e := newEnv(t)
	ev := plenary(e.clock.Now())
	ev.Capacity = 1
	if err := e.store.PutEvent(context.Background(), ev); err != nil {
		t.Fatal(err)
	}

	t.Run("confirmed", func(t *testing.T) {
		e.t = t
		r, costs := e.signupCost(ev, event.Input{
			Name: "Erika Müller", Email: "erika.mueller@example.org", Organisation: "Caritasverband Eisenach",
			Needs: "Gebärdensprachdolmetschung", Consent: true,
		})
		if r.Status != event.Confirmed {
			t.Fatalf("status %s, want confirmed", r.Status)
		}
		tx, gsi := logCosts(t, "one confirmed sign-up (one TransactWriteItems of 4 items)", costs)
		for _, c := range costs {
			if c.bytes >= 1024 {
				t.Errorf("%s: %d bytes, over 1 KB", c.what, c.bytes)
			}
		}
		// Every sign-up rewrites the whole event item: its texts are paid
		// for on each one.
		t.Logf("  the event item has %d bytes left before each sign-up's counter update costs 2 KB", 1024-costs[0].bytes)
		// 4 items under 1 KB: 4 × 2 WCU in the transaction, plus one index
		// write each for the registration, the mail and the event entry.
		if tx != 8 || gsi != 3 {
			t.Errorf("%d + %d WCU, want 8 + 3 = 11", tx, gsi)
		}
	})

	t.Run("waitlisted", func(t *testing.T) {
		e.t = t
		r, costs := e.signupCost(ev, event.Input{
			Name: "Max Mustermann", Email: "max@example.org", Consent: true,
		})
		if r.Status != event.Waitlisted {
			t.Fatalf("status %s, want waitlisted", r.Status)
		}
		tx, gsi := logCosts(t, "one waitlisted sign-up (one TransactWriteItems of 4 items)", costs)
		// Before its transaction, NextPosition updated the event item alone
		// (a standard write: 1 WCU per KB, plus its index entry).
		pos := costs[0].kb + costs[0].gsi
		t.Logf("  plus NextPosition: %d WCU; waitlisted total %d WCU", pos, tx+gsi+pos)
		if tx != 8 || gsi != 3 || pos != 2 {
			t.Errorf("%d + %d + %d WCU, want 8 + 3 + 2 = 13", tx, gsi, pos)
		}
	})

	t.Run("longest fields", func(t *testing.T) {
		// Every field at its limit, in two-byte characters: the registration
		// is the one item a person can make large.
		e.t = t
		ev2 := plenary(e.clock.Now())
		if err := e.store.PutEvent(context.Background(), ev2); err != nil {
			t.Fatal(err)
		}
		_, costs := e.signupCost(ev2, event.Input{
			Name:         strings.Repeat("ä", event.MaxName),
			Email:        strings.Repeat("a", 64-len("@example.org")) + "@example.org",
			Organisation: strings.Repeat("ö", event.MaxOrganisation),
			Needs:        strings.Repeat("ü", event.MaxNeeds),
			Consent:      true,
		})
		tx, gsi := logCosts(t, "worst case: every field at its limit in umlauts", costs)
		sort.Slice(costs, func(i, j int) bool { return costs[i].bytes > costs[j].bytes })
		if costs[0].kb != 3 || tx != 12 || gsi != 5 {
			t.Errorf("largest item %s %d KB; %d + %d WCU; want 3 KB, 12 + 5 = 17", costs[0].what, costs[0].kb, tx, gsi)
		}
	})
}
