// Package privacy answers people's data-protection requests by email
// address (DSGVO Art. 15 and 17): an export of every record that holds the
// address, and its erasure. Both are recorded in the audit trail with who,
// when and how many records of each kind, never with the address.
package privacy

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/audit"
	"github.com/wartburgkreis/netzwerk/shared/auth"
	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/email"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/secret"
	"github.com/wartburgkreis/netzwerk/shared/validate"
)

// Kind is a kind of record that can hold an address.
type Kind string

const (
	Applications    Kind = "applications"
	Registrations   Kind = "registrations"
	ContactMessages Kind = "contactMessages"
	Mails           Kind = "mails" // outbox items: pending, parked or sent
	Suppressions    Kind = "suppressions"
	Tokens          Kind = "tokens" // cancel links; confirm links mailed before applications kept theirs
	Locks           Kind = "locks"  // an application's mark against applying twice
	// Other is a record of no known kind filed under the address's hash.
	Other Kind = "other"
	// Redacted counts other people's records that mentioned the address
	// in their text: the mention is blanked out, the record stays.
	Redacted Kind = "redacted"
)

// Kinds lists every kind, in the order answers and the audit trail show them.
var Kinds = []Kind{Applications, Registrations, ContactMessages, Mails, Suppressions, Tokens, Locks, Other, Redacted}

// Counts is how many records of each kind a request touched.
type Counts map[Kind]int

// Total is the number of records counted.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// Add adds o's counts to c.
func (c Counts) Add(o Counts) {
	for k, v := range o {
		c[k] += v
	}
}

// All is c with every kind present, so answers keep one shape.
func (c Counts) All() Counts {
	out := make(Counts, len(Kinds))
	for _, k := range Kinds {
		out[k] = c[k]
	}
	return out
}

// Detail is c as an audit entry's detail: counts only, of the kinds c
// holds.
func (c Counts) Detail() map[string]string {
	out := make(map[string]string, len(c))
	for k, n := range c {
		out[string(k)] = strconv.Itoa(n)
	}
	return out
}

// Registration is a registration with the event it is for; Event is zero
// when the event is gone.
type Registration struct {
	event.Registration
	Event event.Event
}

// Records is everything stored that holds one address, by kind. Link
// tokens and locks are left out: they hold nothing but keys and hashes.
type Records struct {
	Applications    []partner.Application
	Registrations   []Registration
	ContactMessages []contact.Message
	// Mails still carry recipients and data while pending or parked; a
	// sent mail keeps none, so it is found only until it is sent.
	Mails []outbox.Item
	// Suppressions are the marks that stop mail to the address after a
	// hard bounce or a complaint.
	Suppressions []outbox.Suppression
}

// Counts is how many records of each kind r holds.
func (r Records) Counts() Counts {
	return Counts{
		Applications:    len(r.Applications),
		Registrations:   len(r.Registrations),
		ContactMessages: len(r.ContactMessages),
		Mails:           len(r.Mails),
		Suppressions:    len(r.Suppressions),
	}
}

// Subject is the person a request is about: the address as the forms store
// it, its key (lower case) and the keyed hash the stores file it under.
type Subject struct {
	Email string
	Key   string
	Hash  string
}

// Withdraw takes a registration out of its event before it is erased and
// returns the status it then has (see event.Service.Withdraw).
type Withdraw func(ctx context.Context, r event.Registration) (event.Status, error)

// ErrChanged means a record changed between the scan that found it and its
// erasure; the erasure scans again.
var ErrChanged = errors.New("privacy: a record changed during the erasure")

// Store finds and erases what holds an address. There is no index by
// address: both read the whole table.
type Store interface {
	// Find reads every record that holds the subject's address or hash,
	// expired ones too: TTL deletes late, and what is stored is what counts.
	Find(ctx context.Context, sub Subject) (Records, error)
	// ErasePass scans once and erases what it finds. Registrations that
	// still hold a seat or a waiting place go through withdraw first. Each
	// transaction of deletions carries entry(what it deletes), so nothing
	// is erased unrecorded. It returns what it erased, nothing when the
	// scan found nothing; ErrChanged (with what was erased before) when a
	// record changed since the scan.
	ErasePass(ctx context.Context, sub Subject, withdraw Withdraw, entry func(Counts) audit.Entry) (Counts, error)
	// Record writes an audit entry on its own.
	Record(ctx context.Context, e audit.Entry) error
}

// Service runs privacy requests.
type Service struct {
	Store  Store
	Events *event.Service
	Config *network.Config
	Keys   *secret.Keys
	Now    func() time.Time
}

// passes bounds an erasure: the first pass erases, the next finds nothing.
// More are needed only while sign-ups or promotions race it.
const passes = 4

// subject parses the address as the public forms do, so it matches what
// they stored.
func (s *Service) subject(addr string) (Subject, error) {
	var f apperr.Fields
	norm := validate.Email(&f, "email", addr)
	if err := f.Err(); err != nil {
		return Subject{}, err
	}
	key := email.Key(norm)
	return Subject{Email: norm, Key: key, Hash: s.Keys.EmailHash(key)}, nil
}

// entry is an audit entry for a privacy request: the target names the
// request, never the person.
func (s *Service) entry(by auth.Coordinator, action, request string, c Counts) audit.Entry {
	return audit.New(s.Config, s.Now().UTC(), by.Name, action, "privacy-request/"+request, c.Detail())
}

// Export is what an access request hands over.
type Export struct {
	Email string // as the records hold it
	At    time.Time
	Records
}

// Export is every record that holds addr (Art. 15). It is handed out only
// once the audit trail has recorded it.
func (s *Service) Export(ctx context.Context, addr string, by auth.Coordinator) (Export, error) {
	sub, err := s.subject(addr)
	if err != nil {
		return Export{}, err
	}
	recs, err := s.Store.Find(ctx, sub)
	if err != nil {
		return Export{}, apperr.OrUnavailable(err)
	}
	now := s.Now().UTC()
	if err := s.Store.Record(ctx, s.entry(by, "privacy.export", id.New(now), recs.Counts())); err != nil {
		return Export{}, apperr.OrUnavailable(err)
	}
	return Export{Email: sub.Email, At: now, Records: recs}, nil
}

// Erase erases every record that holds addr (Art. 17) and returns how many
// of each kind. Registrations first free their seats, which go to the
// people waiting; other people's records that mention the address keep
// their content with the mention blanked out. The erasure is done when a
// scan of the whole table finds the address no more, so a sign-up or a
// promotion that raced it is erased by the next pass. Erasing twice is
// harmless: the second finds nothing.
func (s *Service) Erase(ctx context.Context, addr string, by auth.Coordinator) (Counts, error) {
	sub, err := s.subject(addr)
	if err != nil {
		return nil, err
	}
	request := id.New(s.Now())
	entry := func(c Counts) audit.Entry { return s.entry(by, "privacy.erase", request, c.All()) }
	total := Counts{}
	for range passes {
		c, err := s.Store.ErasePass(ctx, sub, s.Events.Withdraw, entry)
		total.Add(c)
		if errors.Is(err, ErrChanged) {
			continue
		}
		if err != nil {
			return nil, apperr.OrUnavailable(err)
		}
		if c.Total() > 0 {
			continue // look again: the erasure is done only when a scan finds nothing
		}
		if total.Total() == 0 {
			// Nothing was stored: the request is on record all the same.
			if err := s.Store.Record(ctx, entry(total)); err != nil {
				return nil, apperr.OrUnavailable(err)
			}
		}
		return total.All(), nil
	}
	return nil, apperr.Wrap(apperr.Unavailable, "problem.unavailable",
		errors.New("privacy: erasure kept racing new records: "+strconv.Itoa(total.Total())+" erased so far"))
}
