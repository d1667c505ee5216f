package sesmail_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	"github.com/wartburgkreis/netzwerk/shared/mail"
	"github.com/wartburgkreis/netzwerk/shared/mail/sesmail"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// fakeAPI records the last request and answers with err.
type fakeAPI struct {
	err   error
	calls int
	got   *sesv2.SendEmailInput
}

func (f *fakeAPI) SendEmail(_ context.Context, in *sesv2.SendEmailInput, _ ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	f.calls++
	f.got = in
	if f.err != nil {
		return nil, f.err
	}
	return &sesv2.SendEmailOutput{MessageId: aws.String("0100-fake")}, nil
}

func testEnvelope() mail.Envelope {
	return mail.Envelope{
		From: "noreply@netzwerk.example.org",
		To:   []string{"anna@example.org", "ben@example.org"},
		Data: []byte("From: <noreply@netzwerk.example.org>\r\n\r\nbody"),
	}
}

func TestSendInput(t *testing.T) {
	tests := []struct {
		name             string
		configurationSet string
		wantSet          *string
	}{
		{"without configuration set", "", nil},
		{"with configuration set", "netzwerk-prod", aws.String("netzwerk-prod")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{}
			e := testEnvelope()
			if err := sesmail.New(api, tt.configurationSet).Send(t.Context(), e); err != nil {
				t.Fatalf("Send: %v", err)
			}
			want := &sesv2.SendEmailInput{
				FromEmailAddress:     aws.String(e.From),
				Destination:          &types.Destination{ToAddresses: e.To},
				Content:              &types.EmailContent{Raw: &types.RawMessage{Data: e.Data}},
				ConfigurationSetName: tt.wantSet,
			}
			if !reflect.DeepEqual(api.got, want) {
				t.Errorf("SendEmailInput: got %+v, want %+v", api.got, want)
			}
		})
	}
}

func TestSendRejectsIncompleteEnvelope(t *testing.T) {
	tests := []struct {
		name string
		edit func(*mail.Envelope)
	}{
		{"no sender", func(e *mail.Envelope) { e.From = "" }},
		{"no recipients", func(e *mail.Envelope) { e.To = nil }},
		{"no data", func(e *mail.Envelope) { e.Data = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{}
			e := testEnvelope()
			tt.edit(&e)
			err := sesmail.New(api, "").Send(t.Context(), e)
			if !errors.Is(err, mail.ErrInvalidMessage) {
				t.Errorf("Send error: got %v, want one wrapping ErrInvalidMessage", err)
			}
			if !mail.IsPermanent(err) {
				t.Errorf("IsPermanent(%v): got false, want true", err)
			}
			var pe *mail.PermanentError
			if !errors.As(err, &pe) {
				t.Fatalf("Send error %v: got no PermanentError, want one", err)
			}
			if got, want := pe.Reason, "invalid-envelope"; got != want {
				t.Errorf("Reason: got %q, want %q", got, want)
			}
			if got, want := api.calls, 0; got != want {
				t.Errorf("API calls: got %d, want %d", got, want)
			}
		})
	}
}

func TestSendClassifiesErrors(t *testing.T) {
	// SES error messages may quote the recipient; the classified error's
	// text must not.
	const leaky = "Email address is not verified. The following identities failed the check in region EU-CENTRAL-1: anna@example.org"
	var invalidParams smithy.InvalidParamsError
	invalidParams.Add(smithy.NewErrParamRequired("Content"))
	opErr := func(err error) error {
		return &smithy.OperationError{ServiceID: "SESv2", OperationName: "SendEmail", Err: err}
	}

	tests := []struct {
		name       string
		err        error
		wantReason string // "" = transient
	}{
		{"MessageRejected", &types.MessageRejected{Message: aws.String(leaky)}, "ses-message-rejected"},
		{"MailFromDomainNotVerifiedException", &types.MailFromDomainNotVerifiedException{Message: aws.String(leaky)}, "ses-mail-from-domain-not-verified"},
		{"BadRequestException", &types.BadRequestException{Message: aws.String(leaky)}, "ses-bad-request"},
		{"NotFoundException", &types.NotFoundException{Message: aws.String("configuration set does not exist")}, "ses-not-found"},
		{"MessageRejected inside OperationError", opErr(&types.MessageRejected{Message: aws.String(leaky)}), "ses-message-rejected"},
		{"generic MessageRejected", opErr(&smithy.GenericAPIError{Code: "MessageRejected", Message: leaky}), "ses-message-rejected"},
		{"SDK input validation", opErr(invalidParams), "ses-invalid-parameters"},
		{"TooManyRequestsException", &types.TooManyRequestsException{}, ""},
		{"LimitExceededException", &types.LimitExceededException{}, ""},
		{"SendingPausedException", &types.SendingPausedException{}, ""},
		{"AccountSuspendedException", &types.AccountSuspendedException{}, ""},
		{"InternalServiceErrorException", &types.InternalServiceErrorException{}, ""},
		{"generic server fault", opErr(&smithy.GenericAPIError{Code: "InternalFailure", Fault: smithy.FaultServer}), ""},
		{"unknown client error code", opErr(&smithy.GenericAPIError{Code: "UnknownError", Fault: smithy.FaultClient}), ""},
		{"connection refused", opErr(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), ""},
		{"deadline exceeded", opErr(context.DeadlineExceeded), ""},
		{"canceled", context.Canceled, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sesmail.New(&fakeAPI{err: tt.err}, "").Send(t.Context(), testEnvelope())
			if err == nil {
				t.Fatal("Send: got no error, want one")
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("Send error %v does not wrap the SDK error %v", err, tt.err)
			}
			var pe *mail.PermanentError
			isPE := errors.As(err, &pe)
			if got, want := mail.IsPermanent(err), tt.wantReason != ""; got != want {
				t.Errorf("IsPermanent(%v): got %v, want %v", err, got, want)
			}
			if tt.wantReason == "" {
				if isPE {
					t.Errorf("transient error is a PermanentError with reason %q", pe.Reason)
				}
				return
			}
			if !isPE {
				t.Fatalf("Send error %v: got no PermanentError, want reason %q", err, tt.wantReason)
			}
			if got, want := pe.Reason, tt.wantReason; got != want {
				t.Errorf("Reason: got %q, want %q", got, want)
			}
			if strings.Contains(err.Error(), "anna@") {
				t.Errorf("permanent error text %q contains the recipient address", err)
			}
		})
	}
}

// icsInvite is a minimal iCalendar file as the network sends for meetings.
const icsInvite = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Netzwerk//DE\r\nMETHOD:PUBLISH\r\n" +
	"BEGIN:VEVENT\r\nUID:treffen-1@netzwerk.example.org\r\nDTSTAMP:20250303T090000Z\r\n" +
	"DTSTART:20250310T140000Z\r\nSUMMARY:Netzwerktreffen\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

func TestSendThroughEmulator(t *testing.T) {
	emu := testenv.SES(t)
	sender := sesmail.New(emu.Client(t), "netzwerk-test")

	tests := []struct {
		name     string
		fromName string
		toName   string
		domain   string // replaces the unique address's domain when set
		replyTo  []netmail.Address
		subject  string
		text     string
		html     string
	}{
		{
			name:     "ascii",
			fromName: "Netzwerk Wartburgkreis",
			toName:   "Anna Schmidt",
			replyTo:  []netmail.Address{{Name: "Koordination", Address: "team@netzwerk.example.org"}},
			subject:  "Einladung zum Netzwerktreffen",
			text:     "Guten Tag,\nanbei die Einladung.\n",
			html:     "<p>Guten Tag,</p><p>anbei die Einladung.</p>",
		},
		{
			name:     "unicode names, subject and bodies",
			fromName: "Integrationsnetzwerk Wartburgkreis",
			toName:   "Анна Петрова",
			replyTo: []netmail.Address{
				{Name: "محمد العلي", Address: "m.alali@netzwerk.example.org"},
				{Name: "Jürgen Müßig", Address: "jm@netzwerk.example.org"},
			},
			subject: "Einladung: Größere Räume – Приглашение",
			text:    "Grüße aus Eisenach.\nДо встречи!\n" + strings.Repeat("Eine sehr lange Zeile. ", 10) + "\n",
			html:    "<p>Grüße aus Eisenach.</p><p dir=\"rtl\">مرحبا</p>",
		},
		{
			name:     "idn recipient domain",
			fromName: "Netzwerk",
			toName:   "Bücherei",
			domain:   "bücherei.example",
			replyTo:  []netmail.Address{{Address: "team@netzwerk.example.org"}},
			subject:  "Ausleihe",
			text:     "Hallo",
			html:     "<p>Hallo</p>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			to := testenv.UniqueAddress(t)
			if tt.domain != "" {
				to = strings.Split(to, "@")[0] + "@" + tt.domain
			}
			from := netmail.Address{Name: tt.fromName, Address: "noreply@netzwerk.example.org"}
			m := mail.Message{
				From:    from,
				To:      []netmail.Address{{Name: tt.toName, Address: to}},
				ReplyTo: tt.replyTo,
				Subject: tt.subject,
				Text:    tt.text,
				HTML:    tt.html,
				Attachments: []mail.Attachment{{
					Filename:    "einladung.ics",
					ContentType: "text/calendar; charset=UTF-8; method=PUBLISH",
					Data:        []byte(icsInvite),
				}},
			}
			e, err := m.Envelope(time.Now(), testenv.UniqueAddress(t))
			if err != nil {
				t.Fatalf("Envelope: %v", err)
			}
			if err := sender.Send(t.Context(), e); err != nil {
				t.Fatalf("Send: %v", err)
			}

			stored := emu.Messages(t, to)
			if got, want := len(stored), 1; got != want {
				t.Fatalf("stored emails for the recipient: got %d, want %d", got, want)
			}
			s := stored[0]

			gotFrom, err := netmail.ParseAddress(s.From)
			if err != nil {
				t.Fatalf("stored from %q: %v", s.From, err)
			}
			if *gotFrom != from {
				t.Errorf("from: got %+v, want %+v", *gotFrom, from)
			}
			if got, want := len(s.Destination.To), 1; got != want {
				t.Fatalf("stored to entries: got %d (%q), want %d", got, s.Destination.To, want)
			}
			gotTo, err := netmail.ParseAddress(s.Destination.To[0])
			if err != nil {
				t.Fatalf("stored to %q: %v", s.Destination.To[0], err)
			}
			if got, want := gotTo.Name, tt.toName; got != want {
				t.Errorf("to name: got %q, want %q", got, want)
			}
			if got, want := len(s.ReplyTo), 1; got != want {
				t.Fatalf("stored replyTo entries: got %d (%q), want %d (the whole header)", got, s.ReplyTo, want)
			}
			gotReplyTo, err := netmail.ParseAddressList(s.ReplyTo[0])
			if err != nil {
				t.Fatalf("stored replyTo %q: %v", s.ReplyTo[0], err)
			}
			if got, want := deref(gotReplyTo), tt.replyTo; !reflect.DeepEqual(got, want) {
				t.Errorf("replyTo: got %+v, want %+v", got, want)
			}
			if got, want := s.Subject, tt.subject; got != want {
				t.Errorf("subject: got %q, want %q", got, want)
			}
			// mailparser reports line ends as LF; the wire has CRLF.
			if got, want := s.Body.Text, tt.text; normalize(got) != normalize(want) {
				t.Errorf("text: got %q, want %q", got, want)
			}
			if got, want := s.Body.HTML, tt.html; got != want {
				t.Errorf("html: got %q, want %q", got, want)
			}
			if got, want := len(s.Attachments), 1; got != want {
				t.Fatalf("attachments: got %d, want %d", got, want)
			}
			a := s.Attachments[0]
			attachmentChecks := []struct{ field, got, want string }{
				{"filename", a.Filename, "einladung.ics"},
				{"content type", a.ContentType, "text/calendar"},
				{"disposition", a.ContentDisposition, "attachment"},
				{"content", string(a.Content), icsInvite},
			}
			for _, c := range attachmentChecks {
				if c.got != c.want {
					t.Errorf("attachment %s: got %q, want %q", c.field, c.got, c.want)
				}
			}
		})
	}
}

func deref(list []*netmail.Address) []netmail.Address {
	out := make([]netmail.Address, len(list))
	for i, a := range list {
		out[i] = *a
	}
	return out
}

func normalize(s string) string {
	return strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}

// TestSendWhileSESIsDown checks that an unreachable SES is a transient
// failure, and that the same Sender works again once SES is back.
func TestSendWhileSESIsDown(t *testing.T) {
	emu := testenv.NewSESEmulator(t)
	sender := sesmail.New(emu.Client(t), "")

	steps := []struct {
		name     string
		before   func()
		wantSent bool
	}{
		{"ses up", func() {}, true},
		{"ses down", func() { emu.Stop(t) }, false},
		{"ses back on the same endpoint", func() { emu.Start(t) }, true},
	}
	for i, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.before()
			to := testenv.UniqueAddress(t)
			m := mail.Message{
				From:    netmail.Address{Address: "noreply@netzwerk.example.org"},
				To:      []netmail.Address{{Address: to}},
				Subject: fmt.Sprintf("Schritt %d", i),
				Text:    "Hallo",
			}
			e, err := m.Envelope(time.Now(), testenv.UniqueAddress(t))
			if err != nil {
				t.Fatalf("Envelope: %v", err)
			}
			err = sender.Send(t.Context(), e)
			if !s.wantSent {
				if err == nil {
					t.Fatal("Send: got no error, want one")
				}
				if mail.IsPermanent(err) {
					t.Errorf("IsPermanent(%v): got true, want false", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if got, want := len(emu.Messages(t, to)), 1; got != want {
				t.Errorf("stored emails: got %d, want %d", got, want)
			}
		})
	}
}
