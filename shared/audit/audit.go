// Package audit is the coordinators' trail: every change made through the
// admin API and every export, with who, what and when. Entries carry no
// personal data beyond the coordinator's own name; they name records by id
// and count what they touched.
package audit

import (
	"context"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/listing"
	"github.com/wartburgkreis/netzwerk/shared/network"
)

// Entry is one recorded action.
type Entry struct {
	ID     string
	At     time.Time
	Actor  string // the coordinator
	Action string // e.g. "partner.approve"
	Target string // e.g. "application/<id>"; never an address
	// Detail holds counts and choices ("mails": "3"), never personal data.
	Detail    map[string]string
	ExpiresAt time.Time
}

// New is an entry for action on target by actor at now, kept as long as
// the configuration says.
func New(cfg *network.Config, now time.Time, actor, action, target string, detail map[string]string) Entry {
	return Entry{
		ID: id.New(now), At: now.UTC(), Actor: actor, Action: action, Target: target, Detail: detail,
		ExpiresAt: now.Add(network.Days(cfg.Retention.AuditDays)),
	}
}

// Store lists the trail, newest first. Entries are written by the stores of
// the changes they record, in the same transaction, so no change goes
// unrecorded.
type Store interface {
	Audit(ctx context.Context, q listing.Query) (listing.Page[Entry], error)
	// Record writes an entry on its own, for what changes nothing stored
	// (an export).
	Record(ctx context.Context, e Entry) error
}
