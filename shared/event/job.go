package event

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/id"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
)

// Task is one pass of a job over an event's registrations.
type Task string

const (
	// TaskNotify sends everyone registered before the change an updated
	// invitation (a notice without one to those waiting).
	TaskNotify Task = "notify"
	// TaskPromote moves the waiting list up into seats a grown capacity
	// freed, in order, while seats are left.
	TaskPromote Task = "promote"
	// TaskCancel ends every registration of a cancelled event and tells
	// each person.
	TaskCancel Task = "cancel"
)

// Job is the durable work a change of an event implies for its
// registrations, too many for one transaction (DynamoDB's limit is 100
// items). It goes in batches; each batch is one transaction that changes
// the registrations it covers, queues their mails and moves the job on,
// conditional on the step it read, so no batch is ever written twice.
type Job struct {
	ID      string
	EventID string
	// Tasks is what is left to do, the current task first; none when done.
	Tasks []Task
	// Changed names what TaskNotify tells of: "time", "location".
	Changed []string
	// Cursor is the email hash of the last registration the current task
	// covered ("" before the first).
	Cursor    string
	Step      int // batches written
	Mails     int // mails queued so far
	CreatedAt time.Time
	UpdatedAt time.Time
	ExpiresAt time.Time // set when done: finished jobs go by TTL
}

// Done reports whether nothing is left to do.
func (j Job) Done() bool { return len(j.Tasks) == 0 }

// Batch is one step of a job, decided by the service and written by the
// store in one transaction.
type Batch struct {
	Job   Job   // as read: its step is the condition that fences workers
	Next  Job   // as written
	Event Event // as read: its version and job are conditions
	// Seats and Queue change the confirmed and waiting counters. A batch
	// that adds seats holds only while they fit the capacity.
	Seats, Queue int
	// Settle ends a promotion: it holds only while nobody waits beside a
	// free seat, so a sign-up that joined the list late is not left there.
	Settle        bool
	Registrations []Update
	// Tokens are the new token items of registrations without a LinkNonce.
	Tokens []Token
	Mails  []outbox.Mail
}

// Update is one registration's change in a batch: conditional on the
// status and sequence it was read with.
type Update struct{ Before, After Registration }

// Batch sizes.
const (
	DefaultJobBatch = 25
	// MaxJobBatch keeps a batch within one transaction (100 items): per
	// registration its update, a mail and, for one stored before
	// registrations kept their link, a cancel-link token, plus the job and
	// the event.
	MaxJobBatch = 32
	// DefaultJobBudget is how long a request or a sweep works one job.
	DefaultJobBudget = 10 * time.Second
)

func newJob(eventID string, tasks []Task, changed []string, now time.Time) Job {
	return Job{ID: id.New(now), EventID: eventID, Tasks: tasks, Changed: changed, CreatedAt: now, UpdatedAt: now}
}

func (s *Service) batchSize() int {
	if s.JobBatch <= 0 {
		return DefaultJobBatch
	}
	return min(s.JobBatch, MaxJobBatch)
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// ResumeJobs finishes the jobs that requests left unfinished (a function
// that timed out or died half-way): the sweeper calls it every minute. It
// returns how many mails the jobs queued.
func (s *Service) ResumeJobs(ctx context.Context) (int, error) {
	jobs, err := s.Store.OpenJobs(ctx, 10)
	if err != nil {
		return 0, fmt.Errorf("open jobs: %w", err)
	}
	// One budget for all of them, so the sweep keeps its time for mail.
	until := s.until()
	total := 0
	var errs []error
	for _, j := range jobs {
		_, n, err := s.work(ctx, j.ID, until)
		total += n
		if err != nil {
			errs = append(errs, fmt.Errorf("job %s: %w", j.ID, err))
		}
	}
	return total, errors.Join(errs...)
}

// until is when a worker starting now stops. The budget is the machine's
// time, not the (injectable) time of day: it bounds a Lambda invocation.
func (s *Service) until() time.Time {
	budget := s.JobBudget
	if budget <= 0 {
		budget = DefaultJobBudget
	}
	return time.Now().Add(budget)
}

// work moves a job on, batch by batch, until it is done, until has passed
// or it keeps running into changes. Several workers may work one job at
// once (a request and the sweeper): the step condition lets only one write
// each batch, and the other reads again.
func (s *Service) work(ctx context.Context, jobID string, until time.Time) (done bool, mails int, err error) {
	failures := 0
	for ctx.Err() == nil && time.Now().Before(until) {
		j, err := s.Store.Job(ctx, jobID)
		if errors.Is(err, ErrNotFound) {
			return true, mails, nil // finished long ago, and expired
		}
		if err != nil {
			return false, mails, err
		}
		if j.Done() {
			return true, mails, nil
		}
		e, err := s.Store.Event(ctx, j.EventID)
		if err != nil {
			return false, mails, err
		}
		b, err := s.batch(ctx, j, e)
		if err != nil {
			return false, mails, err
		}
		err = s.Store.Step(ctx, b)
		if errors.Is(err, ErrChanged) {
			// Another worker wrote this step, or a sign-up, a cancellation
			// or a coordinator changed what the batch was decided on.
			if failures++; failures >= attempts {
				return false, mails, fmt.Errorf("job kept racing: %w", err)
			}
			continue
		}
		if err != nil {
			return false, mails, err
		}
		failures = 0
		mails += len(b.Mails)
	}
	return false, mails, nil
}

// batch decides the next step of job j on event e.
func (s *Service) batch(ctx context.Context, j Job, e Event) (Batch, error) {
	now := s.Now().UTC()
	b := Batch{Job: j, Event: e, Next: j}
	b.Next.Step, b.Next.UpdatedAt = j.Step+1, now
	size := s.batchSize()
	finished := false
	switch task := j.Tasks[0]; task {
	case TaskPromote:
		var head []Registration
		if free := e.Capacity - e.Confirmed; free > 0 && e.Waiting > 0 {
			var err error
			if head, err = s.Store.Waiting(ctx, e.ID, min(size, free)); err != nil {
				return Batch{}, err
			}
		}
		for _, r := range head {
			moved := r
			moved.Status, moved.Sequence = Confirmed, r.Sequence+1
			tok, link := s.cancelLink(e, r)
			b.Registrations = append(b.Registrations, Update{Before: r, After: moved})
			if tok != nil {
				b.Tokens = append(b.Tokens, *tok)
			}
			b.Mails = append(b.Mails, s.mailFor("event.promoted", e, moved, link, now))
			b.Seats++
			b.Queue--
		}
		// Nobody left to move up, or no seat left for them.
		finished, b.Settle = len(head) == 0, len(head) == 0
	case TaskNotify, TaskCancel:
		regs, err := s.Store.RegistrationsAfter(ctx, e.ID, j.Cursor, size)
		if err != nil {
			return Batch{}, err
		}
		for _, r := range regs {
			b.Next.Cursor = r.EmailHash
			// Who signed up after the change had it in their own mail; an
			// expired registration is gone, whether TTL has removed it or not.
			if r.Status == Cancelled || !r.ExpiresAt.After(now) ||
				(task == TaskNotify && r.CreatedAt.After(j.CreatedAt)) {
				continue
			}
			after := r
			after.Sequence++
			told := after // the mail speaks of the registration as it was
			told.Status = r.Status
			if task == TaskCancel {
				after.Status = Cancelled
				if r.Status == Confirmed {
					b.Seats--
				} else {
					b.Queue--
				}
				b.Mails = append(b.Mails, s.mailFor("event.called-off", e, told, mailLink{}, now))
			} else {
				// A moved event keeps its registrations as long after it
				// as any other, and its link works until the event ends:
				// a kept link by the event as it then stands, a token item
				// by the expiry written now.
				after.ExpiresAt = e.EndsAt.Add(network.Days(s.Config.Retention.RegistrationAfterEventDays))
				tok, link := s.cancelLink(e, r)
				m := s.mailFor("event.updated", e, told, link, now)
				m.Data["changed"] = strings.Join(j.Changed, "-")
				if tok != nil {
					b.Tokens = append(b.Tokens, *tok)
				}
				b.Mails = append(b.Mails, m)
			}
			b.Registrations = append(b.Registrations, Update{Before: r, After: after})
		}
		finished = len(regs) < size
	default:
		return Batch{}, fmt.Errorf("job %s: unknown task %q", j.ID, task)
	}
	if finished {
		b.Next.Tasks, b.Next.Cursor = j.Tasks[1:], ""
	}
	if b.Next.Done() {
		b.Next.ExpiresAt = now.Add(network.Days(s.Config.Retention.SentMailDays))
	}
	b.Next.Mails += len(b.Mails)
	return b, nil
}
