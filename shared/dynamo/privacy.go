package dynamo

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/audit"
	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/email"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/privacy"
)

var _ privacy.Store = (*Store)(nil)

// maxTransactItems is DynamoDB's limit on the items of one transaction.
const maxTransactItems = 100

// holding is one item that holds the subject's address or hash, with what
// the erasure does to it.
type holding struct {
	kind privacy.Kind
	item map[string]types.AttributeValue
	// redact blanks the mentions out of someone else's record (kind
	// Redacted), under the condition that they are still as read.
	redact *types.Update
}

// holdings scans the whole table, page by page with consistent reads, for
// the items that hold sub's address or keyed hash. Nothing is indexed by
// address; a county's table is some megabytes, and a consistent scan costs
// one read unit per 4 KB of it. It also returns the events seen, by id, for
// the registrations' titles.
func (s *Store) holdings(ctx context.Context, sub privacy.Subject) ([]holding, map[string]map[string]types.AttributeValue, error) {
	var found []holding
	var byRef []map[string]types.AttributeValue // tokens and locks that name an application
	events := map[string]map[string]types.AttributeValue{}
	apps := map[string]bool{}
	p := dynamodb.NewScanPaginator(s.API, &dynamodb.ScanInput{TableName: &s.Table, ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("scan: %w", err)
		}
		for _, item := range page.Items {
			if !strings.HasPrefix(attrS(item, "pk"), s.Tenant+"#") {
				continue // another network's data, another controller's request
			}
			sk := attrS(item, "sk")
			switch {
			case sk == eventSK:
				events[attrS(item, "id")] = item
			case sk == lockSK, sk == tokenSK && attrS(item, "purpose") == partner.ConfirmPurpose:
				byRef = append(byRef, item)
			}
			h, ok := s.classify(item, sub)
			if !ok {
				continue
			}
			if h.kind == privacy.Applications {
				apps[attrS(item, "id")] = true
			}
			found = append(found, h)
		}
	}
	for _, item := range byRef {
		if !apps[attrS(item, "ref")] {
			continue
		}
		kind := privacy.Tokens
		if attrS(item, "sk") == lockSK {
			kind = privacy.Locks
		}
		found = append(found, holding{kind: kind, item: item})
	}
	return found, events, nil
}

// classify says what item is to sub: a record of theirs, someone else's
// record that mentions them, or nothing (ok false).
func (s *Store) classify(item map[string]types.AttributeValue, sub privacy.Subject) (holding, bool) {
	sk := attrS(item, "sk")
	theirs := attrS(item, "emailHash") == sub.Hash || email.Key(attrS(item, "email")) == sub.Key
	kind := privacy.Kind("")
	switch {
	case sk == auditSK:
		// The trail names coordinators only, and is what shows that an
		// erasure happened: it is kept as it is.
		return holding{}, false
	case sk == appSK && theirs:
		kind = privacy.Applications
	case strings.HasPrefix(sk, regSK) && (theirs || sk == regSK+sub.Hash):
		kind = privacy.Registrations
	case sk == contactSK && theirs:
		kind = privacy.ContactMessages
	case sk == mailSK && addressedTo(item, sub.Key):
		kind = privacy.Mails
	case sk == suppressionSK && theirs:
		kind = privacy.Suppressions
	case sk == tokenSK && theirs:
		kind = privacy.Tokens
	}
	if kind != "" {
		return holding{kind: kind, item: item}, true
	}
	if !holdsAny(item, sub) {
		return holding{}, false
	}
	if u, ok := s.redaction(item, sub); ok {
		return holding{kind: privacy.Redacted, item: item, redact: u}, true
	}
	return holding{kind: privacy.Other, item: item}, true
}

// addressedTo reports whether a mail goes to, answers to or is about the
// address: the coordinators' mail about an application or a message
// carries the sender's address as Reply-To and in its data.
func addressedTo(item map[string]types.AttributeValue, key string) bool {
	var m mailItem
	if err := attributevalue.UnmarshalMap(item, &m); err != nil {
		return false
	}
	is := func(a string) bool { return email.Key(a) == key }
	return slices.ContainsFunc(m.To, is) || slices.ContainsFunc(m.Cc, is) || is(m.ReplyTo) ||
		slices.ContainsFunc(slices.Collect(maps.Values(m.Data)), is)
}

// holdsAny reports whether any string in item, however deeply nested, holds
// the address or its hash.
func holdsAny(item map[string]types.AttributeValue, sub privacy.Subject) bool {
	return slices.ContainsFunc(slices.Collect(maps.Values(item)), func(v types.AttributeValue) bool { return holds(v, sub) })
}

func holds(v types.AttributeValue, sub privacy.Subject) bool {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return sub.In(v.Value)
	case *types.AttributeValueMemberSS:
		return slices.ContainsFunc(v.Value, sub.In)
	case *types.AttributeValueMemberL:
		return slices.ContainsFunc(v.Value, func(x types.AttributeValue) bool { return holds(x, sub) })
	case *types.AttributeValueMemberM:
		return holdsAny(v.Value, sub)
	}
	return false
}

// redaction is the update that blanks the address out of every string of
// someone else's record that mentions it, each under the condition that it
// is still as read, so a concurrent change is not overwritten. Not possible
// (ok false) when a key or a string set holds it; the table has no sets,
// and keys hold only hashes.
func (s *Store) redaction(item map[string]types.AttributeValue, sub privacy.Subject) (*types.Update, bool) {
	r := redactor{sub: sub, names: map[string]string{}, values: map[string]types.AttributeValue{}}
	for _, name := range slices.Sorted(maps.Keys(item)) {
		if name == "pk" || name == "sk" {
			if holds(item[name], sub) {
				return nil, false
			}
			continue
		}
		if holds(item[name], sub) && !r.walk(r.name(name), item[name]) {
			return nil, false
		}
	}
	return &types.Update{
		TableName:                 &s.Table,
		Key:                       keyOf(attrS(item, "pk"), attrS(item, "sk")),
		UpdateExpression:          aws.String("SET " + strings.Join(r.sets, ", ")),
		ConditionExpression:       aws.String(strings.Join(r.conds, " AND ")),
		ExpressionAttributeNames:  r.names,
		ExpressionAttributeValues: r.values,
	}, true
}

type redactor struct {
	sub         privacy.Subject
	sets, conds []string
	names       map[string]string // attribute or map key -> placeholder
	values      map[string]types.AttributeValue
}

func (r *redactor) name(n string) string {
	for p, v := range r.names {
		if v == n {
			return p
		}
	}
	p := "#n" + strconv.Itoa(len(r.names))
	r.names[p] = n
	return p
}

// walk adds the SET clauses for the strings under path; false if it meets
// a string set that holds the address.
func (r *redactor) walk(path string, v types.AttributeValue) bool {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		if r.sub.In(v.Value) {
			n := strconv.Itoa(len(r.sets))
			r.sets = append(r.sets, path+" = :new"+n)
			r.conds = append(r.conds, path+" = :old"+n)
			r.values[":new"+n] = str(r.sub.Blank(v.Value))
			r.values[":old"+n] = v
		}
	case *types.AttributeValueMemberSS:
		return !holds(v, r.sub)
	case *types.AttributeValueMemberL:
		for i, x := range v.Value {
			if !r.walk(path+"["+strconv.Itoa(i)+"]", x) {
				return false
			}
		}
	case *types.AttributeValueMemberM:
		for _, k := range slices.Sorted(maps.Keys(v.Value)) {
			// Placeholders only for the keys on the way: DynamoDB refuses
			// names an expression does not use.
			if holds(v.Value[k], r.sub) && !r.walk(path+"."+r.name(k), v.Value[k]) {
				return false
			}
		}
	}
	return true
}

// Find reads every record that holds sub's address or hash, by kind.
func (s *Store) Find(ctx context.Context, sub privacy.Subject) (privacy.Records, error) {
	found, events, err := s.holdings(ctx, sub)
	if err != nil {
		return privacy.Records{}, err
	}
	var out privacy.Records
	for _, h := range found {
		var err error
		switch h.kind {
		case privacy.Applications:
			var app partner.Application
			if app, err = decodeApp(h.item); err == nil {
				out.Applications = append(out.Applications, app)
			}
		case privacy.Registrations:
			var r privacy.Registration
			if r.Registration, err = decodeReg(h.item); err == nil {
				if ev, ok := events[r.EventID]; ok {
					r.Event, err = decodeEvent(ev)
				}
				out.Registrations = append(out.Registrations, r)
			}
		case privacy.ContactMessages:
			var m contact.Message
			if m, err = decodeContact(h.item); err == nil {
				out.ContactMessages = append(out.ContactMessages, m)
			}
		case privacy.Mails:
			var rec outbox.Record
			if rec, err = decodeMailRecord(h.item); err == nil {
				out.Mails = append(out.Mails, rec.Item)
			}
		case privacy.Suppressions:
			var sup outbox.Suppression
			if sup, err = decodeSuppression(h.item); err == nil {
				out.Suppressions = append(out.Suppressions, sup)
			}
		}
		if err != nil {
			return privacy.Records{}, err
		}
	}
	sortBy(out.Applications, func(a partner.Application) (time.Time, string) { return a.CreatedAt, a.ID })
	sortBy(out.Registrations, func(r privacy.Registration) (time.Time, string) { return r.CreatedAt, r.ID })
	sortBy(out.ContactMessages, func(m contact.Message) (time.Time, string) { return m.CreatedAt, m.ID })
	sortBy(out.Suppressions, func(m outbox.Suppression) (time.Time, string) { return m.At, m.Email })
	sortBy(out.Mails, func(m outbox.Item) (time.Time, string) { return m.CreatedAt, m.ID })
	return out, nil
}

// sortBy puts records in the order they were made.
func sortBy[T any](list []T, key func(T) (time.Time, string)) {
	slices.SortFunc(list, func(a, b T) int {
		ta, ia := key(a)
		tb, ib := key(b)
		return cmp.Or(ta.Compare(tb), cmp.Compare(ia, ib))
	})
}

// ErasePass scans once and erases what holds sub: registrations first free
// their seats through withdraw, then every item goes, in transactions of at
// most 100 items, each with its own audit entry. A registration is deleted
// only in the state withdraw left it in, a lock only while it still names
// the application, a redaction only while the strings are as read: if any
// changed (a sign-up or a promotion raced the erasure), the transaction
// fails whole and the caller scans again.
func (s *Store) ErasePass(ctx context.Context, sub privacy.Subject, withdraw privacy.Withdraw,
	entry func(privacy.Counts) audit.Entry) (privacy.Counts, error) {
	found, _, err := s.holdings(ctx, sub)
	if err != nil {
		return nil, err
	}
	writes := make([]types.TransactWriteItem, len(found))
	for i, h := range found {
		if writes[i], err = s.eraseWrite(ctx, h, withdraw); err != nil {
			return nil, err
		}
	}
	done := privacy.Counts{}
	for start := 0; start < len(found); start += maxTransactItems - 1 {
		end := min(start+maxTransactItems-1, len(found))
		counts := privacy.Counts{}
		for _, h := range found[start:end] {
			counts[h.kind]++
		}
		put, err := s.auditPut(entry(counts))
		if err != nil {
			return done, err
		}
		err = s.transact(ctx, append(slices.Clone(writes[start:end]), put))
		if codes, ok := cancellation(err); ok && hasCode(codes, "ConditionalCheckFailed") {
			return done, privacy.ErrChanged
		}
		if err != nil {
			return done, fmt.Errorf("erase: %w", err)
		}
		done.Add(counts)
	}
	return done, nil
}

// eraseWrite is the transaction item that erases one holding.
func (s *Store) eraseWrite(ctx context.Context, h holding, withdraw privacy.Withdraw) (types.TransactWriteItem, error) {
	if h.kind == privacy.Redacted {
		return types.TransactWriteItem{Update: h.redact}, nil
	}
	del := &types.Delete{TableName: &s.Table, Key: keyOf(attrS(h.item, "pk"), attrS(h.item, "sk"))}
	switch h.kind {
	case privacy.Registrations:
		r, err := decodeReg(h.item)
		if err != nil {
			return types.TransactWriteItem{}, err
		}
		st := r.Status
		if st != event.Cancelled {
			if st, err = withdraw(ctx, r); err != nil {
				return types.TransactWriteItem{}, err
			}
		}
		del.ConditionExpression = aws.String("#status = :status")
		del.ExpressionAttributeNames = map[string]string{"#status": "status"}
		del.ExpressionAttributeValues = map[string]types.AttributeValue{":status": str(string(st))}
	case privacy.Locks:
		// The organisation may have applied again, under a new lock.
		del.ConditionExpression = aws.String("#ref = :ref")
		del.ExpressionAttributeNames = map[string]string{"#ref": "ref"}
		del.ExpressionAttributeValues = map[string]types.AttributeValue{":ref": str(attrS(h.item, "ref"))}
	}
	return types.TransactWriteItem{Delete: del}, nil
}
