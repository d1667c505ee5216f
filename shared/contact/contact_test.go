package contact_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	miniserver "github.com/truora/minidyn/server"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/email"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/secret"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// start is the fake clock's reading, on a whole millisecond as the store
// keeps times.
var start = time.Date(2026, 3, 2, 9, 15, 30, 123_000_000, time.UTC)

// env is the Service on the real store over a fresh emulated table.
type env struct {
	db    *testenv.DynamoDB
	cfg   *network.Config
	keys  *secret.Keys
	store *dynamo.Store
	clock *testenv.Clock
	svc   *contact.Service
	mails *[]string // ids of every mail a committed transaction wrote
}

func newEnv(t *testing.T) *env {
	t.Helper()
	cfg, keys := testenv.Config(t), testenv.Keys(t)
	e := &env{db: testenv.NewDynamoDB(t), cfg: cfg, keys: keys, clock: testenv.NewClock(start)}
	e.store, e.mails = testenv.NewStore(t, e.db, e.clock)
	e.svc = &contact.Service{Store: e.store, Config: cfg, Keys: keys, Now: e.clock.Now}
	return e
}

// valid is a complete, valid message.
func valid() contact.Input {
	return contact.Input{
		Name:    "Jürgen Größe",
		Email:   "Juergen.Groesse@Example.ORG",
		Topic:   "language-courses",
		Message: "Guten Tag,\r\nwann beginnt der nächste Sprachkurs?\r\nViele Grüße",
		Consent: true,
		Phone:   "03695 123456",
	}
}

// submit sends in, expecting success and exactly two mails, and returns
// the message with the inbox mail and the acknowledgement as stored.
func (e *env) submit(t *testing.T, in contact.Input, locale string) (contact.Message, testenv.StoredMail, testenv.StoredMail) {
	t.Helper()
	before := len(*e.mails)
	m, err := e.svc.Submit(context.Background(), in, locale)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	if got := len(*e.mails) - before; got != 2 {
		t.Fatalf("Submit wrote %d mails, want 2", got)
	}
	inbox, ack := e.mail(t, (*e.mails)[before]), e.mail(t, (*e.mails)[before+1])
	if inbox.Template != "contact.inbox" || ack.Template != "contact.ack" {
		t.Fatalf("mail templates %q, %q; want contact.inbox, contact.ack", inbox.Template, ack.Template)
	}
	return m, inbox, ack
}

func (e *env) rawMail(t *testing.T, mailID string) map[string]types.AttributeValue {
	t.Helper()
	return e.db.Item(t, e.cfg.ID+"#mail#"+mailID, "outbox")
}

func (e *env) rawContact(t *testing.T, messageID string) map[string]types.AttributeValue {
	t.Helper()
	return e.db.Item(t, e.cfg.ID+"#contact#"+messageID, "contact")
}

// mail reads the outbox item with id.
func (e *env) mail(t *testing.T, mailID string) testenv.StoredMail {
	t.Helper()
	return e.db.Mail(t, e.cfg.ID, mailID)
}

// items is every item of the table, as "pk|sk", sorted.
func (e *env) items(t *testing.T) []string {
	t.Helper()
	return slices.Sorted(maps.Keys(e.db.Snapshot(t)))
}

// attrStrings collects every string and number anywhere in an attribute value, with the
// attribute path it sits under.
func attrStrings(path string, v types.AttributeValue, out map[string]string) {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		out[path] = v.Value
	case *types.AttributeValueMemberN:
		out[path] = v.Value
	case *types.AttributeValueMemberSS:
		for i, s := range v.Value {
			out[path+"["+strconv.Itoa(i)+"]"] = s
		}
	case *types.AttributeValueMemberL:
		for i, x := range v.Value {
			attrStrings(path+"["+strconv.Itoa(i)+"]", x, out)
		}
	case *types.AttributeValueMemberM:
		for k, x := range v.Value {
			attrStrings(path+"."+k, x, out)
		}
	}
}

// equal reports a difference between got and want.
func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

func TestSubmitInvalid(t *testing.T) {
	e := newEnv(t)
	fe := func(fieldCodes ...string) []apperr.FieldError {
		var out []apperr.FieldError
		for i := 0; i+1 < len(fieldCodes); i += 2 {
			out = append(out, apperr.FieldError{Field: fieldCodes[i], Code: fieldCodes[i+1]})
		}
		return out
	}
	const bcc = "\r\nBcc: victim@example.org"
	tests := []struct {
		name   string
		change func(in *contact.Input)
		want   []apperr.FieldError
	}{
		{"name missing", func(in *contact.Input) { in.Name = "" }, fe("name", "required")},
		{"name blank", func(in *contact.Input) { in.Name = " \t\r\n " }, fe("name", "required")},
		{"name with CRLF", func(in *contact.Input) { in.Name = "Jürgen" + bcc }, fe("name", "control_characters")},
		{"name with LF", func(in *contact.Input) { in.Name = "Jürgen\nGröße" }, fe("name", "control_characters")},
		{"name with NUL", func(in *contact.Input) { in.Name = "Jürgen\x00" }, fe("name", "control_characters")},
		// 121 umlauts are 242 bytes: the limit counts characters, not bytes.
		{"name too long by characters", func(in *contact.Input) { in.Name = strings.Repeat("ü", contact.MaxName+1) }, fe("name", "too_long")},
		{"name too long, Arabic", func(in *contact.Input) { in.Name = strings.Repeat("ع", contact.MaxName+1) }, fe("name", "too_long")},
		{"email missing", func(in *contact.Input) { in.Email = " " }, fe("email", "required")},
		{"email without domain", func(in *contact.Input) { in.Email = "juergen@" }, fe("email", "invalid")},
		{"email without at", func(in *contact.Input) { in.Email = "juergen.example.org" }, fe("email", "email_no_at")},
		{"email with a space", func(in *contact.Input) { in.Email = "juergen mueller@example.org" }, fe("email", "email_space")},
		{"email with a display name", func(in *contact.Input) { in.Email = "Jürgen <juergen@example.org>" }, fe("email", "invalid")},
		{"email, two addresses", func(in *contact.Input) { in.Email = "juergen@example.org, victim@example.org" }, fe("email", "invalid")},
		{"email, non-ASCII local part", func(in *contact.Input) { in.Email = "jürgen@example.org" }, fe("email", "email_non_ascii")},
		{"email, Cyrillic local part", func(in *contact.Input) { in.Email = "олена@example.org" }, fe("email", "email_non_ascii")},
		{"email with header injection", func(in *contact.Input) { in.Email = "juergen@example.org" + bcc }, fe("email", "invalid")},
		{"email with LF injection", func(in *contact.Input) { in.Email = "juergen@example.org\nCc: victim@example.org" }, fe("email", "invalid")},
		{"topic missing", func(in *contact.Input) { in.Topic = "" }, fe("topic", "required")},
		{"topic unknown", func(in *contact.Input) { in.Topic = "cooking" }, fe("topic", "unknown_choice")},
		{"topic is a label, not an id", func(in *contact.Input) { in.Topic = "Sprachkurse" }, fe("topic", "unknown_choice")},
		{"topic with header injection", func(in *contact.Input) { in.Topic = "general" + bcc }, fe("topic", "unknown_choice")},
		{"message missing", func(in *contact.Input) { in.Message = "" }, fe("message", "required")},
		{"message only line breaks", func(in *contact.Input) { in.Message = "\r\n \r\n\t" }, fe("message", "required")},
		{"message too long", func(in *contact.Input) { in.Message = strings.Repeat("ä", contact.MaxMessage+1) }, fe("message", "too_long")},
		{"message with NUL", func(in *contact.Input) { in.Message = "Hallo\x00Welt" }, fe("message", "control_characters")},
		{"message with escape", func(in *contact.Input) { in.Message = "Hallo \x1b[2J" }, fe("message", "control_characters")},
		{"message with a lone CR", func(in *contact.Input) { in.Message = "Hallo\rBcc: victim@example.org" }, fe("message", "control_characters")},
		{"message with invalid UTF-8", func(in *contact.Input) { in.Message = "Hallo \xc3" }, fe("message", "control_characters")},
		{"phone invalid", func(in *contact.Input) { in.Phone = "call me maybe" }, fe("phone", "invalid")},
		{"phone with too few digits", func(in *contact.Input) { in.Phone = "+1 ()" }, fe("phone", "invalid")},
		{"phone with header injection", func(in *contact.Input) { in.Phone = "03695 123456" + bcc }, fe("phone", "invalid")},
		{"network unknown", func(in *contact.Input) { in.Network = "erfurt" }, fe("network", "unknown_choice")},
		{"network is the county network", func(in *contact.Input) { in.Network = "wartburgkreis" }, fe("network", "unknown_choice")},
		{"network with header injection", func(in *contact.Input) { in.Network = "eisenach" + bcc }, fe("network", "unknown_choice")},
		{"consent false", func(in *contact.Input) { in.Consent = false }, fe("consent", "must_accept")},
		{"everything missing, every problem at once", func(in *contact.Input) { *in = contact.Input{} },
			fe("name", "required", "email", "required", "topic", "required", "message", "required", "consent", "must_accept")},
		{"several wrong", func(in *contact.Input) { in.Email = "x@"; in.Phone = "abc"; in.Network = "erfurt" },
			fe("email", "invalid", "phone", "invalid", "network", "unknown_choice")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid()
			tt.change(&in)
			m, err := e.svc.Submit(context.Background(), in, "de")
			ae, ok := errors.AsType[*apperr.Error](err)
			if !ok || ae.Code != apperr.Invalid || ae.Message != "problem.invalid" {
				t.Fatalf("error = %v, want apperr.Invalid problem.invalid", err)
			}
			equal(t, "field errors", ae.Fields, tt.want)
			equal(t, "message", m, contact.Message{})
		})
	}
	t.Run("nothing written", func(t *testing.T) {
		if got := e.items(t); len(got) != 0 {
			t.Errorf("items after invalid input: %v", got)
		}
		if len(*e.mails) != 0 {
			t.Errorf("mails after invalid input: %v", *e.mails)
		}
	})
}

// TestSubmitLimits: the limits count characters, and values at a limit are
// kept whole.
func TestSubmitLimits(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name        string
		change      func(in *contact.Input)
		wantName    string
		wantMessage string
	}{
		{"name at the limit in umlauts", func(in *contact.Input) { in.Name = strings.Repeat("ö", contact.MaxName) },
			strings.Repeat("ö", contact.MaxName), "Guten Tag,\nwann beginnt der nächste Sprachkurs?\nViele Grüße"},
		{"name trimmed", func(in *contact.Input) { in.Name = "  Олена Коваль \t" },
			"Олена Коваль", "Guten Tag,\nwann beginnt der nächste Sprachkurs?\nViele Grüße"},
		{"message at the limit in Arabic", func(in *contact.Input) { in.Message = strings.Repeat("ع", contact.MaxMessage) },
			"Jürgen Größe", strings.Repeat("ع", contact.MaxMessage)},
		// 7499 bytes, but 5000 characters once each CRLF is one line break.
		{"message line breaks count once", func(in *contact.Input) { in.Message = strings.Repeat("a\r\n", contact.MaxMessage/2-1) + "aa" },
			"Jürgen Größe", strings.Repeat("a\n", contact.MaxMessage/2-1) + "aa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid()
			tt.change(&in)
			m, inbox, _ := e.submit(t, in, "de")
			item := e.rawContact(t, m.ID)
			equal(t, "stored name", testenv.S(item, "name"), tt.wantName)
			equal(t, "stored message", testenv.S(item, "message"), tt.wantMessage)
			equal(t, "mailed name", inbox.Data["name"], tt.wantName)
			equal(t, "mailed message", inbox.Data["message"], tt.wantMessage)
		})
	}
}

// TestRouting: a topic with its own inbox goes there whatever network was
// chosen; a topic without one goes to the chosen regional network's inbox,
// or to the main inbox when none was chosen.
func TestRouting(t *testing.T) {
	e := newEnv(t)
	const main = "integration@example.org"
	tests := []struct {
		topic, network string
		want           string
	}{
		{"general", "", main},
		{"general", "eisenach", "netzwerk-eisenach@example.org"},
		{"general", "bad-salzungen", "netzwerk-bad-salzungen@example.org"},
		{"general", "wutha-farnroda", "netzwerk-wutha-farnroda@example.org"},
		{"general", "staedte-gemeinden", "netzwerk-kommunen@example.org"},
		{"general", " eisenach ", "netzwerk-eisenach@example.org"},
		{"joining", "", main},
		{"joining", "wutha-farnroda", "netzwerk-wutha-farnroda@example.org"},
		{"language-courses", "", "ag-sprache@example.org"},
		{"language-courses", "eisenach", "ag-sprache@example.org"},
		{"work-recognition", "", "ag-arbeit@example.org"},
		{"work-recognition", "bad-salzungen", "ag-arbeit@example.org"},
		{"counselling", "", "ag-beratung@example.org"},
		{"counselling", "staedte-gemeinden", "ag-beratung@example.org"},
		{"housing", "", "ag-wohnen@example.org"},
		{"housing", "wutha-farnroda", "ag-wohnen@example.org"},
	}
	t.Run("the table covers every topic of the shipped configuration", func(t *testing.T) {
		alone := map[string]string{} // topic → inbox without a network
		for _, tt := range tests {
			if tt.network == "" {
				alone[tt.topic] = tt.want
			}
		}
		for _, ch := range e.cfg.Topics {
			want := ch.Inbox
			if want == "" {
				want = main
			}
			if got, ok := alone[ch.ID]; !ok || got != want {
				t.Errorf("topic %q: routed to %q here, the configuration says %q", ch.ID, got, want)
			}
		}
		if got := e.cfg.MainInbox(); got != main {
			t.Errorf("main inbox %q, want %q", got, main)
		}
	})
	for _, tt := range tests {
		name := tt.topic
		if tt.network != "" {
			name += " in " + strings.TrimSpace(tt.network)
		}
		t.Run(name, func(t *testing.T) {
			in := valid()
			in.Topic, in.Network = tt.topic, tt.network
			m, inbox, ack := e.submit(t, in, "de")
			equal(t, "Message.Inbox", m.Inbox, tt.want)
			equal(t, "Message.Network", m.Network, strings.TrimSpace(tt.network))
			item := e.rawContact(t, m.ID)
			equal(t, "stored inbox", testenv.S(item, "inbox"), tt.want)
			equal(t, "stored topic", testenv.S(item, "topic"), tt.topic)
			equal(t, "stored network", testenv.S(item, "network"), strings.TrimSpace(tt.network))
			equal(t, "inbox mail To", inbox.To, []string{tt.want})
			equal(t, "inbox mail Cc", inbox.Cc, []string(nil))
			equal(t, "ack To", ack.To, []string{"Juergen.Groesse@example.org"})
			equal(t, "ack Cc", ack.Cc, []string(nil))
		})
	}
}

func TestSubmitStores(t *testing.T) {
	e := newEnv(t)
	in := valid()
	in.Topic, in.Network = "general", "eisenach"
	m, inbox, ack := e.submit(t, in, "en")
	const addr = "Juergen.Groesse@example.org" // the domain lower-cased, the local part kept
	const text = "Guten Tag,\nwann beginnt der nächste Sprachkurs?\nViele Grüße"
	const at = "2026-03-02T09:15:30.123Z"
	const received = "2026-03-02T09:15:30Z"

	t.Run("the returned message", func(t *testing.T) {
		if !id.Valid(m.ID) {
			t.Errorf("ID %q is not an id", m.ID)
		}
		want := contact.Message{
			ID: m.ID, Reference: m.Reference, Name: "Jürgen Größe", Email: addr,
			EmailHash: e.keys.EmailHash(email.Key(addr)), Phone: "03695 123456", Topic: "general",
			Network: "eisenach", Text: text, Locale: "en", Inbox: "netzwerk-eisenach@example.org",
			ConsentAt: start, ConsentVer: "2026-02-27", CreatedAt: start,
			ExpiresAt: start.Add(180 * 24 * time.Hour), Status: contact.Open,
		}
		equal(t, "message", m, want)
	})

	t.Run("the stored item", func(t *testing.T) {
		item := e.rawContact(t, m.ID)
		if item == nil {
			t.Fatalf("no item %s#contact#%s", e.cfg.ID, m.ID)
		}
		got := map[string]string{}
		for k, v := range item {
			attrStrings(k, v, got)
		}
		want := map[string]string{
			"pk":             e.cfg.ID + "#contact#" + m.ID,
			"sk":             "contact",
			"gsi1pk":         e.cfg.ID + "#contacts#all",
			"gsi1sk":         at + "#" + m.ID,
			"id":             m.ID,
			"reference":      m.Reference,
			"name":           "Jürgen Größe",
			"email":          addr,
			"emailHash":      e.keys.EmailHash("juergen.groesse@example.org"),
			"phone":          "03695 123456",
			"topic":          "general",
			"network":        "eisenach",
			"message":        text,
			"locale":         "en",
			"inbox":          "netzwerk-eisenach@example.org",
			"consentAt":      at,
			"consentVersion": "2026-02-27",
			"createdAt":      at,
			"status":         "open",
			"expiresAt":      strconv.FormatInt(start.Add(time.Duration(e.cfg.Retention.ContactMessageDays)*24*time.Hour).Unix(), 10),
		}
		equal(t, "item", got, want)
		if e.cfg.Retention.ContactMessageDays != 180 {
			t.Errorf("contactMessageDays %d, want the shipped 180", e.cfg.Retention.ContactMessageDays)
		}
	})

	t.Run("the inbox mail has everything, Reply-To the sender", func(t *testing.T) {
		want := testenv.StoredMail{
			ID: inbox.ID, Template: "contact.inbox", Locale: "de",
			To: []string{"netzwerk-eisenach@example.org"}, ReplyTo: addr, ReplyToName: "Jürgen Größe",
			Data: map[string]string{
				"reference":      m.Reference,
				"name":           "Jürgen Größe",
				"email":          addr,
				"phone":          "03695 123456",
				"topic":          "Allgemeine Fragen",
				"network":        "Regionales Netzwerk Eisenach",
				"message":        text,
				"senderLocale":   "en",
				"receivedAt":     received,
				"consentAt":      received,
				"consentVersion": "2026-02-27",
			},
			Status: "pending",
		}
		equal(t, "inbox mail", inbox, want)
	})

	t.Run("the acknowledgement has nothing the sender typed", func(t *testing.T) {
		want := testenv.StoredMail{
			ID: ack.ID, Template: "contact.ack", Locale: "en", To: []string{addr},
			Data:   map[string]string{"reference": m.Reference, "topic": "General questions", "receivedAt": received},
			Status: "pending",
		}
		equal(t, "ack", ack, want)
		all := map[string]string{}
		for k, v := range e.rawMail(t, ack.ID) {
			attrStrings(k, v, all)
		}
		for _, path := range slices.Sorted(maps.Keys(all)) {
			v := all[path]
			for _, typed := range []string{"Jürgen", "Größe", "Juergen", "juergen", "Sprachkurs", "Viele Grüße", "123456", "eisenach", "Eisenach"} {
				if path == "to[0]" && v == addr {
					continue // where it goes, not what it says
				}
				if strings.Contains(v, typed) {
					t.Errorf("ack attribute %s = %q contains %q", path, v, typed)
				}
			}
		}
	})

	t.Run("three distinct ids", func(t *testing.T) {
		ids := []string{m.ID, inbox.ID, ack.ID}
		if len(slices.Compact(slices.Sorted(slices.Values(ids)))) != 3 {
			t.Errorf("ids %v are not distinct", ids)
		}
		if got := e.items(t); len(got) != 3 {
			t.Errorf("items %v, want the message and two mails", got)
		}
	})
}

// TestAckLocale: the acknowledgement speaks the sender's language, the inbox
// mail the coordinators' (German).
func TestAckLocale(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		locale, topic string
		wantLabel     string
		wantInbox     string
	}{
		{"de", "work-recognition", "Arbeit und Anerkennung von Abschlüssen", "Arbeit und Anerkennung von Abschlüssen"},
		{"en", "work-recognition", "Work and recognition of qualifications", "Arbeit und Anerkennung von Abschlüssen"},
		{"en", "housing", "Housing", "Wohnen"},
		{"de", "housing", "Wohnen", "Wohnen"},
	}
	for _, tt := range tests {
		t.Run(tt.locale+" "+tt.topic, func(t *testing.T) {
			in := valid()
			in.Topic = tt.topic
			m, inbox, ack := e.submit(t, in, tt.locale)
			equal(t, "ack locale", ack.Locale, tt.locale)
			equal(t, "ack topic", ack.Data["topic"], tt.wantLabel)
			equal(t, "inbox locale", inbox.Locale, "de")
			equal(t, "inbox topic", inbox.Data["topic"], tt.wantInbox)
			equal(t, "inbox senderLocale", inbox.Data["senderLocale"], tt.locale)
			equal(t, "stored locale", testenv.S(e.rawContact(t, m.ID), "locale"), tt.locale)
		})
	}
}

var referencePattern = regexp.MustCompile(`^K-[2345679ACDEFGHJKMNPQRTWXYZ]{4}-[2345679ACDEFGHJKMNPQRTWXYZ]{4}$`)

func TestReference(t *testing.T) {
	const n = 10_000
	seen := make(map[string]bool, n)
	chars := map[rune]int{}
	for range n {
		ref := contact.Reference()
		if !referencePattern.MatchString(ref) {
			t.Fatalf("Reference() = %q, want K-XXXX-XXXX from the alphabet", ref)
		}
		if seen[ref] {
			t.Fatalf("Reference() repeated %q within %d", ref, len(seen))
		}
		seen[ref] = true
		for _, r := range strings.ReplaceAll(ref[2:], "-", "") {
			chars[r]++
		}
	}
	t.Run("every character of the alphabet is used", func(t *testing.T) {
		for _, r := range "2345679ACDEFGHJKMNPQRTWXYZ" {
			// 80 000 characters over 26: about 3 000 each.
			if chars[r] < 2000 {
				t.Errorf("%q drawn %d times in %d references", r, chars[r], n)
			}
		}
	})
	t.Run("none that people confuse on the phone", func(t *testing.T) {
		for _, r := range "01OILSB8UV" {
			if chars[r] != 0 {
				t.Errorf("%q drawn %d times", r, chars[r])
			}
		}
	})
	t.Run("Submit stores and returns one", func(t *testing.T) {
		e := newEnv(t)
		m, inbox, ack := e.submit(t, valid(), "de")
		if !referencePattern.MatchString(m.Reference) {
			t.Errorf("Reference %q", m.Reference)
		}
		equal(t, "stored reference", testenv.S(e.rawContact(t, m.ID), "reference"), m.Reference)
		equal(t, "inbox mail reference", inbox.Data["reference"], m.Reference)
		equal(t, "ack reference", ack.Data["reference"], m.Reference)
	})
}

func TestStorageDown(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	e.db.Emulator.EmulateFailure(miniserver.FailureConditionInternalServerError)
	for _, locale := range []string{"de", "en"} {
		t.Run("Submit "+locale, func(t *testing.T) {
			m, err := e.svc.Submit(ctx, valid(), locale)
			ae, ok := errors.AsType[*apperr.Error](err)
			if !ok || ae.Code != apperr.Unavailable || ae.Message != "problem.unavailable" || len(ae.Fields) != 0 {
				t.Errorf("error = %v, want apperr.Unavailable problem.unavailable", err)
			}
			if ok && ae.Err == nil {
				t.Error("the storage failure is not kept as the cause for the log")
			}
			equal(t, "message", m, contact.Message{})
		})
	}
	t.Run("invalid input needs no storage", func(t *testing.T) {
		_, err := e.svc.Submit(ctx, contact.Input{}, "de")
		if got := apperr.CodeOf(err); got != apperr.Invalid {
			t.Errorf("error code = %s, want invalid", got)
		}
	})
	e.db.Emulator.EmulateFailure(miniserver.FailureConditionNone)

	t.Run("nothing written", func(t *testing.T) {
		if got := e.items(t); len(got) != 0 {
			t.Errorf("items after the outage: %v", got)
		}
		if len(*e.mails) != 0 {
			t.Errorf("mails announced during the outage: %v", *e.mails)
		}
	})
	t.Run("works again", func(t *testing.T) {
		m, inbox, ack := e.submit(t, valid(), "de")
		if e.rawContact(t, m.ID) == nil || e.rawMail(t, inbox.ID) == nil || e.rawMail(t, ack.ID) == nil {
			t.Error("message or mails missing after recovery")
		}
		if got := e.items(t); len(got) != 3 {
			t.Errorf("items %v, want the message and two mails", got)
		}
	})
}

// TestStoreExpiry checks expiresAt against the configuration for a clock
// that is not on a whole second.
func TestStoreExpiry(t *testing.T) {
	e := newEnv(t)
	for _, days := range []int{1, 30, 180} {
		t.Run(fmt.Sprint(days, " days"), func(t *testing.T) {
			e.cfg.Retention.ContactMessageDays = days
			m, _, _ := e.submit(t, valid(), "de")
			want := start.Add(time.Duration(days) * 24 * time.Hour)
			equal(t, "ExpiresAt", m.ExpiresAt, want)
			equal(t, "stored expiresAt", testenv.N(e.rawContact(t, m.ID), "expiresAt"), strconv.FormatInt(want.Unix(), 10))
		})
	}
}
