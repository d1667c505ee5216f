// Command sweeper is the scheduled Lambda function that queues event
// reminders and the coordinators' daily digest, finishes the event jobs
// requests left unfinished, writes or hands over the first mails of
// sign-ups and contact messages the notifier missed, and retries due mail with backoff, parking what
// keeps failing.
package main

import (
	"time"

	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/digest"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/notify"
	"github.com/wartburgkreis/netzwerk/shared/partner"
)

func main() {
	lambdaenv.Main(func(env *lambdaenv.Env) (any, error) {
		d, err := notify.FromEnv(env)
		if err != nil {
			return nil, err
		}
		events := &event.Service{Store: env.Store, Config: env.Config, Keys: env.Keys, Now: time.Now, Log: env.Log}
		digests := &digest.Service{Store: env.Store, Config: env.Config, Now: time.Now}
		messages := &contact.Service{Store: env.Store, Config: env.Config, Keys: env.Keys, Now: time.Now, Log: env.Log}
		partners := &partner.Service{Store: env.Store, Config: env.Config, Keys: env.Keys, Now: time.Now, Log: env.Log}
		return notify.Sweeper(d, env.Log, events.QueueReminders, events.ResumeJobs,
			events.Reconcile, messages.Reconcile, partners.Reconcile, digests.Send), nil
	})
}
