// Command mutate weakens, one at a time, each condition expression that
// carries an invariant, runs the tests that guard it, and reports whether
// they noticed. A mutation the tests survive is a guarantee nobody checks.
//
//	go run ./infra/mutate        (make mutate)
//	go run ./infra/mutate WORDS  (only the invariants whose name contains WORDS)
//
// It edits the source in place and puts every file back, also when
// interrupted.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
)

// mutation is one weakened condition and the tests that must fail for it.
type mutation struct {
	invariant string
	file      string
	from, to  string
	pkgs      []string
	run       string // -run pattern; "" runs the packages' tests
}

var mutations = []mutation{
	{"an event never has more confirmed seats than its capacity", "shared/dynamo/events.go",
		`"#published = :true AND #confirmed < #capacity AND #waiting = :zero AND " + version`,
		`"#published = :true AND #waiting = :zero AND " + version`,
		[]string{"./shared/event/", "./shared/dynamo/"}, ""},
	{"one registration per address and event", "shared/dynamo/events.go",
		`"attribute_not_exists(pk) OR #status = :cancelled"`, `"attribute_not_exists(pk) OR #status <> :cancelled OR #status = :cancelled"`,
		[]string{"./shared/event/", "./shared/dynamo/"}, ""},
	{"a freed seat goes to the waiting list first", "shared/dynamo/events.go",
		`"#waiting = :zero AND #confirmed >= :one"`, `"#confirmed >= :one"`,
		[]string{"./shared/event/"}, ""},
	{"a reminder goes out once", "shared/dynamo/events.go",
		`"#status = :confirmed AND attribute_not_exists(remindedAt)"`, `"#status = :confirmed"`,
		[]string{"./shared/notify/"}, ""},
	{"an application is confirmed once", "shared/dynamo/partners.go",
		`"#status = :pending AND expiresAt > :now"`, `"expiresAt > :now"`,
		[]string{"./shared/dynamo/", "./shared/partner/"}, ""},
	{"an application is decided once", "shared/dynamo/partners.go",
		`"#status = :review AND expiresAt > :now"`, `"expiresAt > :now"`,
		[]string{"./shared/dynamo/"}, ""},
	{"one pending application per organisation and address", "shared/dynamo/partners.go",
		`"attribute_not_exists(pk) OR expiresAt <= :now"`, `"attribute_not_exists(pk) OR expiresAt <= :now OR expiresAt > :now"`,
		[]string{"./shared/dynamo/", "./shared/partner/"}, ""},
	{"a repeat's new link never makes an item of a vanished application", "shared/dynamo/partners.go",
		`ConditionExpression:      aws.String("#status = :pending")`, `ConditionExpression:      aws.String("attribute_not_exists(pk) OR #status = :pending")`,
		[]string{"./shared/partner/"}, "TestResendAfterApplicationVanished"},
	{"an old cancel link never opens a later registration of the address", "shared/event/cancel.go",
		`r = Registration{EventID: eventID, EmailHash: emailHash, Status: Cancelled}`, `_ = r`,
		[]string{"./shared/event/"}, "TestRegisterAfterCancel"},
	{"a mail is claimed by one worker at a time", "shared/dynamo/mail.go",
		`"#status = :pending AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)"`, `"#status = :pending"`,
		[]string{"./shared/dynamo/"}, ""},
	{"a sent or parked mail is not claimed again", "shared/dynamo/mail.go",
		`"#status = :pending AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)"`, `"(attribute_not_exists(leaseUntil) OR leaseUntil < :now)"`,
		[]string{"./shared/dynamo/"}, ""},
	{"only the lease holder records the outcome", "shared/dynamo/mail.go",
		`ConditionExpression:       aws.String("leaseUntil = :lease")`, `ConditionExpression:       aws.String("attribute_exists(pk) OR leaseUntil = :lease")`,
		[]string{"./shared/dynamo/"}, ""},
	{"mail to an unverified address is capped per day", "shared/dynamo/mail.go",
		`"attribute_not_exists(#n) OR #n < :max"`, `"attribute_not_exists(#n) OR #n < :max OR #n >= :max"`,
		[]string{"./infra/local/"}, "TestMailCap"},
	{"a client's requests are limited per minute", "shared/dynamo/suppressions.go",
		`"attribute_not_exists(#n) OR #n < :max"`, `"attribute_not_exists(#n) OR #n < :max OR #n >= :max"`,
		[]string{"./shared/httpapi/"}, "TestRateLimit"},
	{"one digest a day", "shared/dynamo/digest.go",
		`"attribute_not_exists(pk) OR #day = :prev"`, `"attribute_not_exists(pk) OR #day = :prev OR #day <> :prev"`,
		[]string{"./shared/digest/"}, ""},
	{"a contact message's mails are queued once", "shared/dynamo/firstmail.go",
		`mailOnce = "attribute_not_exists(pk)"`, `mailOnce = "attribute_not_exists(pk) OR attribute_exists(pk)"`,
		[]string{"./shared/contact/"}, "TestMailsQueuedOnce"},
	// The same condition as the contact message's; its own tests.
	{"a registration's first mail is queued once", "shared/dynamo/firstmail.go",
		`mailOnce = "attribute_not_exists(pk)"`, `mailOnce = "attribute_not_exists(pk) OR attribute_exists(pk)"`,
		[]string{"./shared/event/"}, "TestSignUpMailQueuedOnce"},
	{"a late confirm mail only for an application still unconfirmed, with its link", "shared/dynamo/partners.go",
		`stillUnconfirmed = "#status = :pending AND linkNonce = :nonce AND expiresAt > :now"`,
		`stillUnconfirmed = "linkNonce = :nonce AND expiresAt > :now"`,
		[]string{"./shared/partner/"}, "TestReconcile"},
	{"a late first mail only for the registration as signed up", "shared/dynamo/events.go",
		`firstMailFor = "#id = :id AND #status = :status AND #seq = :seq AND expiresAt > :now"`,
		`firstMailFor = "attribute_exists(pk) OR #id = :id AND #status = :status AND #seq = :seq AND expiresAt > :now"`,
		[]string{"./shared/event/"}, "TestReconcileSignUpMail"},
	{"a job step is done once", "shared/dynamo/events_admin.go",
		`"#step = :step AND #state = :open"`, `"#state = :open"`,
		[]string{"./shared/dynamo/", "./shared/event/"}, ""},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	survived := 0
	for _, m := range mutations {
		if len(os.Args) > 1 && !strings.Contains(m.invariant, strings.Join(os.Args[1:], " ")) {
			continue
		}
		killed, err := try(ctx, m)
		switch {
		case err != nil:
			fmt.Fprintf(os.Stderr, "mutate: %s: %v\n", m.invariant, err)
			os.Exit(2)
		case killed:
			fmt.Printf("caught    %s (%s)\n", m.invariant, m.file)
		default:
			survived++
			fmt.Printf("SURVIVED  %s (%s): %s -> %s\n", m.invariant, m.file, m.from, m.to)
		}
	}
	if survived > 0 {
		os.Exit(1)
	}
}

// try applies m, runs its tests and restores the file; killed reports
// whether the tests failed.
func try(ctx context.Context, m mutation) (killed bool, err error) {
	orig, err := os.ReadFile(m.file)
	if err != nil {
		return false, err
	}
	if n := strings.Count(string(orig), m.from); n != 1 {
		return false, fmt.Errorf("the condition occurs %d times in %s, want once", n, m.file)
	}
	if err := os.WriteFile(m.file, []byte(strings.Replace(string(orig), m.from, m.to, 1)), 0o644); err != nil {
		return false, err
	}
	defer func() {
		if werr := os.WriteFile(m.file, orig, 0o644); werr != nil && err == nil {
			err = werr
		}
	}()
	args := append([]string{"test", "-count=1"}, m.pkgs...)
	if m.run != "" {
		args = append(args, "-run", m.run)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	err = cmd.Run()
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if _, failed := err.(*exec.ExitError); failed {
		return true, nil
	}
	return false, err
}
