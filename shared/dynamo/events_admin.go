package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/audit"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/listing"
)

const jobSK = "job"

// notCancelled holds for an event the coordinators have not called off
// (events stored before they could be cancelled have no such attribute).
const notCancelled = "(attribute_not_exists(#cancelled) OR #cancelled = :false)"

// jobItem is a job's state. Open jobs sit in one index partition, where
// the sweeper finds what a request left unfinished; a finished job moves
// to another and expires.
type jobItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	GSI1PK    string `dynamodbav:"gsi1pk"`
	GSI1SK    string `dynamodbav:"gsi1sk"`
	ID        string `dynamodbav:"id"`
	EventID   string `dynamodbav:"eventId"`
	Tasks     string `dynamodbav:"tasks"`
	Changed   string `dynamodbav:"changed"`
	Cursor    string `dynamodbav:"cursor"`
	Step      int    `dynamodbav:"step"`
	Mails     int    `dynamodbav:"mails"`
	State     string `dynamodbav:"state"`
	CreatedAt string `dynamodbav:"createdAt"`
	UpdatedAt string `dynamodbav:"updatedAt"`
	ExpiresAt int64  `dynamodbav:"expiresAt,omitempty"`
}

const (
	jobOpen = "open"
	jobDone = "done"
)

func (s *Store) jobKey(id string) map[string]types.AttributeValue {
	return keyOf(s.key("job", id), jobSK)
}

func (s *Store) jobsPK(state string) string { return s.key("jobs", state) }

func (s *Store) jobPut(j event.Job) (map[string]types.AttributeValue, error) {
	tasks := make([]string, len(j.Tasks))
	for i, t := range j.Tasks {
		tasks[i] = string(t)
	}
	it := jobItem{
		PK: s.key("job", j.ID), SK: jobSK,
		GSI1PK: s.jobsPK(jobOpen), GSI1SK: ts(j.CreatedAt) + "#" + j.ID,
		ID: j.ID, EventID: j.EventID, Tasks: strings.Join(tasks, ","), Changed: strings.Join(j.Changed, ","),
		Cursor: j.Cursor, Step: j.Step, Mails: j.Mails, State: jobOpen,
		CreatedAt: ts(j.CreatedAt), UpdatedAt: ts(j.UpdatedAt),
	}
	if j.Done() {
		it.State, it.GSI1PK, it.ExpiresAt = jobDone, s.jobsPK(jobDone), j.ExpiresAt.Unix()
	}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return nil, fmt.Errorf("marshal job: %w", err)
	}
	return item, nil
}

func decodeJob(item map[string]types.AttributeValue) (event.Job, error) {
	var it jobItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return event.Job{}, fmt.Errorf("unmarshal job: %w", err)
	}
	j := event.Job{
		ID: it.ID, EventID: it.EventID, Cursor: it.Cursor, Step: it.Step, Mails: it.Mails,
		CreatedAt: parseTS(it.CreatedAt), UpdatedAt: parseTS(it.UpdatedAt),
	}
	if it.State == jobOpen {
		for t := range strings.SplitSeq(it.Tasks, ",") {
			if t != "" {
				j.Tasks = append(j.Tasks, event.Task(t))
			}
		}
	}
	if it.Changed != "" {
		j.Changed = strings.Split(it.Changed, ",")
	}
	if it.ExpiresAt != 0 {
		j.ExpiresAt = time.Unix(it.ExpiresAt, 0).UTC()
	}
	return j, nil
}

// Events pages through every event, the latest start first.
func (s *Store) Events(ctx context.Context, q listing.Query) (listing.Page[event.Event], error) {
	items, next, err := s.indexPage(ctx, []string{s.key("events", "all")}, false, q, nil)
	if err != nil {
		return listing.Page[event.Event]{}, err
	}
	page, err := pageOf(items, next, decodeEvent)
	if err != nil {
		return page, err
	}
	return page, s.withCountersOf(ctx, page.Items)
}

// CreateEvent writes a new event, its counters and its audit entry.
func (s *Store) CreateEvent(ctx context.Context, e event.Event, a audit.Entry) error {
	items, err := s.eventPuts(e)
	if err != nil {
		return err
	}
	auditPut, err := s.auditPut(a)
	if err != nil {
		return err
	}
	if err := s.transact(ctx, append(items, auditPut)); err != nil {
		return fmt.Errorf("create event: %w", err)
	}
	return nil
}

// adminAttributes are the event's attributes a coordinator's change
// writes: everything but the keys.
func adminAttributes(item map[string]types.AttributeValue) []string {
	var out []string
	for name := range item {
		switch name {
		case "pk", "sk", "gsi1pk", "id":
			continue
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// ChangeEvent writes a coordinator's change: the event's own attributes,
// their copies in the counters item (not the counters), the job it starts,
// the end of a job it supersedes and the audit entry, in one transaction.
// The event must still be at the version and have the job it was read
// with, and, where the decision rested on them, the counters.
func (s *Store) ChangeEvent(ctx context.Context, c event.Change) error {
	after, err := attributevalue.MarshalMap(s.eventItemOf(c.After))
	if err != nil {
		return fmt.Errorf("marshal event: %w", err)
	}
	cond, values := unchanged(c.Before)
	names := map[string]string{"#version": "version", "#job": "job"}
	values[":job"] = str(c.Before.Job)
	cond += " AND #job = :job"
	if c.Counted {
		cond += " AND #confirmed = :confirmed AND #waiting = :waiting"
		names["#confirmed"], names["#waiting"] = "confirmed", "waiting"
		values[":confirmed"], values[":waiting"] = numInt(c.Before.Confirmed), numInt(c.Before.Waiting)
	}
	names["#capacity"], names["#published"], names["#cancelled"] = "capacity", "published", "cancelled"
	values[":capacity"], values[":version2"], values[":job2"] = numInt(c.After.Capacity), numInt(c.After.Version), str(c.After.Job)
	values[":published"] = &types.AttributeValueMemberBOOL{Value: c.After.Published}
	values[":cancelled"] = &types.AttributeValueMemberBOOL{Value: c.After.Cancelled}
	items := []types.TransactWriteItem{{Update: &types.Update{
		TableName: &s.Table,
		Key:       s.countersKey(c.After.ID),
		UpdateExpression: aws.String("SET #capacity = :capacity, #published = :published, #cancelled = :cancelled, " +
			"#version = :version2, #job = :job2"),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}}}

	evNames, evValues := map[string]string{}, map[string]types.AttributeValue{}
	var set []string
	for i, name := range adminAttributes(after) {
		n, v := "#a"+strconv.Itoa(i), ":a"+strconv.Itoa(i)
		evNames[n], evValues[v] = name, after[name]
		set = append(set, n+" = "+v)
	}
	items = append(items, types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.Table,
		Key:                       s.eventKey(c.After.ID),
		UpdateExpression:          aws.String("SET " + strings.Join(set, ", ")),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeNames:  evNames,
		ExpressionAttributeValues: evValues,
	}})
	if c.Superseded != "" {
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName:                &s.Table,
			Key:                      s.jobKey(c.Superseded),
			UpdateExpression:         aws.String("SET #state = :done, gsi1pk = :gpk, tasks = :none, expiresAt = :exp"),
			ConditionExpression:      aws.String("attribute_exists(pk)"),
			ExpressionAttributeNames: map[string]string{"#state": "state"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":done": str(jobDone), ":gpk": str(s.jobsPK(jobDone)), ":none": str(""),
				":exp": num(epoch(s.Now().Add(s.SentMailRetention))),
			},
		}})
	}
	if c.Job != nil {
		item, err := s.jobPut(*c.Job)
		if err != nil {
			return err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName: &s.Table, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)"),
		}})
	}
	auditPut, err := s.auditPut(c.Audit)
	if err != nil {
		return err
	}
	return s.transactOr(ctx, append(items, auditPut), event.ErrChanged, "change event")
}

// Job reads a job; a finished one past its expiry is gone.
func (s *Store) Job(ctx context.Context, id string) (event.Job, error) {
	return liveAs(ctx, s, s.key("job", id), jobSK, "job", event.ErrNotFound, decodeJob)
}

// OpenJobs lists unfinished jobs, the oldest first.
func (s *Store) OpenJobs(ctx context.Context, limit int) ([]event.Job, error) {
	items, err := s.partitionItems(ctx, s.jobsPK(jobOpen), "", true, limit, nil)
	if err != nil {
		return nil, err
	}
	out := make([]event.Job, 0, len(items))
	for _, item := range items {
		j, err := decodeJob(item)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, nil
}

// RegistrationsAfter reads an event's registrations from the table itself, in
// the order of their keys (the email hash), consistently: a job must not
// miss one the index has not caught up with yet.
func (s *Store) RegistrationsAfter(ctx context.Context, eventID, after string, limit int) ([]event.Registration, error) {
	out, err := s.API.Query(ctx, &dynamodb.QueryInput{
		TableName:              &s.Table,
		KeyConditionExpression: aws.String("pk = :pk AND sk > :after"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(s.key("event", eventID)), ":after": str(regSK + after),
		},
		ConsistentRead: aws.Bool(true),
		Limit:          aws.Int32(int32(limit)),
	})
	if err != nil {
		return nil, fmt.Errorf("list registrations: %w", err)
	}
	regs := make([]event.Registration, 0, len(out.Items))
	for _, item := range out.Items {
		if !strings.HasPrefix(attrS(item, "sk"), regSK) {
			break
		}
		r, err := decodeReg(item)
		if err != nil {
			return nil, err
		}
		regs = append(regs, r)
	}
	return regs, nil
}

// Step writes one batch of a job in one transaction: the job moves on only
// from the step it was read at, so two workers never both write a batch;
// the event must still be at the version and have the job read (and, with
// new seats, room for them); each registration must still have the status
// and sequence read.
func (s *Store) Step(ctx context.Context, b event.Batch) error {
	now := s.Now()
	jobItem, err := s.jobPut(b.Next)
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName:                &s.Table,
		Item:                     jobItem,
		ConditionExpression:      aws.String("#step = :step AND #state = :open"),
		ExpressionAttributeNames: map[string]string{"#step": "step", "#state": "state"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":step": numInt(b.Job.Step), ":open": str(jobOpen),
		},
	}}, s.stepEvent(b)}
	for _, u := range b.Registrations {
		items = append(items, s.regMove(u, now))
	}
	for _, t := range b.Tokens {
		items = append(items, s.cancelTokenPut(t))
	}
	for _, m := range b.Mails {
		put, err := s.mailPut(m)
		if err != nil {
			return err
		}
		items = append(items, put)
	}
	return s.transactOr(ctx, items, event.ErrChanged, "job step")
}

// stepEvent is the event's part of a batch: its counters and, when the job
// ends, its job slot; a condition check alone when neither changes.
func (s *Store) stepEvent(b event.Batch) types.TransactWriteItem {
	cond, values := unchanged(b.Event)
	cond = "#job = :job AND " + cond
	names := map[string]string{"#job": "job", "#version": "version"}
	values[":job"] = str(b.Job.ID)
	var set []string
	if b.Seats != 0 || b.Queue != 0 {
		set = append(set, "#confirmed = #confirmed + :seats", "#waiting = #waiting + :queue")
		names["#confirmed"], names["#waiting"] = "confirmed", "waiting"
		values[":seats"], values[":queue"] = numInt(b.Seats), numInt(b.Queue)
	}
	if b.Seats > 0 {
		// Re-checked in every batch, as a sign-up's seat is.
		cond += " AND #confirmed = :confirmed AND #capacity >= :seated"
		names["#capacity"] = "capacity"
		values[":confirmed"], values[":seated"] = numInt(b.Event.Confirmed), numInt(b.Event.Confirmed+b.Seats)
	}
	if b.Seats < 0 {
		cond += " AND #confirmed >= :freed"
		values[":freed"] = numInt(-b.Seats)
	}
	if b.Queue < 0 {
		cond += " AND #waiting >= :left"
		values[":left"] = numInt(-b.Queue)
	}
	if b.Settle {
		cond += " AND (#waiting = :zero OR #confirmed >= #capacity)"
		names["#confirmed"], names["#waiting"], names["#capacity"] = "confirmed", "waiting", "capacity"
		values[":zero"] = numInt(0)
	}
	if b.Next.Done() {
		set = append(set, "#job = :none")
		values[":none"] = str("")
	}
	if len(set) == 0 {
		return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: &s.Table, Key: s.countersKey(b.Event.ID), ConditionExpression: aws.String(cond),
			ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		}}
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName: &s.Table, Key: s.countersKey(b.Event.ID),
		UpdateExpression:    aws.String("SET " + strings.Join(set, ", ")),
		ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	}}
}

// regMove changes one registration as a batch decided: its status and
// sequence, its expiry and, with a new status, its place in the index.
func (s *Store) regMove(u event.Update, now time.Time) types.TransactWriteItem {
	r := u.After
	set := "SET #status = :status, #seq = :seq, expiresAt = :exp"
	values := map[string]types.AttributeValue{
		":status": str(string(r.Status)), ":seq": numInt(r.Sequence), ":exp": num(epoch(r.ExpiresAt)),
		":was": str(string(u.Before.Status)), ":wasSeq": numInt(u.Before.Sequence),
	}
	if r.Status != u.Before.Status {
		stamp := map[event.Status]string{event.Confirmed: "promotedAt", event.Cancelled: "cancelledAt"}[r.Status]
		partition := map[event.Status]string{event.Confirmed: "attendees", event.Cancelled: "cancelled"}[r.Status]
		if stamp != "" {
			set += ", " + stamp + " = :now, gsi1pk = :gpk, gsi1sk = :gsk"
			values[":now"] = timeAV(now)
			values[":gpk"] = str(s.key(partition, r.EventID))
			values[":gsk"] = str(ts(now) + "#" + r.ID)
		}
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.Table,
		Key:                       s.regKey(r.EventID, r.EmailHash),
		UpdateExpression:          aws.String(set),
		ConditionExpression:       aws.String("#status = :was AND #seq = :wasSeq"),
		ExpressionAttributeNames:  map[string]string{"#status": "status", "#seq": "sequence"},
		ExpressionAttributeValues: values,
	}}
}
