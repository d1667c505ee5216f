package mail_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wartburgkreis/netzwerk/shared/mail"
)

func TestIsPermanent(t *testing.T) {
	cause := errors.New("MessageRejected: Email address is not verified: anna@example.org")
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain error", errors.New("connection reset"), false},
		{"deadline", context.DeadlineExceeded, false},
		{"canceled", context.Canceled, false},
		{"permanent error", &mail.PermanentError{Reason: "ses-message-rejected", Err: cause}, true},
		{"wrapped permanent error", fmt.Errorf("outbox: %w", &mail.PermanentError{Reason: "x"}), true},
		{"header injection", fmt.Errorf("render: %w", mail.ErrHeaderInjection), true},
		{"invalid message", mail.ErrInvalidMessage, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mail.IsPermanent(tt.err); got != tt.want {
				t.Errorf("IsPermanent(%v): got %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestPermanentError(t *testing.T) {
	cause := errors.New("MessageRejected: Email address is not verified: anna@example.org")
	err := error(&mail.PermanentError{Reason: "ses-message-rejected", Err: cause})

	tests := []struct {
		name string
		got  any
		want any
	}{
		{"message names the reason", err.Error(), "mail: permanent failure: ses-message-rejected"},
		{"message hides the address", strings.Contains(err.Error(), "anna@"), false},
		{"cause reachable", errors.Is(err, cause), true},
		{"unwrap", errors.Unwrap(err), cause},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}
