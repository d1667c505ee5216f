package dynamo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
)

var _ event.Store = (*Store)(nil)

const (
	eventSK    = "event"
	countersSK = "counters"
	regSK      = "registration#"
)

// eventItem is the event as coordinators write it: its text in every
// language, its times and place, listed by start in the index. Sign-ups
// never write it; they change the event's countersItem. Optional
// attributes are written empty rather than left out, so a coordinator's
// change can overwrite them all.
type eventItem struct {
	PK          string            `dynamodbav:"pk"`
	SK          string            `dynamodbav:"sk"`
	GSI1PK      string            `dynamodbav:"gsi1pk"`
	GSI1SK      string            `dynamodbav:"gsi1sk"`
	ID          string            `dynamodbav:"id"`
	Title       map[string]string `dynamodbav:"title"`
	Description map[string]string `dynamodbav:"description"`
	StartsAt    string            `dynamodbav:"startsAt"`
	EndsAt      string            `dynamodbav:"endsAt"`
	TimeZone    string            `dynamodbav:"timeZone"`
	Location    event.Location    `dynamodbav:"location"`
	Capacity    int               `dynamodbav:"capacity"`
	Deadline    string            `dynamodbav:"registrationDeadline"`
	WorkingGrp  string            `dynamodbav:"workingGroup"`
	Network     string            `dynamodbav:"network"`
	Published   bool              `dynamodbav:"published"`
	Cancelled   bool              `dynamodbav:"cancelled"`
	CreatedAt   string            `dynamodbav:"createdAt"`
	UpdatedAt   string            `dynamodbav:"updatedAt"`
	CancelledAt string            `dynamodbav:"cancelledAt"`
	// Events stored before the counters had an item of their own kept
	// them here; they are read once, to write that item (legacyCounters),
	// and from then on stay as they were, outvoted by the counters item.
	Version   int    `dynamodbav:"version,omitempty"`
	Job       string `dynamodbav:"job,omitempty"`
	Confirmed int    `dynamodbav:"confirmed,omitempty"`
	Waiting   int    `dynamodbav:"waiting,omitempty"`
	WaitSeq   int    `dynamodbav:"waitSeq,omitempty"`
}

// countersItem is everything a sign-up's condition reads and its update
// writes, in one small unindexed item beside the event: the counters, and
// copies of the capacity, the published and cancelled flags, the version
// and the running job, which a coordinator's change writes together with
// the event. A sign-up then costs this item and its registration, never a
// rewrite of the event's text or its index entry (docs/write-cost.md).
type countersItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Capacity  int    `dynamodbav:"capacity"`
	Published bool   `dynamodbav:"published"`
	Cancelled bool   `dynamodbav:"cancelled"`
	Version   int    `dynamodbav:"version"`
	Job       string `dynamodbav:"job"`
	Confirmed int    `dynamodbav:"confirmed"`
	Waiting   int    `dynamodbav:"waiting"`
	// WaitSeq is the last waiting-list position handed out.
	WaitSeq int `dynamodbav:"waitSeq"`
}

type regItem struct {
	PK           string `dynamodbav:"pk"`
	SK           string `dynamodbav:"sk"`
	GSI1PK       string `dynamodbav:"gsi1pk"`
	GSI1SK       string `dynamodbav:"gsi1sk"`
	ID           string `dynamodbav:"id"`
	EventID      string `dynamodbav:"eventId"`
	Name         string `dynamodbav:"name"`
	Email        string `dynamodbav:"email"`
	EmailHash    string `dynamodbav:"emailHash"`
	Organisation string `dynamodbav:"organisation,omitempty"`
	Needs        string `dynamodbav:"needs,omitempty"`
	Locale       string `dynamodbav:"locale"`
	ConsentAt    string `dynamodbav:"consentAt"`
	ConsentVer   string `dynamodbav:"consentVersion"`
	Status       string `dynamodbav:"status"`
	Position     int    `dynamodbav:"position,omitempty"`
	Sequence     int    `dynamodbav:"sequence"`
	CreatedAt    string `dynamodbav:"createdAt"`
	ExpiresAt    int64  `dynamodbav:"expiresAt"`
	RemindedAt   string `dynamodbav:"remindedAt,omitempty"`
	// The cancel link's nonces (event.Registration): kept with the
	// registration, so no token item is written for it.
	LinkNonce      string `dynamodbav:"linkNonce,omitempty"`
	PriorLinkNonce string `dynamodbav:"priorLinkNonce,omitempty"`
}

// counterNames aliases the event's counters in expressions: capacity is a
// reserved word, and aliasing all of them keeps the next one from becoming
// a surprise.
func counterNames(placeholders ...string) map[string]string {
	out := make(map[string]string, len(placeholders))
	for _, p := range placeholders {
		out[p] = strings.TrimPrefix(p, "#")
	}
	return out
}

func (s *Store) eventKey(id string) map[string]types.AttributeValue {
	return keyOf(s.key("event", id), eventSK)
}

func (s *Store) countersKey(id string) map[string]types.AttributeValue {
	return keyOf(s.key("event", id), countersSK)
}

// eventItemOf is the stored shape of e; the index lists events by start.
func (s *Store) eventItemOf(e event.Event) eventItem {
	return eventItem{
		PK: s.key("event", e.ID), SK: eventSK,
		GSI1PK: s.key("events", "all"), GSI1SK: ts(e.StartsAt) + "#" + e.ID,
		ID: e.ID, Title: e.Title, Description: e.Description,
		StartsAt: ts(e.StartsAt), EndsAt: ts(e.EndsAt), TimeZone: e.TimeZone, Location: e.Location,
		Capacity: e.Capacity, Deadline: ts(e.RegistrationDeadline),
		WorkingGrp: e.WorkingGroup, Network: e.Network, Published: e.Published, Cancelled: e.Cancelled,
		CreatedAt: optionalTS(e.CreatedAt), UpdatedAt: optionalTS(e.UpdatedAt), CancelledAt: optionalTS(e.CancelledAt),
	}
}

// countersOf is the counters item of e as it stands, waitSeq being the
// last waiting-list position handed out.
func (s *Store) countersOf(e event.Event, waitSeq int) countersItem {
	return countersItem{
		PK: s.key("event", e.ID), SK: countersSK,
		Capacity: e.Capacity, Published: e.Published, Cancelled: e.Cancelled,
		Version: e.Version, Job: e.Job,
		Confirmed: e.Confirmed, Waiting: e.Waiting, WaitSeq: waitSeq,
	}
}

// optionalTS is "" for a time not set.
func optionalTS(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return ts(t)
}

func parseOptionalTS(v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	return parseTS(v)
}

// eventPuts are the two items of a new event with empty counters, each
// written only if it does not exist yet.
func (s *Store) eventPuts(e event.Event) ([]types.TransactWriteItem, error) {
	e.Confirmed, e.Waiting = 0, 0
	var items []types.TransactWriteItem
	for _, v := range []any{s.eventItemOf(e), s.countersOf(e, 0)} {
		item, err := attributevalue.MarshalMap(v)
		if err != nil {
			return nil, fmt.Errorf("marshal event: %w", err)
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName: &s.Table, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)"),
		}})
	}
	return items, nil
}

// PutEvent creates an event with empty counters. The local server seeds
// its demo events with it; coordinators create theirs with CreateEvent.
func (s *Store) PutEvent(ctx context.Context, e event.Event) error {
	items, err := s.eventPuts(e)
	if err != nil {
		return err
	}
	if err := s.transact(ctx, items); err != nil {
		return fmt.Errorf("put event: %w", err)
	}
	return nil
}

func decodeEvent(item map[string]types.AttributeValue) (event.Event, error) {
	var it eventItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return event.Event{}, fmt.Errorf("unmarshal event: %w", err)
	}
	return event.Event{
		ID: it.ID, Title: network.Text(it.Title), Description: network.Text(it.Description),
		StartsAt: parseTS(it.StartsAt), EndsAt: parseTS(it.EndsAt), TimeZone: it.TimeZone, Location: it.Location,
		Capacity: it.Capacity, RegistrationDeadline: parseTS(it.Deadline),
		WorkingGroup: it.WorkingGrp, Network: it.Network, Published: it.Published, Cancelled: it.Cancelled,
		CreatedAt: parseOptionalTS(it.CreatedAt), UpdatedAt: parseOptionalTS(it.UpdatedAt),
		CancelledAt: parseOptionalTS(it.CancelledAt),
		// An event stored before its counters had an item of their own;
		// withCounters replaces these with the counters item's.
		Version: it.Version, Job: it.Job, Confirmed: it.Confirmed, Waiting: it.Waiting,
	}, nil
}

// withCounters is e with what its counters item says. The item is the one
// every condition reads, so its copies of the capacity and the flags win.
func withCounters(e event.Event, item map[string]types.AttributeValue) (event.Event, error) {
	var c countersItem
	if err := attributevalue.UnmarshalMap(item, &c); err != nil {
		return event.Event{}, fmt.Errorf("unmarshal counters: %w", err)
	}
	e.Capacity, e.Published, e.Cancelled = c.Capacity, c.Published, c.Cancelled
	e.Version, e.Job = c.Version, c.Job
	e.Confirmed, e.Waiting = c.Confirmed, c.Waiting
	return e, nil
}

// Event reads one event with its counters: both items in one consistent
// BatchGetItem.
func (s *Store) Event(ctx context.Context, id string) (event.Event, error) {
	items, err := s.batchGet(ctx, []map[string]types.AttributeValue{s.eventKey(id), s.countersKey(id)})
	if err != nil {
		return event.Event{}, fmt.Errorf("read event: %w", err)
	}
	var ev, counters map[string]types.AttributeValue
	for _, item := range items {
		switch attrS(item, "sk") {
		case eventSK:
			ev = item
		case countersSK:
			counters = item
		}
	}
	if ev == nil || s.expired(ev) {
		return event.Event{}, event.ErrNotFound
	}
	e, err := decodeEvent(ev)
	if err != nil {
		return event.Event{}, err
	}
	if counters == nil {
		var waitSeq int
		if err := attributevalue.Unmarshal(ev["waitSeq"], &waitSeq); ev["waitSeq"] != nil && err != nil {
			return event.Event{}, fmt.Errorf("unmarshal waitSeq: %w", err)
		}
		return s.legacyCounters(ctx, e, waitSeq)
	}
	return withCounters(e, counters)
}

// legacyCounters moves the counters of an event stored before they had an
// item of their own into that item, the first time anyone reads the event:
// every write after that conditions on the new item. Two first readers
// race harmlessly; the loser reads what the winner wrote.
func (s *Store) legacyCounters(ctx context.Context, e event.Event, waitSeq int) (event.Event, error) {
	item, err := attributevalue.MarshalMap(s.countersOf(e, waitSeq))
	if err != nil {
		return event.Event{}, fmt.Errorf("marshal counters: %w", err)
	}
	err = s.put(ctx, &dynamodb.PutItemInput{
		TableName: &s.Table, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if conditionFailed(err) {
		return s.Event(ctx, e.ID)
	}
	if err != nil {
		return event.Event{}, fmt.Errorf("move counters: %w", err)
	}
	return e, nil
}

// withCountersOf completes events read from the index with their counters,
// read in batches. An event whose counters item is not there yet keeps the
// counters it was stored with: a list only shows them.
func (s *Store) withCountersOf(ctx context.Context, evs []event.Event) error {
	at := make(map[string]int, len(evs))
	keys := make([]map[string]types.AttributeValue, len(evs))
	for i, e := range evs {
		at[e.ID] = i
		keys[i] = s.countersKey(e.ID)
	}
	items, err := s.batchGet(ctx, keys)
	if err != nil {
		return fmt.Errorf("read counters: %w", err)
	}
	for _, item := range items {
		i, ok := at[strings.TrimPrefix(attrS(item, "pk"), s.key("event", ""))]
		if !ok {
			continue
		}
		if evs[i], err = withCounters(evs[i], item); err != nil {
			return err
		}
	}
	return nil
}

// Upcoming lists the events that have not ended, by start.
func (s *Store) Upcoming(ctx context.Context, now time.Time) ([]event.Event, error) {
	var out []event.Event
	p := dynamodb.NewQueryPaginator(s.API, &dynamodb.QueryInput{
		TableName:              &s.Table,
		IndexName:              aws.String(Index),
		KeyConditionExpression: aws.String("gsi1pk = :pk AND gsi1sk >= :from"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(s.key("events", "all")),
			// Events last hours, not weeks: a week back catches every one
			// still running.
			":from": str(ts(now.Add(-7 * 24 * time.Hour))),
		},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		for _, item := range page.Items {
			e, err := decodeEvent(item)
			if err != nil {
				return nil, err
			}
			if e.EndsAt.After(now) {
				out = append(out, e)
			}
		}
	}
	if err := s.withCountersOf(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Store) regKey(eventID, emailHash string) map[string]types.AttributeValue {
	return keyOf(s.key("event", eventID), regSK+emailHash)
}

// Registration reads a person's registration for an event.
func (s *Store) Registration(ctx context.Context, eventID, emailHash string) (event.Registration, error) {
	return liveAs(ctx, s, s.key("event", eventID), regSK+emailHash, "registration", event.ErrNotFound, decodeReg)
}

// StoredRegistration reads a registration as stored, expired or not.
func (s *Store) StoredRegistration(ctx context.Context, eventID, emailHash string) (event.Registration, error) {
	item, err := s.read(ctx, s.key("event", eventID), regSK+emailHash)
	if err != nil {
		return event.Registration{}, fmt.Errorf("read registration: %w", err)
	}
	if item == nil {
		return event.Registration{}, event.ErrNotFound
	}
	return decodeReg(item)
}

func decodeReg(item map[string]types.AttributeValue) (event.Registration, error) {
	var it regItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return event.Registration{}, fmt.Errorf("unmarshal registration: %w", err)
	}
	r := event.Registration{
		ID: it.ID, EventID: it.EventID, Name: it.Name, Email: it.Email, EmailHash: it.EmailHash,
		Organisation: it.Organisation, Needs: it.Needs, Locale: it.Locale,
		ConsentAt: parseTS(it.ConsentAt), ConsentVer: it.ConsentVer,
		Status: event.Status(it.Status), Position: it.Position, Sequence: it.Sequence,
		CreatedAt: parseTS(it.CreatedAt), ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC(),
		LinkNonce: it.LinkNonce, PriorLinkNonce: it.PriorLinkNonce,
	}
	if it.RemindedAt != "" {
		r.RemindedAt = parseTS(it.RemindedAt)
	}
	return r, nil
}

// regPut writes a registration unless the address holds a live one. The
// index places it: attendees by arrival, the waiting list by position.
func (s *Store) regPut(r event.Registration) (types.TransactWriteItem, error) {
	it := regItem{
		PK: s.key("event", r.EventID), SK: regSK + r.EmailHash,
		ID: r.ID, EventID: r.EventID, Name: r.Name, Email: r.Email, EmailHash: r.EmailHash,
		Organisation: r.Organisation, Needs: r.Needs, Locale: r.Locale,
		ConsentAt: ts(r.ConsentAt), ConsentVer: r.ConsentVer,
		Status: string(r.Status), Position: r.Position, Sequence: r.Sequence,
		CreatedAt: ts(r.CreatedAt), ExpiresAt: r.ExpiresAt.Unix(),
		LinkNonce: r.LinkNonce, PriorLinkNonce: r.PriorLinkNonce,
	}
	if r.Status == event.Waitlisted {
		it.GSI1PK, it.GSI1SK = s.key("waitlist", r.EventID), fmt.Sprintf("%08d", r.Position)
	} else {
		it.GSI1PK, it.GSI1SK = s.key("attendees", r.EventID), ts(r.CreatedAt)+"#"+r.ID
	}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("marshal registration: %w", err)
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName: &s.Table,
		Item:      item,
		// A cancelled registration may be replaced by a new sign-up.
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR #status = :cancelled"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":cancelled": str(string(event.Cancelled))},
	}}, nil
}

// cancelTokenPut writes the token item of a cancel link of a registration
// stored before registrations kept their link.
func (s *Store) cancelTokenPut(t event.Token) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{
		TableName: &s.Table,
		Item: map[string]types.AttributeValue{
			"pk": str(s.key("token", t.Hash)), "sk": str(tokenSK),
			"purpose": str(t.Purpose), "ref": str(t.EventID), "emailHash": str(t.EmailHash),
			"registrationId": str(t.RegistrationID),
			"expiresAt":      num(epoch(t.ExpiresAt)),
		},
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}}
}

// signUp writes the counter change and the registration (which keeps its
// cancel link) in one transaction (index 0 the counter, 1 the
// registration), then the mail with a plain put outside the due index: in
// the transaction, with its index entry, it cost 3 write units, alone 1
// (docs/write-cost.md). Its id derives from the registration's, so a second
// put leaves the first. Once the transaction commits the sign-up stands; a
// failing mail put is reported as event.ErrMailNotQueued, and the sweeper's
// Reconcile writes the mail.
func (s *Store) signUp(ctx context.Context, counter *types.Update, r event.Registration, m outbox.Mail, full error) error {
	reg, err := s.regPut(r)
	if err != nil {
		return err
	}
	err = s.transact(ctx, []types.TransactWriteItem{{Update: counter}, reg})
	if codes, ok := cancellation(err); ok && len(codes) > 1 {
		switch {
		case codes[0] == "ConditionalCheckFailed" && full != nil:
			return full
		case codes[1] == "ConditionalCheckFailed":
			return event.ErrDuplicate
		}
	}
	if err != nil {
		return fmt.Errorf("sign up: %w", err)
	}
	if err := s.queueOnce(ctx, m); err != nil {
		return fmt.Errorf("%w: %w", event.ErrMailNotQueued, err)
	}
	return nil
}

// unchanged is the condition, on the event's counters item, that the
// event is still at the version the decision was made on.
func unchanged(e event.Event) (string, map[string]types.AttributeValue) {
	return "#version = :version", map[string]types.AttributeValue{":version": numInt(e.Version)}
}

// TakeSeat confirms a registration if the event has a seat left and
// nobody waits for one (the seats a grown capacity frees are theirs).
func (s *Store) TakeSeat(ctx context.Context, e event.Event, r event.Registration, m outbox.Mail) error {
	version, values := unchanged(e)
	values[":one"] = numInt(1)
	values[":zero"] = numInt(0)
	values[":true"] = &types.AttributeValueMemberBOOL{Value: true}
	return s.signUp(ctx, &types.Update{
		TableName:        &s.Table,
		Key:              s.countersKey(r.EventID),
		UpdateExpression: aws.String("SET #confirmed = #confirmed + :one"),
		// capacity is a reserved word.
		ConditionExpression:       aws.String("#published = :true AND #confirmed < #capacity AND #waiting = :zero AND " + version),
		ExpressionAttributeNames:  counterNames("#published", "#confirmed", "#capacity", "#waiting", "#version"),
		ExpressionAttributeValues: values,
	}, r, m, event.ErrFull)
}

// waitingCondition holds while a sign-up belongs on the waiting list:
// every seat taken, or others already waiting for the free ones.
const waitingCondition = "(#confirmed >= #capacity OR #waiting > :zero)"

// NextPosition hands out waiting-list positions one by one, and only while
// sign-ups go to the waiting list, so the list is in arrival order without
// repeats.
func (s *Store) NextPosition(ctx context.Context, eventID string) (int, error) {
	out, err := s.update(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.Table,
		Key:                      s.countersKey(eventID),
		UpdateExpression:         aws.String("SET #waitSeq = #waitSeq + :one"),
		ConditionExpression:      aws.String(waitingCondition),
		ExpressionAttributeNames: counterNames("#waitSeq", "#confirmed", "#capacity", "#waiting"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one":  numInt(1),
			":zero": numInt(0),
		},
		ReturnValues: types.ReturnValueUpdatedNew,
	})
	if conditionFailed(err) {
		return 0, event.ErrSeatsLeft
	}
	if err != nil {
		return 0, fmt.Errorf("next position: %w", err)
	}
	n, ok := out.Attributes["waitSeq"].(*types.AttributeValueMemberN)
	if !ok {
		return 0, errors.New("next position: no waitSeq returned")
	}
	return strconv.Atoi(n.Value)
}

// Wait stores a waitlisted registration while sign-ups still go to the
// waiting list: if a seat came free for nobody since the position was
// handed out, the person takes it instead (ErrSeatsLeft), so nobody waits
// beside an empty seat. A published event at the version read is a
// condition too: a cancelled or unpublished event takes nobody.
func (s *Store) Wait(ctx context.Context, e event.Event, r event.Registration, m outbox.Mail) error {
	version, values := unchanged(e)
	values[":one"] = numInt(1)
	values[":zero"] = numInt(0)
	values[":true"] = &types.AttributeValueMemberBOOL{Value: true}
	return s.signUp(ctx, &types.Update{
		TableName:                 &s.Table,
		Key:                       s.countersKey(r.EventID),
		UpdateExpression:          aws.String("SET #waiting = #waiting + :one"),
		ConditionExpression:       aws.String("#published = :true AND " + waitingCondition + " AND " + version),
		ExpressionAttributeNames:  counterNames("#published", "#waiting", "#confirmed", "#capacity", "#version"),
		ExpressionAttributeValues: values,
	}, r, m, event.ErrSeatsLeft)
}

// Remail writes the mail about registration r (and the token item t of a
// registration without a kept link, if given), while r is what it was read
// as: the check (and the token) in one transaction, the mail after it in a
// put of its own, as a new sign-up's, so that a repeated sign-up makes the
// same storage calls as a new one and its answer tells nothing. Unlike a
// first mail it is in the due index (after MailGrace), so the sweeper sends
// it without a reconcile; a failing put fails the repeat, which changed
// nothing.
func (s *Store) Remail(ctx context.Context, r event.Registration, t *event.Token, m outbox.Mail) error {
	err := s.transact(ctx, withToken(s, t, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName:                &s.Table,
		Key:                      s.regKey(r.EventID, r.EmailHash),
		ConditionExpression:      aws.String("#status = :status AND #id = :id"),
		ExpressionAttributeNames: map[string]string{"#status": "status", "#id": "id"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":status": str(string(r.Status)), ":id": str(r.ID),
		},
	}}))
	if codes, ok := cancellation(err); ok && hasCode(codes, "ConditionalCheckFailed") {
		return event.ErrChanged
	}
	if err != nil {
		return fmt.Errorf("remail: %w", err)
	}
	return s.putDue(ctx, m, "remail")
}

// withToken is the items of a write about a registration: its condition
// first, then the token item t of a registration without a kept link (if
// given), then the rest.
func withToken(s *Store, t *event.Token, first types.TransactWriteItem, rest ...types.TransactWriteItem) []types.TransactWriteItem {
	items := []types.TransactWriteItem{first}
	if t != nil {
		items = append(items, s.cancelTokenPut(*t))
	}
	return append(items, rest...)
}

// CancelToken reads a cancel-link token as stored, expired or not: TTL
// deletes late, and the service answers an expired link with "gone", not
// "invalid", by its ExpiresAt.
func (s *Store) CancelToken(ctx context.Context, hash string) (event.Token, error) {
	item, err := s.read(ctx, s.key("token", hash), tokenSK)
	if err != nil {
		return event.Token{}, fmt.Errorf("read token: %w", err)
	}
	if item == nil {
		return event.Token{}, event.ErrNotFound
	}
	var t struct {
		Purpose        string `dynamodbav:"purpose"`
		Ref            string `dynamodbav:"ref"`
		EmailHash      string `dynamodbav:"emailHash"`
		RegistrationID string `dynamodbav:"registrationId"`
		ExpiresAt      int64  `dynamodbav:"expiresAt"`
	}
	if err := attributevalue.UnmarshalMap(item, &t); err != nil {
		return event.Token{}, fmt.Errorf("unmarshal token: %w", err)
	}
	return event.Token{Hash: hash, Purpose: t.Purpose, EventID: t.Ref, EmailHash: t.EmailHash,
		RegistrationID: t.RegistrationID, ExpiresAt: time.Unix(t.ExpiresAt, 0).UTC()}, nil
}

// FirstWaiting reads the head of the waiting list.
func (s *Store) FirstWaiting(ctx context.Context, eventID string) (event.Registration, error) {
	head, err := s.Waiting(ctx, eventID, 1)
	if err != nil {
		return event.Registration{}, err
	}
	if len(head) == 0 {
		return event.Registration{}, event.ErrNotFound
	}
	return head[0], nil
}

// Waiting reads the first limit people of the waiting list, in order.
func (s *Store) Waiting(ctx context.Context, eventID string, limit int) ([]event.Registration, error) {
	out, err := s.API.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		IndexName:                 aws.String(Index),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(s.key("waitlist", eventID))},
		// The index may lag behind a promotion or a cancellation for a
		// moment; the few after the head cover that.
		Limit: aws.Int32(int32(limit + 10)),
	})
	if err != nil {
		return nil, fmt.Errorf("query waiting list: %w", err)
	}
	var head []event.Registration
	for _, item := range out.Items {
		r, err := decodeReg(item)
		if err != nil {
			return nil, err
		}
		if r.Status == event.Waitlisted && len(head) < limit {
			head = append(head, r)
		}
	}
	return head, nil
}

// Cancel writes a cancellation in one transaction: the registration, the
// counters, the promoted person with a new cancel link, and the mails. Each
// item's condition is what the decision was based on; if any changed, the
// whole cancellation is ErrChanged and decided again.
func (s *Store) Cancel(ctx context.Context, c event.Cancellation) error {
	r, e := c.Registration, c.Event
	now := s.Now()
	items := []types.TransactWriteItem{{Update: &types.Update{
		TableName:                &s.Table,
		Key:                      s.regKey(e.ID, r.EmailHash),
		UpdateExpression:         aws.String("SET #status = :cancelled, #seq = #seq + :one, cancelledAt = :now, gsi1pk = :gpk, gsi1sk = :gsk"),
		ConditionExpression:      aws.String("#status = :was"),
		ExpressionAttributeNames: map[string]string{"#status": "status", "#seq": "sequence"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":cancelled": str(string(event.Cancelled)),
			":was":       str(string(r.Status)),
			":one":       numInt(1),
			":now":       timeAV(now),
			":gpk":       str(s.key("cancelled", e.ID)),
			":gsk":       str(ts(now) + "#" + r.ID),
		},
	}}}

	counter := &types.Update{TableName: &s.Table, Key: s.countersKey(e.ID),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": numInt(1)}}
	switch {
	case r.Status == event.Waitlisted, c.Promoted != nil:
		// The waiting list shrinks by one; with a promotion the seat passes
		// on and the confirmed count stays.
		counter.UpdateExpression = aws.String("SET #waiting = #waiting - :one")
		counter.ConditionExpression = aws.String("#waiting >= :one")
		counter.ExpressionAttributeNames = counterNames("#waiting")
	default:
		// A seat comes free only while nobody waits for it.
		counter.UpdateExpression = aws.String("SET #confirmed = #confirmed - :one")
		counter.ConditionExpression = aws.String("#waiting = :zero AND #confirmed >= :one")
		counter.ExpressionAttributeNames = counterNames("#waiting", "#confirmed")
		counter.ExpressionAttributeValues[":zero"] = numInt(0)
	}
	// Once the coordinators call the event off, its job alone ends the
	// registrations: a cancellation decided before must not promote anyone.
	counter.ConditionExpression = aws.String(*counter.ConditionExpression + " AND " + notCancelled)
	counter.ExpressionAttributeNames["#cancelled"] = "cancelled"
	counter.ExpressionAttributeValues[":false"] = &types.AttributeValueMemberBOOL{Value: false}
	items = append(items, types.TransactWriteItem{Update: counter})

	if p := c.Promoted; p != nil {
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName:                &s.Table,
			Key:                      s.regKey(e.ID, p.EmailHash),
			UpdateExpression:         aws.String("SET #status = :confirmed, #seq = :seq, promotedAt = :now, gsi1pk = :gpk, gsi1sk = :gsk"),
			ConditionExpression:      aws.String("#status = :waitlisted"),
			ExpressionAttributeNames: map[string]string{"#status": "status", "#seq": "sequence"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":confirmed":  str(string(event.Confirmed)),
				":waitlisted": str(string(event.Waitlisted)),
				":seq":        numInt(p.Sequence),
				":now":        timeAV(now),
				":gpk":        str(s.key("attendees", e.ID)),
				":gsk":        str(ts(now) + "#" + p.ID),
			},
		}})
		if c.PromotedToken != nil {
			items = append(items, s.cancelTokenPut(*c.PromotedToken))
		}
	}
	for _, m := range c.Mails {
		put, err := s.mailPut(m)
		if err != nil {
			return err
		}
		items = append(items, put)
	}
	return s.transactOr(ctx, items, event.ErrChanged, "cancel")
}

// Attendees lists an event's confirmed registrations from the index.
func (s *Store) Attendees(ctx context.Context, eventID string) ([]event.Registration, error) {
	var out []event.Registration
	p := dynamodb.NewQueryPaginator(s.API, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		IndexName:                 aws.String(Index),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(s.key("attendees", eventID))},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list attendees: %w", err)
		}
		for _, item := range page.Items {
			r, err := decodeReg(item)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// Remind marks the registration reminded and queues the reminder (with
// the token item t, if given), once: the condition is what keeps it to one
// reminder.
func (s *Store) Remind(ctx context.Context, r event.Registration, t *event.Token, m outbox.Mail) error {
	mailPut, err := s.mailPut(m)
	if err != nil {
		return err
	}
	err = s.transact(ctx, withToken(s, t, types.TransactWriteItem{Update: &types.Update{
		TableName:                &s.Table,
		Key:                      s.regKey(r.EventID, r.EmailHash),
		UpdateExpression:         aws.String("SET remindedAt = :now"),
		ConditionExpression:      aws.String("#status = :confirmed AND attribute_not_exists(remindedAt)"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now":       timeAV(m.CreatedAt),
			":confirmed": str(string(event.Confirmed)),
		},
	}}, mailPut))
	if codes, ok := cancellation(err); ok && len(codes) > 0 && codes[0] == "ConditionalCheckFailed" {
		return event.ErrReminded
	}
	if err != nil {
		return fmt.Errorf("remind: %w", err)
	}
	return nil
}

// SignUps lists the registrations of an event created from from to to that
// may still await their first mail, from the index: the attendees
// partition by arrival, read only over that range, and the waiting list,
// read whole (it is ordered by position) and filtered here. The sweeper
// asks every minute for every upcoming event, so the read is what counts:
// eventually consistent index reads cost half a unit per 4 KB, so a week's
// sign-ups and a waiting list of a few dozen cost about 1 unit an event.
// The event's partition on the table would be read whole every time (every
// registration since the event was announced, cancelled ones too, and the
// event's text in seven languages), growing with the event. The index may
// lag a change: QueueMissingMail's condition is the consistent check.
func (s *Store) SignUps(ctx context.Context, eventID string, from, to time.Time) ([]event.Registration, error) {
	items, err := s.created(ctx, s.key("attendees", eventID), from, to)
	if err != nil {
		return nil, fmt.Errorf("list sign-ups: %w", err)
	}
	p := dynamodb.NewQueryPaginator(s.API, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		IndexName:                 aws.String(Index),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(s.key("waitlist", eventID))},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list sign-ups: %w", err)
		}
		for _, item := range page.Items {
			if !s.expired(item) {
				items = append(items, item)
			}
		}
	}
	regs, err := decodeAll(items, decodeReg)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(regs, func(r event.Registration) bool { return r.CreatedAt.Before(from) || r.CreatedAt.After(to) }), nil
}

// firstMailFor is the condition on the registration under which a late
// first mail is written: still the registration that was signed up, in the
// state it was signed up in. A cancellation, a promotion or an event's
// change raised the sequence and sent its own mail, an erasure deleted it;
// none of them may be followed by a stale confirmation.
const firstMailFor = "#id = :id AND #status = :status AND #seq = :seq AND expiresAt > :now"

// QueueMissingMail writes a sign-up's first mail that was never written,
// due at once, in one transaction with the check that the registration
// stands as read (and the token item t of a registration without a kept
// link, if given).
func (s *Store) QueueMissingMail(ctx context.Context, r event.Registration, t *event.Token, m outbox.Mail) error {
	var token []types.TransactWriteItem
	if t != nil {
		token = append(token, s.cancelTokenPut(*t))
	}
	return s.queueLate(ctx, &types.ConditionCheck{
		TableName:                &s.Table,
		Key:                      s.regKey(r.EventID, r.EmailHash),
		ConditionExpression:      aws.String(firstMailFor),
		ExpressionAttributeNames: map[string]string{"#id": "id", "#status": "status", "#seq": "sequence"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":id": str(r.ID), ":status": str(string(r.Status)), ":seq": numInt(r.Sequence),
			":now": num(epoch(s.Now())),
		},
	}, m, event.ErrChanged, token...)
}
