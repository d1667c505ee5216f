package contact

import (
	"context"
	"errors"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/audit"
	"github.com/wartburgkreis/netzwerk/shared/auth"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/listing"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/validate"
)

// Status of a message in the coordinators' inbox.
type Status string

const (
	Open Status = "open"
	Done Status = "done" // answered or dealt with
)

// Errors the store reports.
var (
	ErrNotFound = errors.New("contact: no such message")
	ErrState    = errors.New("contact: the message is not open")
)

// Filter narrows the coordinators' list; zero values mean "any".
type Filter struct {
	Topic  string
	Status string
}

// List pages through the messages for the coordinators, newest first.
func (s *Service) List(ctx context.Context, f Filter, q listing.Query) (listing.Page[Message], error) {
	var fields apperr.Fields
	if f.Topic != "" {
		if _, ok := network.Find(s.Config.Topics, f.Topic); !ok {
			fields.Add("topic", validate.Invalid, "")
		}
	}
	if f.Status != "" && f.Status != string(Open) && f.Status != string(Done) {
		fields.Add("status", validate.Invalid, "")
	}
	if err := fields.Err(); err != nil {
		return listing.Page[Message]{}, err
	}
	var keep func(Message) bool
	if f.Topic != "" || f.Status != "" {
		keep = func(m Message) bool {
			return (f.Topic == "" || m.Topic == f.Topic) && (f.Status == "" || string(m.Status) == f.Status)
		}
	}
	page, err := s.Store.Messages(ctx, keep, q)
	return page, listing.Err(err)
}

// Get is one message with everything its sender gave.
func (s *Service) Get(ctx context.Context, msgID string) (Message, error) {
	if !id.Valid(msgID) {
		return Message{}, apperr.New(apperr.NotFound, "problem.not_found")
	}
	m, err := s.Store.Message(ctx, msgID)
	if errors.Is(err, ErrNotFound) {
		return Message{}, apperr.New(apperr.NotFound, "problem.not_found")
	}
	return m, apperr.OrUnavailable(err)
}

// MarkDone marks a message done, with who and when. Marking it again
// changes nothing and reports changed false.
func (s *Service) MarkDone(ctx context.Context, msgID string, by auth.Coordinator) (m Message, changed bool, err error) {
	// Twice at most: a concurrent mark by the other coordinator makes the
	// first write fail, and the second read shows the message done.
	for range 2 {
		m, err = s.Get(ctx, msgID)
		if err != nil || m.Status == Done {
			return m, false, err
		}
		now := s.Now().UTC()
		err = s.Store.Done(ctx, m.ID, now, by.Name,
			audit.New(s.Config, now, by.Name, "message.done", "message/"+m.ID, map[string]string{"topic": m.Topic}))
		if errors.Is(err, ErrState) {
			continue
		}
		if err != nil {
			return Message{}, false, apperr.OrUnavailable(err)
		}
		m.Status, m.DoneAt, m.DoneBy = Done, now, by.Name
		return m, true, nil
	}
	return Message{}, false, apperr.New(apperr.Conflict, "problem.conflict")
}
