package dynamo

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/listing"
)

var _ event.RosterStore = (*Store)(nil)

// rosterPK is the index partition that holds an event's registrations of
// one status (see regPut and Cancel).
func (s *Store) rosterPK(eventID string, st event.Status) string {
	switch st {
	case event.Waitlisted:
		return s.key("waitlist", eventID)
	case event.Cancelled:
		return s.key("cancelled", eventID)
	default:
		return s.key("attendees", eventID)
	}
}

// Registrations pages through an event's registrations, status after
// status. Each partition is in its own order (arrival, position, time of
// cancellation); an item whose status changed moves to another partition,
// and the index may show it in the old one for a moment, so the status is
// checked as well.
func (s *Store) Registrations(ctx context.Context, eventID string, statuses []event.Status, q listing.Query) (listing.Page[event.Registration], error) {
	pks := make([]string, len(statuses))
	for i, st := range statuses {
		pks[i] = s.rosterPK(eventID, st)
	}
	items, next, err := s.sequencePage(ctx, pks, q, func(i int, item map[string]types.AttributeValue) bool {
		return attrS(item, "status") == string(statuses[i])
	})
	if err != nil {
		return listing.Page[event.Registration]{}, err
	}
	return pageOf(items, next, decodeReg)
}

// sequencePage reads one page of a list made of index partitions one after
// another, each in ascending sort-key order (where indexPage merges them
// into one order). The cursor names the partition and the sort key the page
// ended at.
func (s *Store) sequencePage(ctx context.Context, partitions []string, q listing.Query,
	keep func(partition int, item map[string]types.AttributeValue) bool) ([]map[string]types.AttributeValue, string, error) {
	start, after, err := decodeSequenceCursor(q.Cursor, len(partitions))
	if err != nil {
		return nil, "", err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = listing.DefaultLimit
	}
	var all []map[string]types.AttributeValue
	var from []int // the partition of each item
	for i := start; i < len(partitions) && len(all) <= limit; i++ {
		// One more than the page holds says whether there is a next page.
		items, err := s.partitionItems(ctx, partitions[i], after, true, limit+1-len(all),
			func(item map[string]types.AttributeValue) bool { return keep(i, item) })
		if err != nil {
			return nil, "", err
		}
		all = append(all, items...)
		for range items {
			from = append(from, i)
		}
		after = ""
	}
	if len(all) <= limit {
		return all, "", nil
	}
	all = all[:limit]
	last := strconv.Itoa(from[limit-1]) + ":" + attrS(all[limit-1], "gsi1sk")
	return all, base64.RawURLEncoding.EncodeToString([]byte(last)), nil
}

func decodeSequenceCursor(c string, partitions int) (int, string, error) {
	raw, err := decodeCursor(c)
	if err != nil || raw == "" {
		return 0, "", err
	}
	n, after, ok := strings.Cut(raw, ":")
	i, err := strconv.Atoi(n)
	if !ok || err != nil || i < 0 || i >= partitions || after == "" {
		return 0, "", listing.ErrCursor
	}
	return i, after, nil
}
