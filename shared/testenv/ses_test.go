package testenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

func TestSESContainsAddress(t *testing.T) {
	tests := []struct {
		name    string
		entries []string
		addr    string
		want    bool
	}{
		{"bare address", []string{"anna@example.org"}, "anna@example.org", true},
		{"case-insensitive", []string{"Anna@Example.ORG"}, "anna@example.org", true},
		{"display name", []string{`"Анна Петрова" <anna@example.org>`}, "anna@example.org", true},
		{"list in one entry", []string{`"A" <a@example.org>, b@example.org`}, "b@example.org", true},
		{"second entry", []string{"a@example.org", "b@example.org"}, "b@example.org", true},
		{"unicode domain stored, punycode asked", []string{"b@bücherei.example"}, "b@xn--bcherei-n2a.example", true},
		{"punycode stored, unicode asked", []string{"b@xn--bcherei-n2a.example"}, "b@bücherei.example", true},
		{"other address", []string{"a@example.org"}, "b@example.org", false},
		{"prefix is not a match", []string{"xanna@example.org"}, "anna@example.org", false},
		{"no entries", nil, "a@example.org", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sesContainsAddress(tt.entries, tt.addr); got != tt.want {
				t.Errorf("sesContainsAddress(%q, %q): got %v, want %v", tt.entries, tt.addr, got, tt.want)
			}
		})
	}
}

func TestUniqueAddress(t *testing.T) {
	re := regexp.MustCompile(`^x-[0-9a-f]{16}@example\.org$`)
	seen := map[string]bool{}
	for range 100 {
		a := UniqueAddress(t)
		if !re.MatchString(a) {
			t.Fatalf("UniqueAddress: got %q, want it to match %s", a, re)
		}
		if seen[a] {
			t.Fatalf("UniqueAddress: got %q twice", a)
		}
		seen[a] = true
	}
}

// TestSESStoresSimpleSend checks the StoredEmail mapping against the
// emulator's Simple path, where every field is taken from the API call.
func TestSESStoresSimpleSend(t *testing.T) {
	emu := SES(t)
	to, other := UniqueAddress(t), UniqueAddress(t)
	_, err := emu.Client(t).SendEmail(t.Context(), &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("noreply@netzwerk.example.org"),
		ReplyToAddresses: []string{"team@example.org"},
		Destination: &types.Destination{
			ToAddresses: []string{to},
			CcAddresses: []string{"cc@example.org"},
		},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String("Größere Räume")},
			Body: &types.Body{
				Text: &types.Content{Data: aws.String("Hallo")},
				Html: &types.Content{Data: aws.String("<p>Hallo</p>")},
			},
			Attachments: []types.Attachment{{
				FileName:    aws.String("termin.ics"),
				ContentType: aws.String("text/calendar"),
				RawContent:  []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
			}},
			Headers: []types.MessageHeader{{Name: aws.String("X-Test"), Value: aws.String("1")}},
		}},
	})
	if err != nil {
		t.Fatalf("SendEmail: %v", err)
	}
	if got := emu.Messages(t, other); len(got) != 0 {
		t.Errorf("Messages(other): got %d emails, want 0", len(got))
	}
	got := emu.Messages(t, to)
	if len(got) != 1 {
		t.Fatalf("Messages: got %d emails, want 1", len(got))
	}
	m := got[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"messageId set", m.MessageID != "", true},
		{"from", m.From, "noreply@netzwerk.example.org"},
		{"replyTo", fmt.Sprint(m.ReplyTo), "[team@example.org]"},
		{"to", fmt.Sprint(m.Destination.To), "[" + to + "]"},
		{"cc", fmt.Sprint(m.Destination.Cc), "[cc@example.org]"},
		{"bcc", len(m.Destination.Bcc), 0},
		{"subject", m.Subject, "Größere Räume"},
		{"text", m.Body.Text, "Hallo"},
		{"html", m.Body.HTML, "<p>Hallo</p>"},
		{"attachments", len(m.Attachments), 1},
		{"attachment filename", m.Attachments[0].Filename, "termin.ics"},
		{"attachment content type", m.Attachments[0].ContentType, "text/calendar"},
		{"attachment content", string(m.Attachments[0].Content), "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"},
		{"attachment size", m.Attachments[0].Size, 32},
		{"headers", fmt.Sprint(m.Headers), "[{X-Test 1}]"},
		{"at set", m.At > 0, true},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %v, want %v", c.got, c.want)
			}
		})
	}
}

func sendSimple(emu *SESEmulator, t *testing.T, to string) error {
	_, err := emu.Client(t).SendEmail(t.Context(), &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("noreply@netzwerk.example.org"),
		Destination:      &types.Destination{ToAddresses: []string{to}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String("s")},
			Body:    &types.Body{Text: &types.Content{Data: aws.String("b")}},
		}},
	})
	return err
}

func TestSESEmulatorStopStart(t *testing.T) {
	emu := NewSESEmulator(t)
	endpoint := emu.Endpoint()
	if shared := SES(t); shared.Endpoint() == endpoint {
		t.Fatalf("own emulator shares the shared one's endpoint %s", endpoint)
	}
	to := UniqueAddress(t)

	steps := []struct {
		name    string
		do      func()
		wantErr bool
		wantN   int // messages to `to` after the step, -1 = do not check
	}{
		{"running accepts mail", func() {}, false, 1},
		{"stopped refuses connections", func() { emu.Stop(t) }, true, -1},
		{"restarted on the same endpoint with an empty store", func() { emu.Start(t) }, false, 1},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.do()
			if got := emu.Endpoint(); got != endpoint {
				t.Errorf("Endpoint: got %s, want %s", got, endpoint)
			}
			err := sendSimple(emu, t, to)
			if got := err != nil; got != s.wantErr {
				t.Fatalf("send error: got %v, want error: %v", err, s.wantErr)
			}
			if s.wantN >= 0 {
				if got := len(emu.Messages(t, to)); got != s.wantN {
					t.Errorf("Messages: got %d, want %d", got, s.wantN)
				}
			}
		})
	}
}

// fatalRecorder stands in for a testing.TB whose Fatal ends only the
// goroutine it runs in, so tests can check that a helper refuses misuse.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatal(args ...any) {
	f.msg = fmt.Sprint(args...)
	runtime.Goexit()
}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func runRecorded(t *testing.T, fn func(testing.TB)) string {
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(rec)
	}()
	<-done
	return rec.msg
}

func TestSESEmulatorMisuse(t *testing.T) {
	shared := SES(t)
	own := NewSESEmulator(t)
	tests := []struct {
		name string
		fn   func(testing.TB)
		want string // substring of the Fatal message
	}{
		{"stop shared", func(tb testing.TB) { shared.Stop(tb) }, "shared SES emulator cannot be stopped"},
		{"start shared", func(tb testing.TB) { shared.Start(tb) }, "shared SES emulator cannot be restarted"},
		{"start running", func(tb testing.TB) { own.Start(tb) }, "already running"},
		{"stop stopped", func(tb testing.TB) { own.Stop(tb); own.Stop(tb) }, "already stopped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runRecorded(t, tt.fn)
			if !strings.Contains(got, tt.want) {
				t.Errorf("Fatal message: got %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

// TestSESMissingNodeModules starts the emulator from a repository without
// infra/ses-local/node_modules and expects the pointer to `make test`.
func TestSESMissingNodeModules(t *testing.T) {
	root := t.TempDir()
	_, err := startSESProcess(root, 1)
	if err == nil {
		t.Fatal("startSESProcess: got no error, want one")
	}
	checks := []struct {
		name string
		got  bool
	}{
		{"is a setup error", errors.Is(err, errSESSetup)},
		{"tells to run make test", strings.Contains(err.Error(), "make test")},
		{"names the missing file", strings.Contains(err.Error(), filepath.Join(root, "infra", "ses-local", "node_modules"))},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !c.got {
				t.Errorf("error %q: got false, want true", err)
			}
		})
	}
}

func TestSESRepoRoot(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("sesRepoRoot: %v", err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := wd, filepath.Join(root, "shared", "testenv"); got != want {
		t.Errorf("working directory: got %s, want %s below the root", got, want)
	}
}
