package notify

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wartburgkreis/netzwerk/shared/email"
)

// Suppressor records addresses that must not be mailed again.
type Suppressor interface {
	Suppress(ctx context.Context, addr, reason string, at time.Time) error
}

// sesEvent is the part of an SES sending event (the detail of the
// EventBridge event) that says who bounced or complained.
type sesEvent struct {
	EventType string `json:"eventType"`
	Bounce    *struct {
		BounceType        string      `json:"bounceType"`
		BounceSubType     string      `json:"bounceSubType"`
		BouncedRecipients []recipient `json:"bouncedRecipients"`
		Timestamp         time.Time   `json:"timestamp"`
	} `json:"bounce"`
	Complaint *struct {
		ComplainedRecipients  []recipient `json:"complainedRecipients"`
		ComplaintFeedbackType string      `json:"complaintFeedbackType"`
		Timestamp             time.Time   `json:"timestamp"`
	} `json:"complaint"`
}

type recipient struct {
	EmailAddress string `json:"emailAddress"`
}

// BounceHandler marks the addresses of hard bounces and complaints, which
// SES reports later and asynchronously through EventBridge, so delivery
// stops mailing them and coordinators can see why. Soft bounces change
// nothing: SES has retried them already and the next mail may get through.
// Only a storage failure is an error, so EventBridge's retry covers it.
func BounceHandler(s Suppressor, log *slog.Logger) func(context.Context, events.CloudWatchEvent) error {
	return func(ctx context.Context, e events.CloudWatchEvent) error {
		var ev sesEvent
		if err := json.Unmarshal(e.Detail, &ev); err != nil {
			log.WarnContext(ctx, "unreadable SES event", "detailType", e.DetailType, "err", err)
			return nil
		}
		var reason string
		var who []recipient
		var at time.Time
		switch {
		case ev.EventType == "Bounce" && ev.Bounce != nil:
			if ev.Bounce.BounceType != "Permanent" {
				log.InfoContext(ctx, "soft bounce ignored", "subType", ev.Bounce.BounceSubType)
				return nil
			}
			reason, who, at = "bounce:"+ev.Bounce.BounceSubType, ev.Bounce.BouncedRecipients, ev.Bounce.Timestamp
		case ev.EventType == "Complaint" && ev.Complaint != nil:
			reason, who, at = "complaint", ev.Complaint.ComplainedRecipients, ev.Complaint.Timestamp
			if t := ev.Complaint.ComplaintFeedbackType; t != "" {
				reason += ":" + t
			}
		default:
			log.InfoContext(ctx, "SES event ignored", "eventType", ev.EventType)
			return nil
		}
		if at.IsZero() {
			at = e.Time
		}
		var errs []error
		for _, r := range who {
			addr, err := email.Normalize(r.EmailAddress)
			if err != nil {
				continue
			}
			if err := s.Suppress(ctx, addr, reason, at); err != nil {
				errs = append(errs, err)
				continue
			}
			// The reason is not personal data; the address is, so it stays out.
			log.InfoContext(ctx, "address suppressed", "reason", reason)
		}
		return errors.Join(errs...)
	}
}
