// Package mailtext writes the mails: it turns a waiting outbox mail into a
// message in the recipient's language, text and HTML. Each mail is a pair
// of plain Go functions rather than templates (text/template's reflection
// would keep every exported method of the SDK clients in the binary); the
// HTML ones write everything a person typed through shared/render, which
// escapes it.
package mailtext

import (
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/digest"
	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/ical"
	"github.com/wartburgkreis/netzwerk/shared/mail"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/render"
	"github.com/wartburgkreis/netzwerk/shared/secret"
)

// kind describes one mail: its subject and the data it needs.
type kind struct {
	subject func(v view) string
	// link, if set, is the path (with query) a token opens.
	link string
	// attach, if set, adds attachments (the calendar invitation).
	attach func(r *Renderer, m outbox.Mail) ([]mail.Attachment, error)
	// text writes the text part above its footer, html the HTML part
	// between the layout's top and bottom.
	text func(w *strings.Builder, v view)
	html func(h *render.HTML, v view)
}

var kinds = map[string]kind{
	"partner.confirm": {
		subject: func(v view) string { return v.T("mail.partner.confirm.subject", v.NetworkName) },
		link:    "/partners/confirm?token=",
		text:    partnerConfirmText,
		html:    partnerConfirmHTML,
	},
	"partner.review": {
		subject: func(v view) string { return v.T("mail.partner.review.subject", v.Data["organisation"]) },
		text:    partnerReviewText,
		html:    partnerReviewHTML,
	},
	"partner.inreview": {
		subject: func(v view) string { return v.T("mail.partner.inreview.subject", v.NetworkName) },
		text:    partnerInReviewText,
		html:    partnerInReviewHTML,
	},
	"partner.approved": {
		subject: func(v view) string { return v.T("mail.partner.approved.subject", v.NetworkName) },
		text:    partnerDecisionText("mail.partner.approved.intro", "mail.partner.decision.note", "mail.partner.approved.next"),
		html:    partnerDecisionHTML("mail.partner.approved.intro", "mail.partner.decision.note", "mail.partner.approved.next"),
	},
	"partner.rejected": {
		subject: func(v view) string { return v.T("mail.partner.rejected.subject", v.NetworkName) },
		text:    partnerDecisionText("mail.partner.rejected.intro", "mail.partner.decision.reason", "mail.partner.rejected.contact"),
		html:    partnerDecisionHTML("mail.partner.rejected.intro", "mail.partner.decision.reason", "mail.partner.rejected.contact"),
	},
	"contact.inbox": {
		subject: func(v view) string {
			return v.T("mail.contact.inbox.subject", v.Data["reference"], v.Data["topic"], v.Data["name"])
		},
		text: contactInboxText,
		html: contactInboxHTML,
	},
	"contact.ack": {
		subject: func(v view) string { return v.T("mail.contact.ack.subject", v.Data["reference"]) },
		text:    contactAckText,
		html:    contactAckHTML,
	},
	"event.confirmed": {
		subject: func(v view) string { return v.T("mail.event.confirmed.subject", v.Data["eventTitle"]) },
		link:    "/registrations/cancel?token=",
		attach:  (*Renderer).invitation,
		text:    eventConfirmedText,
		html:    eventConfirmedHTML,
	},
	"event.waitlisted": {
		subject: func(v view) string { return v.T("mail.event.waitlisted.subject", v.Data["eventTitle"]) },
		link:    "/registrations/cancel?token=",
		text:    eventWaitlistedText,
		html:    eventWaitlistedHTML,
	},
	"event.promoted": {
		subject: func(v view) string { return v.T("mail.event.promoted.subject", v.Data["eventTitle"]) },
		link:    "/registrations/cancel?token=",
		attach:  (*Renderer).invitation,
		// the same mail as event.confirmed with another intro
		text: eventConfirmedText,
		html: eventConfirmedHTML,
	},
	"event.reminder": {
		subject: func(v view) string { return v.T("mail.event.reminder.subject", v.Data["eventTitle"]) },
		link:    "/registrations/cancel?token=",
		text:    eventReminderText,
		html:    eventReminderHTML,
	},
	// The coordinators' daily digest: German only, like the inbox it
	// goes to, so its text lives in its writers.
	"digest.daily": {
		subject: func(v view) string {
			d, _ := time.Parse(time.DateOnly, v.Data["day"])
			return "Tagesübersicht " + v.NetworkName + " vom " + d.Format("02.01.2006")
		},
		text: digestText,
		html: digestHTML,
	},
	"event.cancelled": {
		subject: func(v view) string { return v.T("mail.event.cancelled.subject", v.Data["eventTitle"]) },
		attach:  (*Renderer).invitation,
		text:    eventCancelledText,
		html:    eventCancelledHTML,
	},
	// The coordinators changed the event's time or place: a new invitation
	// replaces the old one, and a fresh cancel link for whom it no longer
	// suits.
	"event.updated": {
		subject: func(v view) string { return v.T("mail.event.updated.subject", v.Data["eventTitle"]) },
		link:    "/registrations/cancel?token=",
		attach:  (*Renderer).invitation,
		text:    eventUpdatedText,
		html:    eventUpdatedHTML,
	},
	// The coordinators called the event off.
	"event.called-off": {
		subject: func(v view) string { return v.T("mail.event.called-off.subject", v.Data["eventTitle"]) },
		attach:  (*Renderer).invitation,
		text:    eventCalledOffText,
		html:    eventCalledOffHTML,
	},
}

// Renderer renders outbox mail for one deployment.
type Renderer struct {
	Config *network.Config
	Keys   *secret.Keys
}

var _ outbox.Renderer = (*Renderer)(nil)

// New is the renderer of a deployment's mails.
func New(cfg *network.Config, keys *secret.Keys) *Renderer {
	return &Renderer{Config: cfg, Keys: keys}
}

// view is what the writers see.
type view struct {
	Locale      string
	Template    string // the mail's template name, e.g. event.promoted
	Dir         string
	NetworkName string
	Phone       string
	Inbox       string
	PrivacyURL  string
	Link        string
	Data        map[string]string
	base        string // PublicBaseURL without its trailing slash
}

// Console is the link to a page of the coordinators' console.
func (v view) Console(path string) string { return v.base + "/console/" + path }

// Digest is the summary a digest mail carries; an unreadable one shows as
// empty rather than failing the mail.
func (v view) Digest() digest.Summary {
	s, _ := digest.Decode(v.Data["summary"])
	return s
}

// When shows a time the way the mail's language writes it, in Berlin time.
func (v view) When(t time.Time) string { return i18n.FormatTime(v.Locale, t) }

// Start is the HTML align value of the reading direction's start, for mail
// clients that drop CSS.
func (v view) Start() string {
	if v.Dir == "rtl" {
		return "right"
	}
	return "left"
}

// T translates key into the mail's language.
func (v view) T(key string, args ...string) string { return i18n.T(v.Locale, key, args...) }

// Date shows an RFC 3339 time from Data as a date and time in the event's
// zone.
func (v view) Date(field string) string {
	t, err := time.Parse(time.RFC3339, v.Data[field])
	if err != nil {
		return ""
	}
	return i18n.FormatTimeIn(v.Locale, t, zoneOf(v.Data))
}

// zoneOf is the time zone an event mail names; Berlin for mails queued
// before events had zones.
func zoneOf(data map[string]string) *time.Location {
	if name := data["timeZone"]; name != "" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return i18n.Berlin
}

// Typed is a value from Data that someone typed, such as an organisation's
// name, isolated in right-to-left text so its punctuation stays with it.
func (v view) Typed(field string) string { return i18n.Isolate(v.Locale, v.Data[field]) }

// Render implements outbox.Renderer.
func (r *Renderer) Render(m outbox.Mail) (mail.Message, error) {
	k, ok := kinds[m.Template]
	if !ok {
		return mail.Message{}, fmt.Errorf("unknown mail template %q", m.Template)
	}
	locale := m.Locale
	if !i18n.Supported(locale) {
		locale = i18n.Default
	}
	cfg := r.Config
	v := view{
		Locale:      locale,
		Template:    m.Template,
		Dir:         i18n.Dir(locale),
		NetworkName: cfg.Name.In(locale),
		Phone:       i18n.Isolate(locale, cfg.Phone),
		Inbox:       cfg.MainInbox(),
		PrivacyURL:  cfg.Privacy.URL,
		Data:        m.Data,
		base:        strings.TrimRight(cfg.PublicBaseURL, "/"),
	}
	if k.link != "" {
		if m.TokenNonce == "" {
			return mail.Message{}, fmt.Errorf("mail %s: no token", m.Template)
		}
		v.Link = strings.TrimRight(cfg.PublicBaseURL, "/") + k.link +
			url.QueryEscape(r.Keys.LinkToken(m.LinkRef, m.TokenNonce)) + "&locale=" + locale
	}
	var text strings.Builder
	k.text(&text, v)
	footerText(&text, v)
	text.WriteString("\n")
	var html render.HTML
	topHTML(&html, v)
	html.Raw("\n")
	k.html(&html, v)
	bottomHTML(&html, v)
	html.Raw("\n")
	msg := mail.Message{
		From:    netmail.Address{Name: cfg.Sender.Name.In(locale), Address: cfg.Sender.Address},
		Subject: k.subject(v),
		Text:    text.String(),
		HTML:    html.String(),
	}
	for _, a := range m.To {
		msg.To = append(msg.To, netmail.Address{Address: a})
	}
	for _, a := range m.Cc {
		msg.Cc = append(msg.Cc, netmail.Address{Address: a})
	}
	if m.ReplyTo != "" {
		msg.ReplyTo = []netmail.Address{{Name: m.ReplyToName, Address: m.ReplyTo}}
	}
	if k.attach != nil {
		attachments, err := k.attach(r, m)
		if err != nil {
			return mail.Message{}, fmt.Errorf("mail %s: %w", m.Template, err)
		}
		msg.Attachments = attachments
	}
	return msg, nil
}

// invitation is the calendar entry of a registration: PUBLISH for a seat,
// so calendars add it without sending replies to the network's inbox, and
// again when the event moves; CANCEL when a seat is given back or the
// event called off. One UID per registration and a sequence
// raised on every change, so the later entry replaces the earlier. A
// waiting-list place gets none.
func (r *Renderer) invitation(m outbox.Mail) ([]mail.Attachment, error) {
	if m.Data["status"] != "confirmed" {
		return nil, nil
	}
	start, err1 := time.Parse(time.RFC3339, m.Data["eventStartsAt"])
	end, err2 := time.Parse(time.RFC3339, m.Data["eventEndsAt"])
	seq, err3 := strconv.Atoi(m.Data["sequence"])
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, fmt.Errorf("invitation data: %w", err)
	}
	location := m.Data["locationName"]
	if a := m.Data["locationAddress"]; a != "" {
		location += ", " + a
	}
	_, domain, _ := strings.Cut(r.Config.Sender.Address, "@")
	// The file name is in the mail's language: it is what people see in
	// their mail program and find later in their downloads.
	write, contentType, name := ical.Publish, ical.ContentTypePublish, i18n.T(m.Locale, "mail.ics.invitation")
	if m.Template == "event.cancelled" || m.Template == "event.called-off" {
		write, contentType, name = ical.Cancel, ical.ContentTypeCancel, i18n.T(m.Locale, "mail.ics.cancellation")
	}
	ics, err := write(ical.Event{
		UID:            m.Data["registrationId"] + "@" + domain,
		Sequence:       seq,
		Stamp:          m.CreatedAt,
		Start:          start,
		End:            end,
		Zone:           zoneOf(m.Data),
		Summary:        m.Data["eventTitle"],
		Location:       location,
		URL:            m.Data["onlineUrl"],
		OrganizerName:  r.Config.Name.In(m.Locale),
		OrganizerEmail: r.Config.Sender.Address,
	})
	if err != nil {
		return nil, err
	}
	return []mail.Attachment{{Filename: name, ContentType: contentType, Data: ics}}, nil
}
