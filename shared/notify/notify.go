// Package notify holds the two Lambda entry points of mail delivery: the
// notifier, fed by the table's stream, and the scheduled sweeper.
package notify

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wartburgkreis/netzwerk/shared/outbox"
)

// StreamHandler tries each newly written mail once. A mail that fails to
// send is rescheduled, not reported, so the shard never blocks; only a
// storage failure is reported, and then only that record is retried.
func StreamHandler(d *outbox.Deliverer, log *slog.Logger) func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	return func(ctx context.Context, e events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
		var resp events.DynamoDBEventResponse
		for _, rec := range e.Records {
			id := mailID(rec)
			if id == "" {
				// The filter should have dropped it; nothing to deliver.
				continue
			}
			result, err := d.Deliver(ctx, id)
			if err != nil {
				log.ErrorContext(ctx, "delivery failed", "mail", id, "err", err)
				resp.BatchItemFailures = append(resp.BatchItemFailures,
					events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
				continue
			}
			log.InfoContext(ctx, "delivery", "mail", id, "result", string(result))
		}
		return resp, nil
	}
}

func mailID(rec events.DynamoDBEventRecord) string {
	if rec.EventName != string(events.DynamoDBOperationTypeInsert) {
		return ""
	}
	sk, ok := rec.Change.Keys["sk"]
	if !ok || sk.DataType() != events.DataTypeString || sk.String() != "outbox" {
		return ""
	}
	id, ok := rec.Change.NewImage["id"]
	if !ok || id.DataType() != events.DataTypeString {
		return ""
	}
	return id.String()
}

// Batch is how many due mails one sweep reads at a time.
const Batch = 25

// Scheduled is work the sweeper does on every run before delivering, such
// as queueing event reminders; it reports how many mails it queued.
type Scheduled func(ctx context.Context) (int, error)

// Sweeper runs the scheduled work, then delivers due mail until none is
// left or the invocation's time runs short, so one slow SES day cannot make
// runs overlap. A failing scheduled job is logged and does not stop
// delivery.
func Sweeper(d *outbox.Deliverer, log *slog.Logger, jobs ...Scheduled) func(context.Context) error {
	return func(ctx context.Context) error {
		for _, job := range jobs {
			n, err := job(ctx)
			if err != nil {
				log.ErrorContext(ctx, "scheduled job failed", "err", err)
			}
			if n > 0 {
				log.InfoContext(ctx, "scheduled job", "queued", n)
			}
		}
		total := map[outbox.Result]int{}
		for {
			if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < 10*time.Second {
				break
			}
			counts, err := d.Sweep(ctx, Batch)
			for r, n := range counts {
				total[r] += n
			}
			if err != nil {
				log.ErrorContext(ctx, "sweep failed", "err", err)
				return err
			}
			// Only mails that left the due list count as progress; a batch of
			// skipped (leased) mails would come back at once.
			if counts[outbox.Delivered]+counts[outbox.Rescheduled]+counts[outbox.Parked] == 0 {
				break
			}
		}
		log.InfoContext(ctx, "sweep", "delivered", total[outbox.Delivered], "rescheduled", total[outbox.Rescheduled],
			"parked", total[outbox.Parked], "skipped", total[outbox.Skipped])
		return nil
	}
}
