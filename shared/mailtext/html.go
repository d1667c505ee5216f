package mailtext

import (
	"strconv"
	"strings"

	"github.com/wartburgkreis/netzwerk/shared/render"
)

// The HTML parts. Every value goes through render's escaping methods;
// markup is constant. Each body writes what stands between the layout's
// top and bottom.

// topHTML opens every HTML part: the document in the mail's language and
// direction, the network's name above a white card.
func topHTML(h *render.HTML, v view) {
	h.Raw("<!DOCTYPE html>\n<html lang=\"")
	h.Text(v.Locale)
	h.Raw(`" dir="`)
	h.Text(v.Dir)
	h.Raw("\">\n<head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>")
	h.Text(v.NetworkName)
	h.Raw("</title></head>\n" +
		`<body style="margin:0;padding:0;background:#f4f4f4;font-family:Arial,Helvetica,sans-serif;color:#1a1a1a;line-height:1.5">` + "\n" +
		`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" dir="`)
	h.Text(v.Dir)
	h.Raw(`"><tr><td align="center" style="padding:24px 12px">` + "\n" +
		`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" dir="`)
	h.Text(v.Dir)
	h.Raw(`" style="max-width:600px;background:#ffffff;border-top:6px solid #00549f">` + "\n" +
		`<tr><td style="padding:24px 28px 8px;font-size:14px;color:#00549f;font-weight:bold">`)
	h.Text(v.NetworkName)
	h.Raw("</td></tr>\n" + `<tr><td style="padding:8px 28px 24px;font-size:16px">` + "\n")
}

// bottomHTML closes every HTML part with the footer: the network, its
// phone and inbox, and its privacy policy.
func bottomHTML(h *render.HTML, v view) {
	h.Raw("</td></tr>\n" + `<tr><td style="padding:16px 28px;border-top:1px solid #e0e0e0;font-size:12px;color:#555">` + "\n")
	h.Text(v.T("mail.footer", v.NetworkName))
	h.Raw("<br>\n")
	if v.Phone != "" {
		h.Text(v.T("mail.phone", v.Phone))
		h.Raw(" · ")
	}
	h.Raw(`<a href="mailto:`)
	h.URLPart(v.Inbox)
	h.Raw(`" style="color:#00549f">`)
	h.Text(v.Inbox)
	h.Raw("</a><br>\n" + `<a href="`)
	h.URL(v.PrivacyURL)
	h.Raw(`" style="color:#00549f">`)
	h.Text(v.T("page.privacy"))
	h.Raw("</a>\n</td></tr>\n</table></td></tr></table>\n</body></html>\n")
}

// para writes one paragraph and the line after it.
func para(h *render.HTML, s string) {
	h.Raw("<p>")
	h.Text(s)
	h.Raw("</p>\n")
}

// lines writes free text keeping its line breaks, without marking any of
// it safe.
func lines(h *render.HTML, s string) {
	for i, l := range strings.Split(s, "\n") {
		if i > 0 {
			h.Raw("<br>")
		}
		h.Text(l)
	}
}

// block is a text someone typed under its heading, its line breaks kept.
func block(h *render.HTML, title, text string) {
	heading(h, title)
	h.Raw("<p>")
	lines(h, text)
	h.Raw("</p>")
}

// regards is the closing, one line of the translation a line in the mail.
func regards(h *render.HTML, v view) {
	h.Raw("<p>")
	for _, l := range strings.Split(v.T("mail.regards"), "\n") {
		h.Text(l)
		h.Raw("<br>")
	}
	h.Raw("</p>\n")
}

// heading is the small heading above a typed message or note.
func heading(h *render.HTML, s string) {
	h.Raw(`<h3 style="font-size:15px;margin:20px 0 4px">`)
	h.Text(s)
	h.Raw("</h3>\n")
}

// button is the link a mail is about, as a button and again as text for
// mail programs that show no buttons.
func button(h *render.HTML, link, label string) {
	h.Raw(`<p style="margin:24px 0"><a href="`)
	h.URL(link)
	h.Raw(`" style="display:inline-block;background:#00549f;color:#ffffff;padding:12px 20px;text-decoration:none;border-radius:4px;font-weight:bold">`)
	h.Text(label)
	h.Raw("</a></p>\n" + `<p style="font-size:13px;color:#555;word-break:break-all">`)
	h.Text(link)
	h.Raw("</p>\n")
}

// consoleLink is a link to a page of the coordinators' console.
func consoleLink(h *render.HTML, v view, path, label string) {
	h.Raw(`<a href="`)
	h.URL(v.Console(path))
	h.Raw(`" style="color:#00549f">`)
	h.Text(label)
	h.Raw("</a>")
}

// label opens a row of a details table with its label; the caller writes
// the value and closes the row with "</td></tr>". The align attribute is
// for mail programs that drop CSS.
func label(h *render.HTML, v view, s string) {
	h.Raw(`<tr><th align="`)
	h.Text(v.Start())
	h.Raw(`" style="text-align:start;vertical-align:top">`)
	h.Text(s)
	h.Raw("</th><td>")
}

// rowHTML writes a details row with a plain value, if present is true; the
// line after it stays either way.
func rowHTML(h *render.HTML, v view, present bool, name, value string) {
	if present {
		label(h, v, name)
		h.Text(value)
		h.Raw("</td></tr>")
	}
	h.Raw("\n")
}

// mailtoRow writes a details row whose value is a mail address to write to.
func mailtoRow(h *render.HTML, v view, address string) {
	label(h, v, v.T("field.email"))
	h.Raw(`<a href="mailto:`)
	h.URLPart(address)
	h.Raw(`">`)
	h.Text(address)
	h.Raw("</a></td></tr>\n")
}

// linkRow writes a details row whose value is a link to itself, if there is
// one; the line after it stays either way.
func linkRow(h *render.HTML, v view, name, link string) {
	if link != "" {
		label(h, v, name)
		h.Raw(`<a href="`)
		h.URL(link)
		h.Raw(`">`)
		h.Text(link)
		h.Raw("</a></td></tr>")
	}
	h.Raw("\n")
}

const detailsTable = `<table role="presentation" cellpadding="4" cellspacing="0" style="font-size:15px;border-collapse:collapse">` + "\n"

func partnerConfirmHTML(h *render.HTML, v view) {
	para(h, v.T("mail.greeting"))
	para(h, v.T("mail.partner.confirm.intro", v.NetworkName))
	button(h, v.Link, v.T("mail.partner.confirm.button"))
	para(h, v.T("mail.partner.confirm.valid", v.Date("expiresAt")))
	para(h, v.T("mail.partner.confirm.ignore"))
	regards(h, v)
}

func partnerReviewHTML(h *render.HTML, v view) {
	d := v.Data
	para(h, v.T("mail.greeting"))
	para(h, v.T("mail.partner.review.intro"))
	h.Raw(detailsTable)
	rowHTML(h, v, true, v.T("field.organisation"), d["organisation"])
	rowHTML(h, v, true, v.T("field.organisationType"), d["organisationType"])
	rowHTML(h, v, true, v.T("field.contactName"), d["contactName"])
	mailtoRow(h, v, d["email"])
	rowHTML(h, v, d["phone"] != "", v.T("field.phone"), d["phone"])
	linkRow(h, v, v.T("field.website"), d["website"])
	rowHTML(h, v, true, v.T("field.workingGroups"), d["workingGroups"])
	rowHTML(h, v, d["regionalNetworks"] != "", v.T("field.regionalNetworks"), d["regionalNetworks"])
	rowHTML(h, v, true, v.T("mail.partner.review.locale"), d["applicantLocale"])
	rowHTML(h, v, true, v.T("mail.partner.review.created"), v.Date("createdAt"))
	rowHTML(h, v, true, v.T("mail.partner.review.consent"), v.T("mail.partner.review.consentText", v.Date("consentAt"), d["consentVersion"]))
	rowHTML(h, v, true, v.T("mail.partner.review.id"), d["applicationId"])
	h.Raw("</table>\n")
	if d["message"] != "" {
		block(h, v.T("field.message"), d["message"])
	}
	h.Raw("\n<p>")
	consoleLink(h, v, "partners/"+d["applicationId"], v.T("mail.partner.review.open"))
	h.Raw("</p>\n")
}

func partnerInReviewHTML(h *render.HTML, v view) {
	para(h, v.T("mail.greeting"))
	para(h, v.T("mail.partner.inreview.intro", v.NetworkName))
	para(h, v.T("mail.partner.inreview.notyou"))
	regards(h, v)
}

// partnerDecisionHTML writes the approval or the rejection: heading is
// the title of the coordinators' note, if they wrote one.
func partnerDecisionHTML(intro, title, next string) func(*render.HTML, view) {
	return func(h *render.HTML, v view) {
		para(h, v.T("mail.greeting"))
		para(h, v.T(intro, v.Typed("organisation"), v.NetworkName))
		if reason := v.Data["reason"]; reason != "" {
			block(h, v.T(title), reason)
		}
		h.Raw("\n")
		para(h, v.T(next))
		regards(h, v)
	}
}

func contactInboxHTML(h *render.HTML, v view) {
	d := v.Data
	para(h, v.T("mail.greeting"))
	para(h, v.T("mail.contact.inbox.intro"))
	h.Raw(detailsTable)
	rowHTML(h, v, true, v.T("mail.contact.reference"), d["reference"])
	rowHTML(h, v, true, v.T("field.topic"), d["topic"])
	rowHTML(h, v, d["network"] != "", v.T("field.network"), d["network"])
	rowHTML(h, v, true, v.T("field.name"), d["name"])
	mailtoRow(h, v, d["email"])
	rowHTML(h, v, d["phone"] != "", v.T("field.phone"), d["phone"])
	rowHTML(h, v, true, v.T("mail.partner.review.locale"), d["senderLocale"])
	rowHTML(h, v, true, v.T("mail.contact.received"), v.Date("receivedAt"))
	rowHTML(h, v, true, v.T("mail.partner.review.consent"), v.T("mail.partner.review.consentText", v.Date("consentAt"), d["consentVersion"]))
	h.Raw("</table>\n")
	block(h, v.T("field.message"), d["message"])
	h.Raw("\n<p>")
	consoleLink(h, v, "messages", v.T("mail.contact.inbox.open"))
	h.Raw("</p>\n")
}

func contactAckHTML(h *render.HTML, v view) {
	d := v.Data
	para(h, v.T("mail.greeting"))
	para(h, v.T("mail.contact.ack.intro", d["topic"]))
	h.Raw("<p><strong>")
	h.Text(v.T("mail.contact.reference") + ": " + d["reference"])
	h.Raw("</strong><br>\n")
	h.Text(v.T("mail.contact.received") + ": " + v.Date("receivedAt"))
	h.Raw("</p>\n")
	para(h, v.T("mail.contact.ack.next", d["reference"]))
	para(h, v.T("mail.contact.ack.notyou"))
	regards(h, v)
}

// eventOpenHTML writes the greeting, the intro and when and where the
// event takes place.
func eventOpenHTML(h *render.HTML, v view, intro string) {
	d := v.Data
	para(h, v.T("mail.greeting"))
	para(h, intro)
	h.Raw(`<table role="presentation" cellpadding="4" cellspacing="0" style="font-size:15px;border-collapse:collapse;margin:16px 0">` + "\n")
	rowHTML(h, v, true, v.T("mail.event.when"), v.Date("eventStartsAt")+" – "+v.Date("eventEndsAt"))
	if d["locationName"] != "" {
		label(h, v, v.T("mail.event.where"))
		h.Text(d["locationName"])
		if d["locationAddress"] != "" {
			h.Raw("<br>")
			h.Text(d["locationAddress"])
		}
		h.Raw("</td></tr>")
	}
	h.Raw("\n")
	linkRow(h, v, v.T("mail.event.online"), d["onlineUrl"])
	h.Raw("</table>\n")
}

// eventCloseHTML offers to give the seat back, where the mail has a link
// for it, and closes.
func eventCloseHTML(h *render.HTML, v view, cancel bool) {
	if cancel {
		para(h, v.T("mail.event.cancel"))
		button(h, v.Link, v.T("mail.event.cancel.button"))
	}
	regards(h, v)
}

func eventConfirmedHTML(h *render.HTML, v view) {
	// event.promoted shares this mail; its intro says so.
	eventOpenHTML(h, v, v.T("mail."+v.Template+".intro", v.Data["eventTitle"]))
	para(h, v.T("mail.event.confirmed.calendar"))
	eventCloseHTML(h, v, true)
}

func eventWaitlistedHTML(h *render.HTML, v view) {
	eventOpenHTML(h, v, v.T("mail.event.waitlisted.intro", v.Data["eventTitle"], v.Data["position"]))
	eventCloseHTML(h, v, true)
}

func eventReminderHTML(h *render.HTML, v view) {
	eventOpenHTML(h, v, v.T("mail.event.reminder.intro", v.Data["eventTitle"]))
	eventCloseHTML(h, v, true)
}

func eventUpdatedHTML(h *render.HTML, v view) {
	eventOpenHTML(h, v, v.T("mail.event.updated."+v.Data["changed"], v.Data["eventTitle"]))
	if v.confirmed() {
		para(h, v.T("mail.event.updated.calendar"))
	} else {
		para(h, v.T("mail.event.updated.waitlisted"))
	}
	eventCloseHTML(h, v, true)
}

func eventCancelledHTML(h *render.HTML, v view) {
	eventOpenHTML(h, v, v.T("mail.event.cancelled.intro", v.Data["eventTitle"]))
	if v.confirmed() {
		h.Raw("<p>")
		h.Text(v.T("mail.event.cancelled.calendar"))
		h.Raw("</p>")
	}
	h.Raw("\n")
	eventCloseHTML(h, v, false)
}

func eventCalledOffHTML(h *render.HTML, v view) {
	eventOpenHTML(h, v, v.T("mail.event.called-off.intro", v.Data["eventTitle"]))
	if v.confirmed() {
		para(h, v.T("mail.event.cancelled.calendar"))
	} else {
		para(h, v.T("mail.event.called-off.waitlisted"))
	}
	eventCloseHTML(h, v, false)
}

// digestHTML is the coordinators' daily digest, in German like their
// inbox.
func digestHTML(h *render.HTML, v view) {
	s := v.Digest()
	h.Raw("<p>Guten Morgen,</p>\n<p>hier ist, was seit ")
	h.Text(v.When(s.Since))
	h.Raw(" im Netzwerk geschehen ist.</p>\n")
	if len(s.Reviews) > 0 {
		heading(h, "Anträge, die auf Ihre Entscheidung warten ("+strconv.Itoa(len(s.Reviews))+")")
		h.Raw("<ul>")
		for _, r := range s.Reviews {
			h.Raw("<li>")
			consoleLink(h, v, "partners/"+r.ID, r.Organisation)
			if r.New {
				h.Raw(" <strong>neu</strong>")
			}
			h.Raw(", bestätigt am ")
			h.Text(v.When(r.ConfirmedAt))
			h.Raw("</li>")
		}
		h.Raw("</ul>")
	}
	h.Raw("\n")
	if len(s.Events) > 0 {
		heading(h, "Anstehende Veranstaltungen")
		h.Raw(detailsTable)
		for _, e := range s.Events {
			h.Raw(`<tr><td style="vertical-align:top">`)
			consoleLink(h, v, "events/"+e.ID, e.Title)
			h.Raw(`<br><span style="color:#555">`)
			h.Text(v.When(e.StartsAt))
			h.Raw("</span></td>\n" + `<td style="vertical-align:top">`)
			h.Text(strconv.Itoa(e.Confirmed) + " von " + strconv.Itoa(e.Capacity) + " Plätzen")
			if e.Waiting != 0 {
				h.Raw("<br>")
				h.Text(strconv.Itoa(e.Waiting) + " auf der Warteliste")
			}
			if e.NewSignups != 0 {
				h.Raw("<br><strong>")
				h.Text(strconv.Itoa(e.NewSignups) + " neu")
				h.Raw("</strong>")
			}
			h.Raw("</td></tr>\n")
		}
		h.Raw("</table>")
	}
	h.Raw("\n")
	if len(s.Topics) > 0 {
		h.Raw(`<h3 style="font-size:15px;margin:20px 0 4px">`)
		consoleLink(h, v, "messages", "Neue Nachrichten über das Kontaktformular")
		h.Raw("</h3>\n<ul>")
		for _, t := range s.Topics {
			h.Raw("<li>")
			h.Text(t.Label + ": " + strconv.Itoa(t.New))
			h.Raw("</li>")
		}
		h.Raw("</ul>")
	}
	h.Raw("\n")
	if s.Parked != 0 {
		h.Raw("<p>")
		consoleLink(h, v, "mail", "Nicht zustellbare E-Mails: "+strconv.Itoa(s.Parked))
		h.Raw("</p>")
	}
	h.Raw("\n" + `<p style="color:#555;font-size:13px">Diese Übersicht kommt einmal am Tag, wenn es Neues gibt.</p>` + "\n")
}
