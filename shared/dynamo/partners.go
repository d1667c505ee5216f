package dynamo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/audit"
	"github.com/wartburgkreis/netzwerk/shared/listing"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/partner"
)

var _ partner.Store = (*Store)(nil)

const (
	appSK   = "application"
	lockSK  = "lock"
	tokenSK = "token"
)

type appItem struct {
	PK               string   `dynamodbav:"pk"`
	SK               string   `dynamodbav:"sk"`
	GSI1PK           string   `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK           string   `dynamodbav:"gsi1sk,omitempty"`
	ID               string   `dynamodbav:"id"`
	Status           string   `dynamodbav:"status"`
	Organisation     string   `dynamodbav:"organisation"`
	OrganisationType string   `dynamodbav:"organisationType"`
	ContactName      string   `dynamodbav:"contactName"`
	Email            string   `dynamodbav:"email"`
	EmailHash        string   `dynamodbav:"emailHash"`
	Phone            string   `dynamodbav:"phone,omitempty"`
	Website          string   `dynamodbav:"website,omitempty"`
	WorkingGroups    []string `dynamodbav:"workingGroups,omitempty"`
	RegionalNetworks []string `dynamodbav:"regionalNetworks,omitempty"`
	Message          string   `dynamodbav:"message,omitempty"`
	Locale           string   `dynamodbav:"locale"`
	ConsentAt        string   `dynamodbav:"consentAt"`
	ConsentVersion   string   `dynamodbav:"consentVersion"`
	CreatedAt        string   `dynamodbav:"createdAt"`
	ConfirmedAt      string   `dynamodbav:"confirmedAt,omitempty"`
	DecidedAt        string   `dynamodbav:"decidedAt,omitempty"`
	DecidedBy        string   `dynamodbav:"decidedBy,omitempty"`
	Reason           string   `dynamodbav:"reason,omitempty"`
	DedupKey         string   `dynamodbav:"dedupKey"`
	ExpiresAt        int64    `dynamodbav:"expiresAt,omitempty"`
	LinkNonce        string   `dynamodbav:"linkNonce,omitempty"`
	LinkExpiresAt    int64    `dynamodbav:"linkExpiresAt,omitempty"`
}

func (s *Store) appKey(id string) map[string]types.AttributeValue {
	return keyOf(s.key("application", id), appSK)
}

func (s *Store) appsPK(st partner.Status) string { return s.key("applications", string(st)) }

// appItemOf is the stored shape of app. The index lists applications per
// status by arrival, which is the coordinators' order; the public list of
// partners sorts by name itself.
func (s *Store) appItemOf(app partner.Application) appItem {
	it := appItem{
		PK: s.key("application", app.ID), SK: appSK,
		GSI1PK: s.appsPK(app.Status), GSI1SK: ts(app.CreatedAt) + "#" + app.ID,
		ID: app.ID, Status: string(app.Status),
		Organisation: app.Organisation, OrganisationType: app.OrganisationType,
		ContactName: app.ContactName, Email: app.Email, EmailHash: s.hashEmail(app.Email),
		Phone: app.Phone, Website: app.Website,
		WorkingGroups: app.WorkingGroups, RegionalNetworks: app.RegionalNetworks,
		Message: app.Message, Locale: app.Locale,
		ConsentAt: ts(app.Consent.At), ConsentVersion: app.Consent.PolicyVersion,
		CreatedAt: ts(app.CreatedAt), DedupKey: app.DedupKey,
		DecidedBy: app.DecidedBy, Reason: app.Reason,
	}
	if !app.ConfirmedAt.IsZero() {
		it.ConfirmedAt = ts(app.ConfirmedAt)
	}
	if !app.DecidedAt.IsZero() {
		it.DecidedAt = ts(app.DecidedAt)
	}
	if !app.ExpiresAt.IsZero() {
		it.ExpiresAt = app.ExpiresAt.Unix()
	}
	if app.Link.Nonce != "" {
		it.LinkNonce, it.LinkExpiresAt = app.Link.Nonce, app.Link.ExpiresAt.Unix()
	}
	return it
}

// Create writes the application with its link and its uniqueness lock in
// one transaction, then its first mail with a plain put outside the due
// index (queueOnce): 1 write unit instead of 3 in the transaction, with
// Reconcile as the safety net, as for a contact message or a sign-up.
func (s *Store) Create(ctx context.Context, app partner.Application, m outbox.Mail) (string, error) {
	it := s.appItemOf(app)
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return "", fmt.Errorf("marshal application: %w", err)
	}
	lockPK := s.key("application-lock", app.DedupKey)
	err = s.transact(ctx, []types.TransactWriteItem{
		{Put: &types.Put{
			TableName:           &s.Table,
			Item:                item,
			ConditionExpression: aws.String("attribute_not_exists(pk)"),
		}},
		{Put: &types.Put{
			TableName: &s.Table,
			Item: map[string]types.AttributeValue{
				"pk": str(lockPK), "sk": str(lockSK),
				"ref": str(app.ID), "status": str(string(app.Status)), "expiresAt": num(epoch(app.ExpiresAt)),
				"linkNonce": str(app.Link.Nonce), "linkExpiresAt": num(epoch(app.Link.ExpiresAt)),
			},
			// A lock whose application has expired may be taken over even
			// before TTL removes it.
			ConditionExpression:       aws.String("attribute_not_exists(pk) OR expiresAt <= :now"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(epoch(s.Now()))},
		}},
	})
	if codes, ok := cancellation(err); ok && len(codes) > 1 && codes[1] == "ConditionalCheckFailed" {
		lock, err := s.get(ctx, lockPK, lockSK)
		if err != nil {
			return "", fmt.Errorf("read lock: %w", err)
		}
		if lock == nil {
			return "", fmt.Errorf("%w: lock vanished during a duplicate application", ErrUnavailable)
		}
		var ref string
		if err := attributevalue.Unmarshal(lock["ref"], &ref); err != nil {
			return "", fmt.Errorf("unmarshal lock: %w", err)
		}
		return ref, partner.ErrDuplicate
	}
	if err != nil {
		return "", fmt.Errorf("create application: %w", err)
	}
	if err := s.queueOnce(ctx, m); err != nil {
		return "", fmt.Errorf("%w: %w", partner.ErrMailNotQueued, err)
	}
	return "", nil
}

// Unconfirmed lists the live applications pending confirmation created
// from from to to, oldest first, from their index partition.
func (s *Store) Unconfirmed(ctx context.Context, from, to time.Time) ([]partner.Application, error) {
	items, err := s.created(ctx, s.appsPK(partner.PendingConfirmation), from, to)
	if err != nil {
		return nil, fmt.Errorf("unconfirmed applications: %w", err)
	}
	return decodeAll(items, decodeApp)
}

// QueueMissingConfirm writes an application's first mail that was never written,
// due at once, in one transaction with a check that the application still
// waits for its confirmation with the same link: one confirmed meanwhile
// needs no confirm mail, an erased one must not get its address back.
func (s *Store) QueueMissingConfirm(ctx context.Context, app partner.Application, m outbox.Mail) error {
	return s.queueLate(ctx, &types.ConditionCheck{
		TableName:                &s.Table,
		Key:                      s.appKey(app.ID),
		ConditionExpression:      aws.String(stillUnconfirmed),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pending": str(string(partner.PendingConfirmation)), ":nonce": str(app.Link.Nonce),
			":now": num(epoch(s.Now())),
		},
	}, m, partner.ErrState)
}

// stillUnconfirmed holds for an application whose late confirm mail may
// still be written.
const stillUnconfirmed = "#status = :pending AND linkNonce = :nonce AND expiresAt > :now"

func (s *Store) hashEmail(addr string) string {
	if s.HashEmail == nil {
		return ""
	}
	return s.HashEmail(strings.ToLower(addr))
}

// Lock reads the live lock of an organisation applying with an address:
// the pending application it names and where that stands.
func (s *Store) Lock(ctx context.Context, dedupKey string) (partner.Lock, error) {
	item, err := s.get(ctx, s.key("application-lock", dedupKey), lockSK)
	if err != nil {
		return partner.Lock{}, fmt.Errorf("read lock: %w", err)
	}
	if item == nil {
		return partner.Lock{}, partner.ErrNotFound
	}
	l := partner.Lock{DedupKey: dedupKey, AppID: attrS(item, "ref"), Status: partner.Status(attrS(item, "status"))}
	if nonce := attrS(item, "linkNonce"); nonce != "" {
		var exp int64
		if err := attributevalue.Unmarshal(item["linkExpiresAt"], &exp); err != nil {
			return partner.Lock{}, fmt.Errorf("unmarshal lock: %w", err)
		}
		l.Link = partner.Link{Nonce: nonce, ExpiresAt: time.Unix(exp, 0).UTC()}
	}
	if l.Status == "" {
		// A lock written before it carried the status.
		app, err := s.Application(ctx, l.AppID)
		if err != nil {
			return partner.Lock{}, err
		}
		l.Status = app.Status
	}
	return l, nil
}

// Resend queues a mail about a pending application while the lock still
// names it in the same state; a link given becomes the application's and
// the lock's.
func (s *Store) Resend(ctx context.Context, l partner.Lock, link *partner.Link, m outbox.Mail) error {
	lockKey := keyOf(s.key("application-lock", l.DedupKey), lockSK)
	// A lock written before it carried the status passes as well.
	cond := aws.String("#ref = :id AND (#status = :status OR attribute_not_exists(#status)) AND expiresAt > :now")
	names := map[string]string{"#ref": "ref", "#status": "status"}
	values := map[string]types.AttributeValue{
		":id": str(l.AppID), ":status": str(string(l.Status)), ":now": num(epoch(s.Now())),
	}
	items := []types.TransactWriteItem{{ConditionCheck: &types.ConditionCheck{
		TableName: &s.Table, Key: lockKey, ConditionExpression: cond,
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	}}}
	if link != nil {
		items = s.relink(lockKey, l, link, cond, names, values)
	}
	if err := s.transactOr(ctx, items, partner.ErrState, "resend"); err != nil {
		return err
	}
	return s.putDue(ctx, m, "resend")
}

// relink is the transaction that gives a pending application, and its
// lock's copy, a new link expiry (and a nonce, for one that had none).
func (s *Store) relink(lockKey map[string]types.AttributeValue, l partner.Lock, link *partner.Link, cond *string, names map[string]string, values map[string]types.AttributeValue) []types.TransactWriteItem {
	linkValues := map[string]types.AttributeValue{":nonce": str(link.Nonce), ":linkExp": num(epoch(link.ExpiresAt))}
	return []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: &s.Table, Key: lockKey, ConditionExpression: cond,
			UpdateExpression:         aws.String("SET linkNonce = :nonce, linkExpiresAt = :linkExp"),
			ExpressionAttributeNames: names, ExpressionAttributeValues: merged(values, linkValues),
		}},
		{Update: &types.Update{
			TableName:        &s.Table,
			Key:              s.appKey(l.AppID),
			UpdateExpression: aws.String("SET linkNonce = :nonce, linkExpiresAt = :linkExp"),
			// The lock's state says the same while the two agree; this
			// keeps an update from making an item of a deleted application.
			ConditionExpression:      aws.String("#status = :pending"),
			ExpressionAttributeNames: map[string]string{"#status": "status"},
			ExpressionAttributeValues: merged(linkValues, map[string]types.AttributeValue{
				":pending": str(string(partner.PendingConfirmation)),
			}),
		}},
	}
}

func merged(a, b map[string]types.AttributeValue) map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(a)+len(b))
	maps.Copy(out, a)
	maps.Copy(out, b)
	return out
}

// Token reads a live token by its hash: only links mailed before
// applications kept their link have one (see partner.Service.Lookup).
func (s *Store) Token(ctx context.Context, hash string) (partner.Token, error) {
	item, err := s.live(ctx, s.key("token", hash), tokenSK, partner.ErrNotFound, partner.ErrExpired)
	if errors.Is(err, partner.ErrNotFound) {
		return partner.Token{}, err
	}
	if err != nil {
		return partner.Token{}, fmt.Errorf("read token: %w", err)
	}
	var t struct {
		Purpose   string `dynamodbav:"purpose"`
		Ref       string `dynamodbav:"ref"`
		ExpiresAt int64  `dynamodbav:"expiresAt"`
	}
	if err := attributevalue.UnmarshalMap(item, &t); err != nil {
		return partner.Token{}, fmt.Errorf("unmarshal token: %w", err)
	}
	return partner.Token{Hash: hash, Purpose: t.Purpose, Ref: t.Ref, ExpiresAt: time.Unix(t.ExpiresAt, 0).UTC()}, nil
}

// Application reads a live application.
func (s *Store) Application(ctx context.Context, id string) (partner.Application, error) {
	item, err := s.live(ctx, s.key("application", id), appSK, partner.ErrNotFound, partner.ErrExpired)
	if errors.Is(err, partner.ErrNotFound) {
		return partner.Application{}, err
	}
	if err != nil {
		return partner.Application{}, fmt.Errorf("read application: %w", err)
	}
	return decodeApp(item)
}

// StoredApplication reads an application as stored, even past its expiry.
func (s *Store) StoredApplication(ctx context.Context, id string) (partner.Application, error) {
	item, err := s.read(ctx, s.key("application", id), appSK)
	if err != nil {
		return partner.Application{}, fmt.Errorf("read application: %w", err)
	}
	if item == nil {
		return partner.Application{}, partner.ErrNotFound
	}
	return decodeApp(item)
}

func decodeApp(item map[string]types.AttributeValue) (partner.Application, error) {
	var it appItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return partner.Application{}, fmt.Errorf("unmarshal application: %w", err)
	}
	app := partner.Application{
		ID: it.ID, Status: partner.Status(it.Status),
		Organisation: it.Organisation, OrganisationType: it.OrganisationType,
		ContactName: it.ContactName, Email: it.Email, Phone: it.Phone, Website: it.Website,
		WorkingGroups: it.WorkingGroups, RegionalNetworks: it.RegionalNetworks,
		Message: it.Message, Locale: it.Locale,
		Consent:   partner.Consent{At: parseTS(it.ConsentAt), PolicyVersion: it.ConsentVersion},
		CreatedAt: parseTS(it.CreatedAt), DedupKey: it.DedupKey,
		DecidedBy: it.DecidedBy, Reason: it.Reason,
	}
	if it.ConfirmedAt != "" {
		app.ConfirmedAt = parseTS(it.ConfirmedAt)
	}
	if it.DecidedAt != "" {
		app.DecidedAt = parseTS(it.DecidedAt)
	}
	if it.ExpiresAt != 0 {
		app.ExpiresAt = time.Unix(it.ExpiresAt, 0).UTC()
	}
	if it.LinkNonce != "" {
		app.Link = partner.Link{Nonce: it.LinkNonce, ExpiresAt: time.Unix(it.LinkExpiresAt, 0).UTC()}
	}
	return app, nil
}

// Confirm moves the application to review, keeps its lock as long as the
// application lives and queues the coordinators' mail, all or nothing.
func (s *Store) Confirm(ctx context.Context, id string, at, expiresAt time.Time, m outbox.Mail) error {
	app, err := s.Application(ctx, id)
	if errors.Is(err, partner.ErrExpired) {
		// Expired is not pending confirmation, as the condition below also says.
		return partner.ErrState
	}
	if err != nil {
		return err
	}
	mailPut, err := s.mailPut(m)
	if err != nil {
		return err
	}
	err = s.transact(ctx, []types.TransactWriteItem{
		{Update: &types.Update{
			TableName:        &s.Table,
			Key:              s.appKey(id),
			UpdateExpression: aws.String("SET #status = :review, confirmedAt = :at, expiresAt = :exp, gsi1pk = :gpk"),
			ConditionExpression: aws.String(
				"#status = :pending AND expiresAt > :now"),
			ExpressionAttributeNames: map[string]string{"#status": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":review":  str(string(partner.PendingReview)),
				":pending": str(string(partner.PendingConfirmation)),
				":at":      timeAV(at),
				":exp":     num(epoch(expiresAt)),
				":now":     num(epoch(s.Now())),
				":gpk":     str(s.key("applications", string(partner.PendingReview))),
			},
		}},
		{Update: &types.Update{
			TableName:                &s.Table,
			Key:                      keyOf(s.key("application-lock", app.DedupKey), lockSK),
			UpdateExpression:         aws.String("SET expiresAt = :exp, #status = :review"),
			ConditionExpression:      aws.String("#ref = :id"),
			ExpressionAttributeNames: map[string]string{"#ref": "ref", "#status": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":exp": num(epoch(expiresAt)), ":id": str(id), ":review": str(string(partner.PendingReview)),
			},
		}},
		mailPut,
	})
	if codes, ok := cancellation(err); ok && hasCode(codes, "ConditionalCheckFailed") {
		return partner.ErrState
	}
	if err != nil {
		return fmt.Errorf("confirm application: %w", err)
	}
	return nil
}

// Approved lists approved partners in name order: a network has some
// dozens, so they are sorted here rather than by a second index.
func (s *Store) Approved(ctx context.Context) ([]partner.Application, error) {
	var apps []partner.Application
	p := dynamodb.NewQueryPaginator(s.API, &dynamodb.QueryInput{
		TableName:                 &s.Table,
		IndexName:                 aws.String(Index),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(s.key("applications", string(partner.Approved)))},
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list approved: %w", err)
		}
		for _, item := range out.Items {
			if s.expired(item) {
				continue
			}
			app, err := decodeApp(item)
			if err != nil {
				return nil, err
			}
			apps = append(apps, app)
		}
	}
	slices.SortFunc(apps, func(a, b partner.Application) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Organisation), strings.ToLower(b.Organisation)), cmp.Compare(a.ID, b.ID))
	})
	return apps, nil
}

// PutApproved stores an approved partner directly: the local server seeds
// its demo partners with it. It keeps what the public list shows, no phone,
// message or link, and no expiry: partners stay.
func (s *Store) PutApproved(ctx context.Context, app partner.Application) error {
	app.Status = partner.Approved
	app.Phone, app.Message, app.ExpiresAt, app.Link = "", "", time.Time{}, partner.Link{}
	item, err := attributevalue.MarshalMap(s.appItemOf(app))
	if err != nil {
		return fmt.Errorf("marshal partner: %w", err)
	}
	err = s.put(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item})
	if err != nil {
		return fmt.Errorf("put partner: %w", err)
	}
	return nil
}

// List pages through applications of the given statuses, newest first.
func (s *Store) List(ctx context.Context, statuses []partner.Status, keep func(partner.Application) bool, q listing.Query) (listing.Page[partner.Application], error) {
	pks := make([]string, len(statuses))
	for i, st := range statuses {
		pks[i] = s.appsPK(st)
	}
	return listPage(ctx, s, pks, false, q, decodeApp, keep)
}

// Decide replaces an application pending review with its decided form
// (written whole, so attributes the decision drops, like expiresAt of an
// approved partner, are gone on every DynamoDB), frees the organisation to
// apply again, and queues the mail and the audit entry, all or nothing.
func (s *Store) Decide(ctx context.Context, app partner.Application, m outbox.Mail, e audit.Entry) error {
	item, err := attributevalue.MarshalMap(s.appItemOf(app))
	if err != nil {
		return fmt.Errorf("marshal application: %w", err)
	}
	mailPut, err := s.mailPut(m)
	if err != nil {
		return err
	}
	auditPut, err := s.auditPut(e)
	if err != nil {
		return err
	}
	err = s.transact(ctx, []types.TransactWriteItem{
		{Put: &types.Put{
			TableName:                &s.Table,
			Item:                     item,
			ConditionExpression:      aws.String("#status = :review AND expiresAt > :now"),
			ExpressionAttributeNames: map[string]string{"#status": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":review": str(string(partner.PendingReview)),
				":now":    num(epoch(s.Now())),
			},
		}},
		{Delete: &types.Delete{
			TableName:                 &s.Table,
			Key:                       keyOf(s.key("application-lock", app.DedupKey), lockSK),
			ConditionExpression:       aws.String("attribute_not_exists(pk) OR #ref = :id"),
			ExpressionAttributeNames:  map[string]string{"#ref": "ref"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(app.ID)},
		}},
		mailPut,
		auditPut,
	})
	if codes, ok := cancellation(err); ok && hasCode(codes, "ConditionalCheckFailed") {
		return partner.ErrState
	}
	if err != nil {
		return fmt.Errorf("decide application: %w", err)
	}
	return nil
}
