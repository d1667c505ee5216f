// Package network holds the configuration of one deployment: the networks it
// serves, their inboxes, the choices its forms offer and its retention rules.
// It is data, read from a JSON file, so a county changes it without code.
package network

import (
	"errors"
	"fmt"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/i18n"
)

// Text is one text in several languages, keyed by locale.
type Text map[string]string

// In returns the text in locale, else German, else any.
func (t Text) In(locale string) string {
	if s, ok := t[locale]; ok && s != "" {
		return s
	}
	if s, ok := t[i18n.Default]; ok {
		return s
	}
	for _, s := range t {
		return s
	}
	return ""
}

// Choice is one option of a form field.
type Choice struct {
	ID    string `json:"id"`
	Label Text   `json:"label"`
	// Inbox receives what concerns this choice (a working group's or a
	// regional network's mail); empty means the deployment's main inbox.
	Inbox string `json:"inbox,omitempty"`
}

// Network is one network of the deployment: the county-wide one, a regional
// one or the towns' offices. Each has its own inbox.
type Network struct {
	Choice
	Kind string `json:"kind"` // county, regional or municipal
}

// Network kinds.
const (
	KindCounty    = "county"
	KindRegional  = "regional"
	KindMunicipal = "municipal"
)

// Retention says how long records are kept, in days.
type Retention struct {
	UnconfirmedApplicationDays int `json:"unconfirmedApplicationDays"`
	PendingReviewDays          int `json:"pendingReviewDays"`
	SentMailDays               int `json:"sentMailDays"`
	ContactMessageDays         int `json:"contactMessageDays"`
	RegistrationAfterEventDays int `json:"registrationAfterEventDays"`
	// RejectedApplicationDays keeps a rejected application for questions
	// about the decision, then deletes it.
	RejectedApplicationDays int `json:"rejectedApplicationDays"`
	// AuditDays is how long the coordinators' audit trail is kept.
	AuditDays int `json:"auditDays"`
}

// Config is one deployment's configuration.
type Config struct {
	// ID scopes every key in the table, so one table could serve several
	// counties later.
	ID   string `json:"id"`
	Name Text   `json:"name"`
	// PublicBaseURL is where the API answers; links in mails start with it.
	PublicBaseURL string `json:"publicBaseURL"`
	// WebsiteURL is the county's page about the network, where thank-you
	// pages lead back to; empty shows no such link.
	WebsiteURL string `json:"websiteURL,omitempty"`
	// AllowedOrigins are the websites (scheme and host) that may embed the
	// forms and call the API from a browser.
	AllowedOrigins []string `json:"allowedOrigins,omitempty"`
	Sender         struct {
		Address string `json:"address"`
		Name    Text   `json:"name"`
	} `json:"sender"`
	// MainNetwork is the id of the network whose inbox coordinates the rest.
	MainNetwork string `json:"mainNetwork"`
	Phone       string `json:"phone,omitempty"`
	Privacy     struct {
		URL     string `json:"url"`
		Version string `json:"version"`
		// Consent is the sentence beside the forms' consent checkbox,
		// as the privacy policy words it; empty gives the built-in one.
		Consent Text `json:"consent,omitempty"`
	} `json:"privacy"`
	TokenValidityHours int `json:"tokenValidityHours"`
	// EventReminderHours is how long before an event its attendees are
	// reminded.
	EventReminderHours int `json:"eventReminderHours"`
	// MailRetryHours is how long a mail that keeps failing is retried
	// before it is parked as failed.
	MailRetryHours int `json:"mailRetryHours"`
	// MailCapPerAddressPerDay caps the mail a submission sends to an
	// address nobody has verified (confirm links, acknowledgements, sign-up
	// mails), per address and day across all forms.
	MailCapPerAddressPerDay int `json:"mailCapPerAddressPerDay"`
	// RateLimitPerMinute bounds the requests one client address may make to
	// the public POST routes in a minute.
	RateLimitPerMinute int `json:"rateLimitPerMinute"`
	// DigestHour is the hour (Berlin time, 0–23) from which the daily
	// digest goes to the main inbox.
	DigestHour int       `json:"digestHour"`
	Retention  Retention `json:"retention"`

	OrganisationTypes []Choice  `json:"organisationTypes"`
	WorkingGroups     []Choice  `json:"workingGroups"`
	Networks          []Network `json:"networks"`
	Topics            []Choice  `json:"topics"`
}

// Load reads and checks a configuration file.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("network config: %w", err)
	}
	return Parse(b)
}

// Parse decodes and checks a configuration; its error lists every problem
// that Check finds.
func Parse(b []byte) (*Config, error) {
	c, problems := check(b)
	if len(problems) > 0 {
		msgs := make([]string, len(problems))
		for i, p := range problems {
			msgs[i] = p.String()
		}
		return nil, fmt.Errorf("network config: %s", strings.Join(msgs, "; "))
	}
	return c, nil
}

// bareAddress accepts only what mail is sent to as it stands: one address,
// without a display name or anything around it.
func bareAddress(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return err
	}
	if a.Name != "" || a.Address != s {
		return errors.New("a bare address without a display name")
	}
	return nil
}

func (c *Config) network(id string) (Network, bool) {
	for _, n := range c.Networks {
		if n.ID == id {
			return n, true
		}
	}
	return Network{}, false
}

// MainInbox is where coordinators read what concerns the whole network.
func (c *Config) MainInbox() string {
	n, _ := c.network(c.MainNetwork)
	return n.Inbox
}

// RegionalNetworks lists the networks a partner may join besides the main one.
func (c *Config) RegionalNetworks() []Choice {
	var out []Choice
	for _, n := range c.Networks {
		if n.Kind != KindCounty {
			out = append(out, n.Choice)
		}
	}
	return out
}

// Find returns the choice with id from list.
func Find(list []Choice, id string) (Choice, bool) {
	for _, ch := range list {
		if ch.ID == id {
			return ch, true
		}
	}
	return Choice{}, false
}

// TokenValidity is how long a link in a mail works.
func (c *Config) TokenValidity() time.Duration {
	return time.Duration(c.TokenValidityHours) * time.Hour
}

// Days converts a retention in days to a duration.
func Days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }
