package mailtext_test

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/wartburgkreis/netzwerk/shared/mailtext"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// TestInvitationAttachment parses the calendar file attached to the event
// mails with a real iCalendar parser: the registration's UID, the sequence,
// the method and the event's instants across the change to summer time.
func TestInvitationAttachment(t *testing.T) {
	r := mailtext.New(testenv.Config(t), testenv.Keys(t))
	start := time.Date(2026, 3, 29, 7, 0, 0, 0, time.UTC) // 09:00 in Berlin, the first day of summer time
	end := start.Add(2 * time.Hour)
	tests := []struct {
		template, status string
		sequence         int
		method           string
		attached         bool
		zone             string // "" for mails queued before events had zones
	}{
		{"event.confirmed", "confirmed", 0, "PUBLISH", true, ""},
		{"event.promoted", "confirmed", 1, "PUBLISH", true, "Europe/Berlin"},
		{"event.cancelled", "confirmed", 2, "CANCEL", true, ""},
		{"event.cancelled", "waitlisted", 1, "", false, ""},
		{"event.waitlisted", "waitlisted", 0, "", false, ""},
		{"event.updated", "confirmed", 3, "PUBLISH", true, "America/New_York"},
		{"event.updated", "waitlisted", 1, "", false, "Europe/Berlin"},
		{"event.called-off", "confirmed", 2, "CANCEL", true, "Asia/Tehran"},
		{"event.called-off", "waitlisted", 1, "", false, "Europe/Berlin"},
	}
	for _, tt := range tests {
		t.Run(tt.template+" "+tt.status+" "+tt.zone, func(t *testing.T) {
			m := outbox.Mail{
				ID: "m1", Template: tt.template, Locale: "de", To: []string{"teilnahme@example.org"},
				TokenNonce: "nonce",
				Data: map[string]string{
					"registrationId": "06h1reg", "status": tt.status, "sequence": strconv.Itoa(tt.sequence),
					"position": "0", "eventTitle": "AG Sprache", "eventStartsAt": start.Format(time.RFC3339),
					"eventEndsAt": end.Format(time.RFC3339), "locationName": "Landratsamt",
					"locationAddress": "Erzberger Allee 14, 36433 Bad Salzungen", "changed": "time",
					"timeZone": tt.zone,
				},
				CreatedAt: start.Add(-72 * time.Hour),
			}
			if tt.template == "event.cancelled" || tt.template == "event.called-off" {
				m.TokenNonce = ""
			}
			msg, err := r.Render(m)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.attached {
				if len(msg.Attachments) != 0 {
					t.Errorf("%d attachments, want none", len(msg.Attachments))
				}
				return
			}
			if len(msg.Attachments) != 1 {
				t.Fatalf("%d attachments, want the invitation", len(msg.Attachments))
			}
			cal, err := goical.NewDecoder(bytes.NewReader(msg.Attachments[0].Data)).Decode()
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := cal.Props.Get(goical.PropMethod).Value; got != tt.method {
				t.Errorf("METHOD %s, want %s", got, tt.method)
			}
			ev := cal.Events()
			if len(ev) != 1 {
				t.Fatalf("%d events", len(ev))
			}
			wantZone := tt.zone
			if wantZone == "" {
				wantZone = "Europe/Berlin"
			}
			if tzid := ev[0].Props.Get(goical.PropDateTimeStart).Params.Get(goical.PropTimezoneID); tzid != wantZone {
				t.Errorf("DTSTART TZID %q, want %q", tzid, wantZone)
			}
			if uid := ev[0].Props.Get(goical.PropUID).Value; uid != "06h1reg@example.org" {
				t.Errorf("UID %s", uid)
			}
			if seq := ev[0].Props.Get(goical.PropSequence).Value; seq != strconv.Itoa(tt.sequence) {
				t.Errorf("SEQUENCE %s, want %d", seq, tt.sequence)
			}
			gotStart, err := ev[0].DateTimeStart(nil)
			if err != nil || !gotStart.Equal(start) {
				t.Errorf("DTSTART %v (%v), want %v", gotStart, err, start)
			}
			gotEnd, err := ev[0].DateTimeEnd(nil)
			if err != nil || !gotEnd.Equal(end) {
				t.Errorf("DTEND %v (%v), want %v", gotEnd, err, end)
			}
		})
	}
}

// TestInvitationFileName: the calendar file is named in the mail's
// language, which the mail writer encodes (RFC 2231) where it is not ASCII.
func TestInvitationFileName(t *testing.T) {
	r := mailtext.New(testenv.Config(t), testenv.Keys(t))
	start := time.Date(2026, 6, 3, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		locale, template, want string
	}{
		{"de", "event.confirmed", "einladung.ics"},
		{"de", "event.cancelled", "absage.ics"},
		{"en", "event.confirmed", "invitation.ics"},
		{"en", "event.called-off", "cancellation.ics"},
		{"uk", "event.confirmed", "запрошення.ics"},
		{"ru", "event.cancelled", "отмена.ics"},
		{"tr", "event.promoted", "davet.ics"},
		{"ar", "event.confirmed", "دعوة.ics"},
		{"fa", "event.cancelled", "لغو.ics"},
		{"xx", "event.confirmed", "einladung.ics"}, // an unknown language gets German
	}
	for _, tt := range tests {
		t.Run(tt.locale+" "+tt.template, func(t *testing.T) {
			m := outbox.Mail{
				ID: "m1", Template: tt.template, Locale: tt.locale, To: []string{"teilnahme@example.org"},
				TokenNonce: "nonce",
				Data: map[string]string{
					"registrationId": "06h1reg", "status": "confirmed", "sequence": "1", "position": "0",
					"eventTitle": "AG Sprache", "eventStartsAt": start.Format(time.RFC3339),
					"eventEndsAt": start.Add(time.Hour).Format(time.RFC3339), "locationName": "Landratsamt",
				},
				CreatedAt: start.Add(-72 * time.Hour),
			}
			if tt.template == "event.cancelled" || tt.template == "event.called-off" {
				m.TokenNonce = "" // nothing left to cancel
			}
			msg, err := r.Render(m)
			if err != nil {
				t.Fatal(err)
			}
			if len(msg.Attachments) != 1 || msg.Attachments[0].Filename != tt.want {
				t.Fatalf("attachments %+v, want one named %s", msg.Attachments, tt.want)
			}
			// As a mail program reads it from the header.
			raw, err := msg.Render(start, "m1@example.org")
			if err != nil {
				t.Fatal(err)
			}
			if got := attachmentName(t, raw); got != tt.want {
				t.Errorf("Content-Disposition filename %q, want %q", got, tt.want)
			}
		})
	}
}

// attachmentName reads the file name of the one attachment of a raw mail.
func attachmentName(t *testing.T, raw []byte) string {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(h textproto.MIMEHeader, body io.Reader) string
	walk = func(h textproto.MIMEHeader, body io.Reader) string {
		if _, p, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil && p["filename"] != "" {
			return p["filename"]
		}
		mt, p, err := mime.ParseMediaType(h.Get("Content-Type"))
		if err != nil || !strings.HasPrefix(mt, "multipart/") {
			return ""
		}
		r := multipart.NewReader(body, p["boundary"])
		for {
			part, err := r.NextPart()
			if err != nil {
				return ""
			}
			if name := walk(part.Header, part); name != "" {
				return name
			}
		}
	}
	return walk(textproto.MIMEHeader(m.Header), m.Body)
}
