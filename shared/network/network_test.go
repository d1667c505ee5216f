package network_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wartburgkreis/netzwerk/shared/network"
)

const shipped = "../../infra/config/wartburgkreis.json"

func ids(list []network.Choice) []string {
	var out []string
	for _, ch := range list {
		out = append(out, ch.ID)
	}
	return out
}

func TestShippedConfig(t *testing.T) {
	c, err := network.Load(shipped)
	if err != nil {
		t.Fatalf("Load(%s): %v", shipped, err)
	}

	t.Run("basics", func(t *testing.T) {
		checks := []struct {
			name      string
			got, want any
		}{
			{"id", c.ID, "wartburgkreis"},
			{"German name", c.Name.In("de"), "Netzwerk für Integration im Wartburgkreis"},
			{"English name", c.Name.In("en"), "Integration Network of the Wartburgkreis"},
			{"main network", c.MainNetwork, "wartburgkreis"},
			{"main inbox", c.MainInbox(), "integration@example.org"},
			{"sender", c.Sender.Address, "integration@example.org"},
			{"token validity", c.TokenValidity(), 7 * 24 * time.Hour},
			{"privacy version set", c.Privacy.Version != "", true},
			{"privacy url is https", strings.HasPrefix(c.Privacy.URL, "https://"), true},
		}
		for _, ck := range checks {
			if diff := cmp.Diff(ck.want, ck.got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", ck.name, diff)
			}
		}
	})

	t.Run("working groups", func(t *testing.T) {
		want := []string{"language", "work", "counselling", "housing"}
		if diff := cmp.Diff(want, ids(c.WorkingGroups)); diff != "" {
			t.Errorf("working groups (-want +got):\n%s", diff)
		}
		for _, g := range c.WorkingGroups {
			if g.Inbox == "" {
				t.Errorf("working group %s: got no inbox, want its own", g.ID)
			}
		}
	})

	t.Run("networks", func(t *testing.T) {
		kinds := map[string]string{}
		for _, n := range c.Networks {
			kinds[n.ID] = n.Kind
		}
		want := map[string]string{
			"wartburgkreis":     network.KindCounty,
			"eisenach":          network.KindRegional,
			"bad-salzungen":     network.KindRegional,
			"wutha-farnroda":    network.KindRegional,
			"staedte-gemeinden": network.KindMunicipal,
		}
		if diff := cmp.Diff(want, kinds); diff != "" {
			t.Errorf("network kinds (-want +got):\n%s", diff)
		}
		// Partners may join every network but the county's, which they join anyway.
		wantRegional := []string{"eisenach", "bad-salzungen", "wutha-farnroda", "staedte-gemeinden"}
		if diff := cmp.Diff(wantRegional, ids(c.RegionalNetworks())); diff != "" {
			t.Errorf("RegionalNetworks (-want +got):\n%s", diff)
		}
		for _, n := range c.Networks {
			if n.Inbox == "" {
				t.Errorf("network %s: got no inbox, want its own", n.ID)
			}
		}
	})

	t.Run("every inbox on example.org", func(t *testing.T) {
		var inboxes []string
		for _, list := range [][]network.Choice{c.OrganisationTypes, c.WorkingGroups, c.RegionalNetworks(), c.Topics} {
			for _, ch := range list {
				if ch.Inbox != "" {
					inboxes = append(inboxes, ch.Inbox)
				}
			}
		}
		inboxes = append(inboxes, c.MainInbox(), c.Sender.Address)
		for _, a := range inboxes {
			if !strings.HasSuffix(a, "@example.org") {
				t.Errorf("inbox %q: got another domain, want @example.org", a)
			}
		}
	})

	t.Run("every label in German and English", func(t *testing.T) {
		var all []network.Choice
		all = append(all, c.OrganisationTypes...)
		all = append(all, c.WorkingGroups...)
		all = append(all, c.Topics...)
		for _, n := range c.Networks {
			all = append(all, n.Choice)
		}
		for _, ch := range all {
			for _, l := range []string{"de", "en"} {
				if ch.Label[l] == "" {
					t.Errorf("%s: no %s label", ch.ID, l)
				}
			}
		}
	})

	t.Run("retention", func(t *testing.T) {
		r := c.Retention
		for name, days := range map[string]int{
			"unconfirmedApplicationDays": r.UnconfirmedApplicationDays,
			"pendingReviewDays":          r.PendingReviewDays,
			"sentMailDays":               r.SentMailDays,
			"contactMessageDays":         r.ContactMessageDays,
			"registrationAfterEventDays": r.RegistrationAfterEventDays,
			"rejectedApplicationDays":    r.RejectedApplicationDays,
			"auditDays":                  r.AuditDays,
		} {
			if days <= 0 {
				t.Errorf("%s: got %d, want positive", name, days)
			}
		}
		if got, want := network.Days(r.UnconfirmedApplicationDays), 14*24*time.Hour; got != want {
			t.Errorf("Days(unconfirmedApplicationDays): got %v, want %v", got, want)
		}
	})
}

func TestLoadMissingFile(t *testing.T) {
	_, err := network.Load("testdata/does-not-exist.json")
	if err == nil || !strings.Contains(err.Error(), "network config") {
		t.Errorf("Load(missing): got %v, want an error naming the network config", err)
	}
}

// mutate returns the shipped configuration with change applied to its JSON.
func mutate(t *testing.T, change func(c map[string]any)) []byte {
	t.Helper()
	b, err := os.ReadFile(shipped)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	change(c)
	out, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// entry returns element i of the list named list.
func entry(c map[string]any, list string, i int) map[string]any {
	return c[list].([]any)[i].(map[string]any)
}

func TestParseRefusesBrokenConfig(t *testing.T) {
	tests := []struct {
		name   string
		change func(c map[string]any)
		want   []string // each must appear in the error
	}{
		{"not JSON", nil, []string{"network config"}},
		{"upper-case id", func(c map[string]any) { c["id"] = "Wartburgkreis" }, []string{"id", "Wartburgkreis"}},
		{"id with space", func(c map[string]any) { c["id"] = "wartburg kreis" }, []string{"id"}},
		{"empty id", func(c map[string]any) { c["id"] = "" }, []string{"id"}},
		{"id too long", func(c map[string]any) { c["id"] = strings.Repeat("a", 41) }, []string{"id"}},
		{"no name", func(c map[string]any) { delete(c, "name") }, []string{"name", "German"}},
		{"empty German name", func(c map[string]any) { c["name"] = map[string]any{"de": "", "en": "Network"} }, []string{"name", "German"}},
		{"only an English name", func(c map[string]any) { c["name"] = map[string]any{"en": "Integration Network"} }, []string{"name", "German"}},
		{"relative base URL", func(c map[string]any) { c["publicBaseURL"] = "/api" }, []string{"publicBaseURL"}},
		{"host without scheme", func(c map[string]any) { c["publicBaseURL"] = "127.0.0.1:8080" }, []string{"publicBaseURL"}},
		{"ftp base URL", func(c map[string]any) { c["publicBaseURL"] = "ftp://example.org" }, []string{"publicBaseURL"}},
		{"javascript base URL", func(c map[string]any) { c["publicBaseURL"] = "javascript:alert(1)" }, []string{"publicBaseURL"}},
		{"no sender", func(c map[string]any) { c["sender"].(map[string]any)["address"] = "" }, []string{"sender.address"}},
		{"bad sender", func(c map[string]any) { c["sender"].(map[string]any)["address"] = "integration" }, []string{"sender.address"}},
		{"sender with display name", func(c map[string]any) {
			c["sender"].(map[string]any)["address"] = "Netzwerk <integration@example.org>"
		}, []string{"sender.address"}},
		{"no privacy URL", func(c map[string]any) { c["privacy"].(map[string]any)["url"] = "" }, []string{"privacy"}},
		{"no privacy version", func(c map[string]any) { delete(c["privacy"].(map[string]any), "version") }, []string{"privacy"}},
		{"zero token validity", func(c map[string]any) { c["tokenValidityHours"] = 0 }, []string{"tokenValidityHours"}},
		{"negative token validity", func(c map[string]any) { c["tokenValidityHours"] = -1 }, []string{"tokenValidityHours"}},
		{"zero reminder lead time", func(c map[string]any) { c["eventReminderHours"] = 0 }, []string{"eventReminderHours"}},
		{"no mail retry time", func(c map[string]any) { delete(c, "mailRetryHours") }, []string{"mailRetryHours"}},
		{"zero retention", func(c map[string]any) { c["retention"].(map[string]any)["sentMailDays"] = 0 }, []string{"retention.sentMailDays"}},
		{"negative retention", func(c map[string]any) {
			c["retention"].(map[string]any)["pendingReviewDays"] = -30
		}, []string{"retention.pendingReviewDays"}},
		{"missing retention", func(c map[string]any) {
			delete(c["retention"].(map[string]any), "unconfirmedApplicationDays")
		}, []string{"retention.unconfirmedApplicationDays"}},
		{"unknown main network", func(c map[string]any) { c["mainNetwork"] = "thueringen" }, []string{"mainNetwork", "thueringen"}},
		{"main network without inbox", func(c map[string]any) { delete(entry(c, "networks", 0), "inbox") }, []string{"mainNetwork", "inbox"}},
		{"bad network kind", func(c map[string]any) { entry(c, "networks", 1)["kind"] = "city" }, []string{"networks[eisenach].kind", "city"}},
		{"no working groups", func(c map[string]any) { c["workingGroups"] = []any{} }, []string{"workingGroups", "at least one"}},
		{"no organisation types", func(c map[string]any) { delete(c, "organisationTypes") }, []string{"organisationTypes", "at least one"}},
		{"bad choice id", func(c map[string]any) { entry(c, "workingGroups", 1)["id"] = "Arbeit!" }, []string{"workingGroups", "Arbeit!"}},
		{"empty choice id", func(c map[string]any) { entry(c, "topics", 0)["id"] = "" }, []string{"topics", `""`}},
		{"repeated choice id", func(c map[string]any) { entry(c, "workingGroups", 1)["id"] = "language" }, []string{"workingGroups", "language", "repeated"}},
		{"repeated network id", func(c map[string]any) { entry(c, "networks", 2)["id"] = "eisenach" }, []string{"networks", "eisenach", "repeated"}},
		{"missing German label", func(c map[string]any) {
			entry(c, "organisationTypes", 0)["label"] = map[string]any{"en": "Public authority"}
		}, []string{"organisationTypes[authority]", "German label"}},
		{"bad inbox", func(c map[string]any) { entry(c, "workingGroups", 0)["inbox"] = "ag-sprache" }, []string{"workingGroups[language].inbox"}},
		{"inbox with two ats", func(c map[string]any) { entry(c, "topics", 1)["inbox"] = "a@b@example.org" }, []string{"topics[language-courses].inbox"}},
		{"inbox with display name", func(c map[string]any) {
			entry(c, "networks", 1)["inbox"] = "Netzwerk Eisenach <netzwerk-eisenach@example.org>"
		}, []string{"networks[eisenach].inbox"}},
		{"inbox list", func(c map[string]any) {
			entry(c, "workingGroups", 2)["inbox"] = "a@example.org, b@example.org"
		}, []string{"workingGroups[counselling].inbox"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := []byte(`{"id": "x",`)
			if tt.change != nil {
				b = mutate(t, tt.change)
			}
			c, err := network.Parse(b)
			if err == nil {
				t.Fatalf("Parse: got no error, want one naming %q", tt.want)
			}
			if c != nil {
				t.Errorf("Parse: got a config with the error %v, want nil", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Parse: got error %q, want it to name %q", err, w)
				}
			}
		})
	}
}

// The shipped file round-trips through the mutation helper, so every failure
// above is the one change made.
func TestParseUnchangedShippedConfig(t *testing.T) {
	if _, err := network.Parse(mutate(t, func(map[string]any) {})); err != nil {
		t.Fatalf("Parse(shipped): %v", err)
	}
}

func TestTextIn(t *testing.T) {
	tests := []struct {
		name   string
		text   network.Text
		locale string
		want   string
	}{
		{"asked locale", network.Text{"de": "Hallo", "en": "Hello"}, "en", "Hello"},
		{"German", network.Text{"de": "Hallo", "en": "Hello"}, "de", "Hallo"},
		{"missing locale falls back to German", network.Text{"de": "Hallo", "en": "Hello"}, "ar", "Hallo"},
		{"empty translation falls back to German", network.Text{"de": "Hallo", "en": ""}, "en", "Hallo"},
		{"no German falls back to any", network.Text{"en": "Hello"}, "ar", "Hello"},
		{"no German, asked for German", network.Text{"en": "Hello"}, "de", "Hello"},
		{"empty locale", network.Text{"de": "Hallo"}, "", "Hallo"},
		{"empty text", network.Text{}, "de", ""},
		{"nil text", nil, "en", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.text.In(tt.locale); got != tt.want {
				t.Errorf("%v.In(%q): got %q, want %q", tt.text, tt.locale, got, tt.want)
			}
		})
	}
}

func TestFind(t *testing.T) {
	list := []network.Choice{{ID: "language"}, {ID: "work", Inbox: "ag-arbeit@example.org"}}
	tests := []struct {
		id     string
		want   network.Choice
		wantOK bool
	}{
		{"work", network.Choice{ID: "work", Inbox: "ag-arbeit@example.org"}, true},
		{"language", network.Choice{ID: "language"}, true},
		{"housing", network.Choice{}, false},
		{"", network.Choice{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			got, ok := network.Find(list, tt.id)
			if ok != tt.wantOK {
				t.Errorf("Find(%q) ok: got %v, want %v", tt.id, ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Find(%q) (-want +got):\n%s", tt.id, diff)
			}
		})
	}
}

// Every shipped configuration passes the check that a county runs before
// it deploys.
func TestCheckShippedConfigs(t *testing.T) {
	files, err := filepath.Glob("../../infra/config/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no configurations in infra/config: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if p := network.Check(b); len(p) > 0 {
			t.Errorf("%s: %v", f, p)
		}
	}
}

// Check names every problem at once, each at its field path, and nothing
// else.
func TestCheckReportsEveryProblem(t *testing.T) {
	tests := []struct {
		name   string
		change func(c map[string]any)
		want   []string // path: start of the message, in order
		// wantFrom computes want from the changed configuration.
		wantFrom func(c network.Config) []string
	}{
		{"unknown keys at every level", func(c map[string]any) {
			c["tokenValidity"] = 168
			c["retention"].(map[string]any)["sentMailsDays"] = 30
			entry(c, "workingGroups", 0)["inboxes"] = []any{"a@example.org"}
			entry(c, "networks", 1)["region"] = "west"
		}, []string{
			"networks[eisenach].region: unknown key",
			"retention.sentMailsDays: unknown key",
			"tokenValidity: unknown key",
			"workingGroups[language].inboxes: unknown key",
		}, nil},
		{"wrong types", func(c map[string]any) {
			c["tokenValidityHours"] = "168"
			c["digestHour"] = 7.5
			c["topics"] = map[string]any{"id": "x"}
			entry(c, "workingGroups", 1)["label"] = "AG Arbeit"
		}, []string{
			"digestHour: want a whole number, got a number",
			"tokenValidityHours: want a whole number, got a string",
			"topics: want a list, got an object",
			"workingGroups[work].label: want an object of texts by language, got a string",
		}, nil},
		{"translations", func(c map[string]any) {
			// The shipped texts have all seven languages: take Ukrainian
			// out of every one, then give it back to a single label.
			delete(c["name"].(map[string]any), "uk")
			delete(c["sender"].(map[string]any)["name"].(map[string]any), "uk")
			for _, list := range []string{"networks", "organisationTypes", "topics", "workingGroups"} {
				for i := range c[list].([]any) {
					delete(entry(c, list, i)["label"].(map[string]any), "uk")
				}
			}
			entry(c, "workingGroups", 2)["label"] = map[string]any{"de": "AG Beratung"}
			entry(c, "topics", 0)["label"].(map[string]any)["uk"] = "Загальне"
			entry(c, "networks", 1)["label"].(map[string]any)["english"] = "Eisenach"
		}, nil, func(c network.Config) []string {
			// The unknown language first (shape), then every text without
			// Ukrainian, now used; the German-only label lacks the other
			// five languages too.
			want := []string{"networks[eisenach].label.english: unknown language"}
			for _, p := range texts(c) {
				switch p {
				case "topics[general].label":
				case "workingGroups[counselling].label":
					want = append(want, p+": no text in ar, en, fa, ru, tr, uk")
				default:
					want = append(want, p+": no text in uk")
				}
			}
			return want
		}},
		{"addresses", func(c map[string]any) {
			c["sender"].(map[string]any)["address"] = "integration@"
			entry(c, "networks", 2)["inbox"] = "Netzwerk <bs@example.org>"
			entry(c, "topics", 1)["inbox"] = "a@example.org, b@example.org"
			delete(entry(c, "networks", 0), "inbox")
		}, []string{
			"sender.address: \"integration@\"",
			"mainNetwork: \"wartburgkreis\": must name a network with an inbox",
			"networks[bad-salzungen].inbox: \"Netzwerk <bs@example.org>\"",
			"topics[language-courses].inbox: \"a@example.org, b@example.org\"",
		}, nil},
		{"website without scheme", func(c map[string]any) { c["websiteURL"] = "www.wartburgkreis.de" }, []string{
			`websiteURL: "www.wartburgkreis.de": an absolute http(s) URL`,
		}, nil},
		{"ranges", func(c map[string]any) {
			r := c["retention"].(map[string]any)
			r["auditDays"] = 36500
			r["contactMessageDays"] = 0
			r["unconfirmedApplicationDays"] = 3
			c["rateLimitPerMinute"] = -1
			c["digestHour"] = 24
		}, []string{
			"rateLimitPerMinute: must not be negative",
			"digestHour: at most 23, got 24",
			"retention.contactMessageDays: must be positive, got 0",
			"retention.auditDays: at most 3650, got 36500",
			"retention.unconfirmedApplicationDays: 3 days is shorter than the confirm link lives",
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := mutate(t, tt.change)
			want := tt.want
			if tt.wantFrom != nil {
				var c network.Config
				if err := json.Unmarshal(b, &c); err != nil {
					t.Fatal(err)
				}
				want = tt.wantFrom(c)
			}
			got := network.Check(b)
			if len(got) != len(want) {
				t.Fatalf("Check: got %d problems %v, want %d %q", len(got), got, len(want), want)
			}
			for i, w := range want {
				if !strings.HasPrefix(got[i].String(), w) {
					t.Errorf("problem %d: got %q, want it to start %q", i, got[i], w)
				}
			}
			if _, err := network.Parse(b); err == nil || !strings.Contains(err.Error(), got[len(got)-1].String()) {
				t.Errorf("Parse: got %v, want it to list %q", err, got[len(got)-1])
			}
		})
	}
}

// texts lists the paths of the configuration's texts in the order Check
// walks them: keys sorted, lists in file order.
func texts(c network.Config) []string {
	out := []string{"name"}
	label := func(list string, ch network.Choice) { out = append(out, list+"["+ch.ID+"].label") }
	for _, n := range c.Networks {
		label("networks", n.Choice)
	}
	for _, ch := range c.OrganisationTypes {
		label("organisationTypes", ch)
	}
	out = append(out, "sender.name")
	for _, ch := range c.Topics {
		label("topics", ch)
	}
	for _, ch := range c.WorkingGroups {
		label("workingGroups", ch)
	}
	return out
}

func TestCheckNotJSON(t *testing.T) {
	got := network.Check([]byte(`{"id": "x",`))
	if len(got) != 1 || got[0].Path != "" || !strings.HasPrefix(got[0].Message, "not JSON") {
		t.Errorf("Check: got %v, want one problem saying it is not JSON", got)
	}
}
