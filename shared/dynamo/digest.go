package dynamo

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/digest"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/i18n"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/partner"
)

var _ digest.Store = (*Store)(nil)

const digestSK = "digest"

func (s *Store) digestKey() map[string]types.AttributeValue {
	return keyOf(s.key("digest", "state"), digestSK)
}

// LastDigest reads the day of the last digest.
func (s *Store) LastDigest(ctx context.Context) (string, time.Time, error) {
	item, err := s.read(ctx, s.key("digest", "state"), digestSK)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("read digest state: %w", err)
	}
	return attrS(item, "day"), parseTS(attrS(item, "at")), nil
}

// MarkDigest moves the digest state from prev to day, with the mail.
func (s *Store) MarkDigest(ctx context.Context, day, prev string, at time.Time, m *outbox.Mail) error {
	state := &types.Put{
		TableName: &s.Table,
		Item: map[string]types.AttributeValue{
			"pk": str(s.key("digest", "state")), "sk": str(digestSK),
			"day": str(day), "at": timeAV(at),
		},
		ConditionExpression:      aws.String("attribute_not_exists(pk) OR #day = :prev"),
		ExpressionAttributeNames: map[string]string{"#day": "day"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":prev": str(prev),
		},
	}
	items := []types.TransactWriteItem{{Put: state}}
	if m != nil {
		put, err := s.mailPut(*m)
		if err != nil {
			return err
		}
		items = append(items, put)
	}
	return s.transactOr(ctx, items, digest.ErrDone, "mark digest")
}

// Summary reads the news since: every application waiting for review, the
// counters of the upcoming events with their new sign-ups, new messages
// per topic and newly parked mail. A network has some dozens of each, so
// whole partitions are read.
func (s *Store) Summary(ctx context.Context, since, now time.Time) (digest.Summary, error) {
	var sum digest.Summary
	err := s.eachIndexItem(ctx, s.appsPK(partner.PendingReview), "", func(item map[string]types.AttributeValue) error {
		app, err := decodeApp(item)
		if err != nil {
			return err
		}
		sum.Reviews = append(sum.Reviews, digest.Review{
			ID: app.ID, Organisation: app.Organisation, ConfirmedAt: app.ConfirmedAt, New: app.ConfirmedAt.After(since),
		})
		return nil
	})
	if err != nil {
		return sum, err
	}

	events, err := s.Upcoming(ctx, now)
	if err != nil {
		return sum, err
	}
	for _, e := range events {
		if !e.Published {
			continue
		}
		fresh := 0
		for _, pk := range []string{s.key("attendees", e.ID), s.key("waitlist", e.ID)} {
			err := s.eachIndexItem(ctx, pk, "", func(item map[string]types.AttributeValue) error {
				r, err := decodeReg(item)
				if err != nil {
					return err
				}
				if r.Status != event.Cancelled && r.CreatedAt.After(since) {
					fresh++
				}
				return nil
			})
			if err != nil {
				return sum, err
			}
		}
		sum.Events = append(sum.Events, digest.Event{
			ID: e.ID, Title: e.Title.In(i18n.Default), StartsAt: e.StartsAt,
			Capacity: e.Capacity, Confirmed: e.Confirmed, Waiting: e.Waiting, NewSignups: fresh,
		})
	}

	perTopic := map[string]int{}
	err = s.eachIndexItem(ctx, s.key("contacts", "all"), ts(since), func(item map[string]types.AttributeValue) error {
		perTopic[attrS(item, "topic")]++
		return nil
	})
	if err != nil {
		return sum, err
	}
	for _, t := range slices.Sorted(maps.Keys(perTopic)) {
		sum.Topics = append(sum.Topics, digest.Topic{ID: t, New: perTopic[t]})
	}

	err = s.eachIndexItem(ctx, s.failedPK(), ts(since), func(map[string]types.AttributeValue) error {
		sum.Parked++
		return nil
	})
	return sum, err
}

// eachIndexItem calls fn for every live item of an index partition whose
// sort key comes after from ("" for all), in sort order.
func (s *Store) eachIndexItem(ctx context.Context, pk, from string, fn func(map[string]types.AttributeValue) error) error {
	in := &dynamodb.QueryInput{
		TableName:                 &s.Table,
		IndexName:                 aws.String(Index),
		KeyConditionExpression:    aws.String("gsi1pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
	}
	if from != "" {
		in.KeyConditionExpression = aws.String("gsi1pk = :pk AND gsi1sk > :from")
		in.ExpressionAttributeValues[":from"] = str(from)
	}
	p := dynamodb.NewQueryPaginator(s.API, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("query %s: %w", pk, err)
		}
		for _, item := range page.Items {
			if s.expired(item) {
				continue
			}
			if err := fn(item); err != nil {
				return err
			}
		}
	}
	return nil
}
