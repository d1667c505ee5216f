package mailtext_test

import (
	"encoding/json"
	"maps"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/digest"
	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/mailtext"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// goldenCase is one mail, rendered in every language.
type goldenCase struct {
	name string // the golden files' folder
	mail outbox.Mail
	// config changes the deployment's configuration for this case.
	config func(*network.Config)
}

// goldenCases covers every mail kind and each branch of its text and HTML:
// optional fields present and absent, each status, each kind of change.
func goldenCases() []goldenCase {
	created := time.Date(2026, 3, 22, 9, 15, 0, 0, time.UTC)
	mail := func(template string, data map[string]string) outbox.Mail {
		return outbox.Mail{
			ID: "01jn8a0000000000000000009a", Template: template, To: []string{"empfang@example.org"},
			TokenNonce: "bm9uY2UtZ29sZGVu", Data: data, CreatedAt: created,
		}
	}
	with := func(data map[string]string, kv ...string) map[string]string {
		d := maps.Clone(data)
		for i := 0; i+1 < len(kv); i += 2 {
			d[kv[i]] = kv[i+1]
		}
		return d
	}
	without := func(data map[string]string, keys ...string) map[string]string {
		d := maps.Clone(data)
		for _, k := range keys {
			delete(d, k)
		}
		return d
	}

	application := map[string]string{
		"applicationId":    "01jn8a0000000000000000000c",
		"organisation":     testenv.HostileQuote + " " + testenv.HostileTag,
		"organisationType": "Verein oder Initiative",
		"contactName":      testenv.HostileBidi,
		"email":            "o'brien+netz@example.org",
		"phone":            "+49 3695 615803",
		"website":          "https://example.org/a b/ä?x=1&y='2'",
		"workingGroups":    "AG Sprache, AG Arbeit & Ausbildung",
		"regionalNetworks": "Regionales Netzwerk Eisenach",
		"message":          testenv.HostileLines + testenv.HostileLong,
		"applicantLocale":  "ar",
		"createdAt":        "2026-03-29T00:30:00Z",
		"consentAt":        "2026-10-25T00:30:00Z",
		"consentVersion":   "2026-02-27",
		"expiresAt":        "2026-03-29T00:30:00Z",
		"reason":           testenv.HostileLines + testenv.HostileTag,
	}
	// A confirm link names its application (secret.Keys.LinkToken).
	confirm := mail("partner.confirm", application)
	confirm.LinkRef = "a." + application["applicationId"]

	contact := map[string]string{
		"reference":      "K-7F3A-92QX",
		"topic":          "Sprachkurse & " + testenv.HostileTag,
		"network":        "Netzwerk Eisenach <b>",
		"name":           testenv.HostileBidi,
		"email":          `"quoted"@example.org`,
		"phone":          "+49 (0)3691 <123>",
		"senderLocale":   "fa",
		"receivedAt":     "2026-10-25T00:30:00Z",
		"consentAt":      "2026-10-25T00:30:00Z",
		"consentVersion": "2026-02-27",
		"message":        testenv.HostileLines + testenv.HostileLong,
	}
	event := map[string]string{
		"registrationId":  "01jn8a0000000000000000001c",
		"status":          "confirmed",
		"sequence":        "2",
		"position":        "3",
		"eventTitle":      testenv.HostileQuote + " " + testenv.HostileBidi,
		"eventStartsAt":   "2026-03-29T00:30:00Z",
		"eventEndsAt":     "2026-03-29T02:30:00Z",
		"timeZone":        "Europe/Berlin",
		"locationName":    "Mehrgenerationenhaus <Eisenach> & Co",
		"locationAddress": "Goethestraße 12\n99817 Eisenach",
		"onlineUrl":       "https://meet.example.org/raum?id=1&pw=x'y+z(ä)#Start",
		"changed":         "time-location",
	}
	// A cancel link names its registration: the event's id and the
	// address's keyed hash (secret.Keys.LinkToken).
	linked := func(template string, data map[string]string) outbox.Mail {
		m := mail(template, data)
		m.LinkRef = "r.01jn8a000000000000000000e1b8842617642f309c64e0ea47db37ee256c13ef8286b8ee67f17486545892c73b"
		return m
	}
	online := with(without(event, "locationName", "locationAddress"),
		"onlineUrl", "HTTPS://Meet.Example.org/%41raum/ü", "timeZone", "America/New_York")
	// Calendars refuse what is not an http(s) address, so only mails
	// without an invitation can carry one.
	javascript := with(online, "onlineUrl", `javascript:alert("x")`, "status", "waitlisted")

	full := digest.Summary{
		Since: created.Add(-24 * time.Hour),
		Reviews: []digest.Review{
			{ID: "01jn8a000000000000000000r1", Organisation: testenv.HostileQuote, ConfirmedAt: created.Add(-3 * time.Hour), New: true},
			{ID: "id with space/ä", Organisation: testenv.HostileTag, ConfirmedAt: created.Add(-72 * time.Hour)},
		},
		Events: []digest.Event{
			{ID: "01jn8a000000000000000000e1", Title: testenv.HostileBidi, StartsAt: created.Add(48 * time.Hour), Capacity: 20, Confirmed: 20, Waiting: 4, NewSignups: 2},
			{ID: "01jn8a000000000000000000e2", Title: "Sprachcafé", StartsAt: created.Add(96 * time.Hour), Capacity: 12, Confirmed: 3},
		},
		Topics: []digest.Topic{{ID: "language-courses", Label: "Sprachkurse & <mehr>", New: 2}, {ID: "other", Label: "Sonstiges", New: 1}},
		Parked: 1,
	}
	summary := func(s digest.Summary) string {
		b, err := json.Marshal(s)
		if err != nil {
			panic(err)
		}
		return string(b)
	}

	hostileConfig := func(cfg *network.Config) {
		cfg.Name = network.Text{"de": `Netz "für" <Integration> & Co`, "en": `Net 'for' <Integration> + Co`}
		cfg.Phone = "+49 <3695> 61"
		cfg.Privacy.URL = "javascript:alert('privacy')"
		cfg.PublicBaseURL = "https://netz.example.org/pfad mit leerzeichen/"
	}

	return []goldenCase{
		{name: "partner.confirm", mail: confirm},
		{name: "partner.confirm.hostile-config", mail: confirm, config: hostileConfig},
		{name: "partner.review", mail: mail("partner.review", application)},
		{name: "partner.review.minimal", mail: mail("partner.review", without(application, "phone", "website", "regionalNetworks", "message"))},
		{name: "partner.review.javascript-website", mail: mail("partner.review", with(application, "website", " JavaScript:alert(3)"))},
		{name: "partner.review.hostile-config", mail: mail("partner.review", application), config: hostileConfig},
		{name: "partner.inreview", mail: mail("partner.inreview", application)},
		{name: "partner.approved", mail: mail("partner.approved", application)},
		{name: "partner.approved.no-reason", mail: mail("partner.approved", without(application, "reason"))},
		{name: "partner.rejected", mail: mail("partner.rejected", application)},
		{name: "partner.rejected.no-reason", mail: mail("partner.rejected", without(application, "reason"))},
		{name: "contact.inbox", mail: mail("contact.inbox", contact)},
		{name: "contact.inbox.minimal", mail: mail("contact.inbox", without(contact, "network", "phone"))},
		{name: "contact.inbox.odd-bytes", mail: mail("contact.inbox", with(contact, "message", "nul\x00 invalid\xff utf-8", "email", "mailto:x@example.org?subject=<x>"))},
		{name: "contact.inbox.hostile-config", mail: mail("contact.inbox", contact), config: hostileConfig},
		{name: "contact.ack", mail: mail("contact.ack", contact)},
		{name: "event.confirmed", mail: linked("event.confirmed", event)},
		{name: "event.confirmed.online", mail: linked("event.confirmed", online)},
		{name: "event.confirmed.hostile-config", mail: linked("event.confirmed", event), config: hostileConfig},
		{name: "event.promoted", mail: linked("event.promoted", event)},
		{name: "event.waitlisted", mail: linked("event.waitlisted", with(event, "status", "waitlisted"))},
		{name: "event.waitlisted.javascript-url", mail: linked("event.waitlisted", javascript)},
		{name: "event.reminder", mail: linked("event.reminder", without(event, "onlineUrl", "locationAddress"))},
		{name: "event.cancelled", mail: mail("event.cancelled", event)},
		{name: "event.cancelled.waitlisted", mail: mail("event.cancelled", javascript)},
		{name: "event.updated", mail: linked("event.updated", event)},
		{name: "event.updated.location-waitlisted", mail: linked("event.updated", with(event, "changed", "location", "status", "waitlisted"))},
		{name: "event.updated.time", mail: linked("event.updated", with(online, "changed", "time"))},
		{name: "event.updated.javascript-url", mail: linked("event.updated", with(javascript, "changed", "time"))},
		{name: "event.updated.unknown-change", mail: linked("event.updated", with(event, "changed", "<weather>"))},
		{name: "event.called-off", mail: mail("event.called-off", event)},
		{name: "event.called-off.waitlisted", mail: mail("event.called-off", with(event, "status", "waitlisted"))},
		{name: "digest.daily", mail: mail("digest.daily", map[string]string{"day": "2026-03-22", "summary": summary(full)})},
		{name: "digest.daily.only-parked", mail: mail("digest.daily", map[string]string{"day": "2026-03-22", "summary": summary(digest.Summary{Since: full.Since, Parked: 3})})},
		{name: "digest.daily.unreadable", mail: mail("digest.daily", map[string]string{"day": "not a day", "summary": "{"})},
		{name: "hostile-config.digest", mail: mail("digest.daily", map[string]string{"day": "2026-03-22", "summary": summary(full)}), config: hostileConfig},
	}
}

// TestGolden renders every mail kind in every language and compares the
// subject, the text part and the HTML part with the files under
// testdata/golden, byte for byte: the renderer may change how it writes a
// mail, never what the mail says. go test -run Golden -update rewrites
// them; review the diff before committing it.
func TestGolden(t *testing.T) {
	keys := testenv.Keys(t)
	for _, c := range goldenCases() {
		cfg := testenv.Config(t)
		if c.config != nil {
			c.config(cfg)
		}
		r := mailtext.New(cfg, keys)
		for _, l := range i18n.Locales() {
			t.Run(c.name+"/"+l, func(t *testing.T) {
				m := c.mail
				m.Locale = l
				msg, err := r.Render(m)
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				dir := filepath.Join("testdata", "golden", c.name)
				testenv.Golden(t, filepath.Join(dir, l+".txt"), []byte("Subject: "+strconv.Quote(msg.Subject)+"\n\n"+msg.Text))
				testenv.Golden(t, filepath.Join(dir, l+".html"), []byte(msg.HTML))
			})
		}
	}
}

// Whatever field a person typed into, the HTML part never carries it as
// markup: every value of every mail, the digest's names and ids too, is
// replaced by one that tries to open a tag and leave an attribute, and
// none of it may come through unescaped.
func TestHostileInEveryField(t *testing.T) {
	hostile := func(field string) string { return `<i>` + field + `"'&` }
	r := mailtext.New(testenv.Config(t), testenv.Keys(t))
	summary, err := json.Marshal(digest.Summary{
		Reviews: []digest.Review{{ID: hostile("review.id"), Organisation: hostile("review.organisation"), New: true}},
		Events:  []digest.Event{{ID: hostile("event.id"), Title: hostile("event.title"), Waiting: 1, NewSignups: 1}},
		Topics:  []digest.Topic{{ID: hostile("topic.id"), Label: hostile("topic.label"), New: 1}},
		Parked:  1,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range goldenCases() {
		m := c.mail
		m.Data = map[string]string{}
		for k := range c.mail.Data {
			m.Data[k] = hostile(k)
		}
		if m.Template == "digest.daily" {
			m.Data["summary"] = string(summary)
		}
		for _, l := range i18n.Locales() {
			m.Locale = l
			msg, err := r.Render(m)
			if err != nil {
				t.Fatalf("%s/%s: Render: %v", c.name, l, err)
			}
			for _, raw := range []string{"<i>", `"'`, `'&`} {
				if strings.Contains(msg.HTML, raw) {
					t.Errorf("%s/%s: html carries %q unescaped:\n%s", c.name, l, raw, msg.HTML)
				}
			}
		}
	}
}
