package mailtext

import (
	"strconv"
	"strings"
)

// The text parts. Each body writes what stands above the footer; what
// people typed goes in as typed, since a text part has no markup to
// escape from.

// put writes parts in order.
func put(w *strings.Builder, parts ...string) {
	for _, p := range parts {
		w.WriteString(p)
	}
}

// row writes one "Label: value" line.
func row(w *strings.Builder, label, value string) { put(w, label, ": ", value, "\n") }

// footerText closes every text part: the network, its phone and inbox,
// and where its privacy policy is.
func footerText(w *strings.Builder, v view) {
	put(w, "\n-- \n", v.T("mail.footer", v.NetworkName), "\n")
	if v.Phone != "" {
		put(w, v.T("mail.phone", v.Phone), "\n")
	}
	put(w, v.Inbox, "\n", v.T("mail.privacy", v.PrivacyURL), "\n")
}

func partnerConfirmText(w *strings.Builder, v view) {
	put(w, v.T("mail.greeting"), "\n\n",
		v.T("mail.partner.confirm.intro", v.NetworkName), "\n\n",
		v.Link, "\n\n",
		v.T("mail.partner.confirm.valid", v.Date("expiresAt")), "\n\n",
		v.T("mail.partner.confirm.ignore"), "\n\n",
		v.T("mail.regards"), "\n")
}

func partnerReviewText(w *strings.Builder, v view) {
	d := v.Data
	put(w, v.T("mail.greeting"), "\n\n", v.T("mail.partner.review.intro"), "\n\n")
	row(w, v.T("field.organisation"), d["organisation"])
	row(w, v.T("field.organisationType"), d["organisationType"])
	row(w, v.T("field.contactName"), d["contactName"])
	row(w, v.T("field.email"), d["email"])
	if d["phone"] != "" {
		row(w, v.T("field.phone"), d["phone"])
	}
	if d["website"] != "" {
		row(w, v.T("field.website"), d["website"])
	}
	row(w, v.T("field.workingGroups"), d["workingGroups"])
	if d["regionalNetworks"] != "" {
		row(w, v.T("field.regionalNetworks"), d["regionalNetworks"])
	}
	row(w, v.T("mail.partner.review.locale"), d["applicantLocale"])
	row(w, v.T("mail.partner.review.created"), v.Date("createdAt"))
	row(w, v.T("mail.partner.review.consent"), v.T("mail.partner.review.consentText", v.Date("consentAt"), d["consentVersion"]))
	row(w, v.T("mail.partner.review.id"), d["applicationId"])
	if d["message"] != "" {
		put(w, "\n", v.T("field.message"), ":\n", d["message"], "\n")
	}
	put(w, "\n", v.T("mail.partner.review.open"), ":\n", v.Console("partners/"+d["applicationId"]), "\n\n")
}

func partnerInReviewText(w *strings.Builder, v view) {
	put(w, v.T("mail.greeting"), "\n\n",
		v.T("mail.partner.inreview.intro", v.NetworkName), "\n\n",
		v.T("mail.partner.inreview.notyou"), "\n\n",
		v.T("mail.regards"), "\n")
}

// partnerDecisionText writes the approval or the rejection: heading is
// the title of the coordinators' note, if they wrote one.
func partnerDecisionText(intro, heading, next string) func(*strings.Builder, view) {
	return func(w *strings.Builder, v view) {
		put(w, v.T("mail.greeting"), "\n\n", v.T(intro, v.Typed("organisation"), v.NetworkName), "\n")
		if reason := v.Data["reason"]; reason != "" {
			put(w, "\n", v.T(heading), "\n", reason, "\n")
		}
		put(w, "\n", v.T(next), "\n\n", v.T("mail.regards"), "\n")
	}
}

func contactInboxText(w *strings.Builder, v view) {
	d := v.Data
	put(w, v.T("mail.greeting"), "\n\n", v.T("mail.contact.inbox.intro"), "\n\n")
	row(w, v.T("mail.contact.reference"), d["reference"])
	row(w, v.T("field.topic"), d["topic"])
	if d["network"] != "" {
		row(w, v.T("field.network"), d["network"])
	}
	row(w, v.T("field.name"), d["name"])
	row(w, v.T("field.email"), d["email"])
	if d["phone"] != "" {
		row(w, v.T("field.phone"), d["phone"])
	}
	row(w, v.T("mail.partner.review.locale"), d["senderLocale"])
	row(w, v.T("mail.contact.received"), v.Date("receivedAt"))
	row(w, v.T("mail.partner.review.consent"), v.T("mail.partner.review.consentText", v.Date("consentAt"), d["consentVersion"]))
	put(w, "\n", v.T("field.message"), ":\n", d["message"], "\n\n",
		v.T("mail.contact.inbox.open"), ":\n", v.Console("messages"), "\n\n")
}

func contactAckText(w *strings.Builder, v view) {
	d := v.Data
	put(w, v.T("mail.greeting"), "\n\n", v.T("mail.contact.ack.intro", d["topic"]), "\n\n")
	row(w, v.T("mail.contact.reference"), d["reference"])
	row(w, v.T("mail.contact.received"), v.Date("receivedAt"))
	put(w, "\n", v.T("mail.contact.ack.next", d["reference"]), "\n\n",
		v.T("mail.contact.ack.notyou"), "\n\n",
		v.T("mail.regards"), "\n")
}

// eventDetailsText is when and where an event takes place.
func eventDetailsText(w *strings.Builder, v view) {
	d := v.Data
	row(w, v.T("mail.event.when"), v.Date("eventStartsAt")+" – "+v.Date("eventEndsAt"))
	if d["locationName"] != "" {
		place := d["locationName"]
		if d["locationAddress"] != "" {
			place += ", " + d["locationAddress"]
		}
		row(w, v.T("mail.event.where"), place)
	}
	if d["onlineUrl"] != "" {
		row(w, v.T("mail.event.online"), d["onlineUrl"])
	}
}

// eventText writes the event mails that share one shape: intro, the
// event's details, what follows from them, and the link to give the seat
// back where the mail has one.
func eventText(w *strings.Builder, v view, intro, after string, cancel bool) {
	put(w, v.T("mail.greeting"), "\n\n", intro, "\n\n")
	eventDetailsText(w, v)
	if after != "" {
		put(w, "\n", after, "\n")
	}
	if cancel {
		put(w, "\n", v.T("mail.event.cancel"), "\n", v.Link, "\n")
	}
	put(w, "\n", v.T("mail.regards"), "\n")
}

// confirmed reports whether the mail is about a seat rather than a place
// on the waiting list.
func (v view) confirmed() bool { return v.Data["status"] == "confirmed" }

func eventConfirmedText(w *strings.Builder, v view) {
	// event.promoted shares this mail; its intro says so.
	eventText(w, v, v.T("mail."+v.Template+".intro", v.Data["eventTitle"]), v.T("mail.event.confirmed.calendar"), true)
}

func eventWaitlistedText(w *strings.Builder, v view) {
	eventText(w, v, v.T("mail.event.waitlisted.intro", v.Data["eventTitle"], v.Data["position"]), "", true)
}

func eventReminderText(w *strings.Builder, v view) {
	eventText(w, v, v.T("mail.event.reminder.intro", v.Data["eventTitle"]), "", true)
}

func eventUpdatedText(w *strings.Builder, v view) {
	after := v.T("mail.event.updated.waitlisted")
	if v.confirmed() {
		after = v.T("mail.event.updated.calendar")
	}
	eventText(w, v, v.T("mail.event.updated."+v.Data["changed"], v.Data["eventTitle"]), after, true)
}

func eventCancelledText(w *strings.Builder, v view) {
	after := ""
	if v.confirmed() {
		after = v.T("mail.event.cancelled.calendar")
	}
	eventText(w, v, v.T("mail.event.cancelled.intro", v.Data["eventTitle"]), after, false)
}

func eventCalledOffText(w *strings.Builder, v view) {
	after := v.T("mail.event.called-off.waitlisted")
	if v.confirmed() {
		after = v.T("mail.event.cancelled.calendar")
	}
	eventText(w, v, v.T("mail.event.called-off.intro", v.Data["eventTitle"]), after, false)
}

// digestText is the coordinators' daily digest, in German like their
// inbox.
func digestText(w *strings.Builder, v view) {
	s := v.Digest()
	put(w, "Guten Morgen,\n\nhier ist, was seit ", v.When(s.Since), " im Netzwerk geschehen ist.\n")
	if len(s.Reviews) > 0 {
		put(w, "\nANTRÄGE, DIE AUF IHRE ENTSCHEIDUNG WARTEN (", strconv.Itoa(len(s.Reviews)), ")\n")
		for _, r := range s.Reviews {
			put(w, "- ", r.Organisation)
			if r.New {
				put(w, " (neu)")
			}
			put(w, ", bestätigt am ", v.When(r.ConfirmedAt), "\n  ", v.Console("partners/"+r.ID), "\n")
		}
	}
	if len(s.Events) > 0 {
		put(w, "\nANSTEHENDE VERANSTALTUNGEN\n")
		for _, e := range s.Events {
			put(w, "- ", e.Title, ", ", v.When(e.StartsAt), ": ", strconv.Itoa(e.Confirmed), " von ", strconv.Itoa(e.Capacity), " Plätzen belegt")
			if e.Waiting != 0 {
				put(w, ", ", strconv.Itoa(e.Waiting), " auf der Warteliste")
			}
			if e.NewSignups != 0 {
				put(w, ", ", strconv.Itoa(e.NewSignups), " neue Anmeldung(en)")
			}
			put(w, "\n  ", v.Console("events/"+e.ID), "\n")
		}
	}
	if len(s.Topics) > 0 {
		put(w, "\nNEUE NACHRICHTEN ÜBER DAS KONTAKTFORMULAR\n")
		for _, t := range s.Topics {
			put(w, "- ", t.Label, ": ", strconv.Itoa(t.New), "\n")
		}
		put(w, "  ", v.Console("messages"), "\n")
	}
	if s.Parked != 0 {
		put(w, "\nNICHT ZUSTELLBARE E-MAILS: ", strconv.Itoa(s.Parked), "\n  ", v.Console("mail"), "\n")
	}
	put(w, "\nDiese Übersicht kommt einmal am Tag, wenn es Neues gibt.\n")
}
