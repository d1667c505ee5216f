// Command admin is the Lambda function behind the coordinators' routes
// (/admin/…) and the console's pages (/console…). API Gateway's JWT
// authorizer admits only valid Cognito tokens to /admin; the function checks
// the coordinators' group once more.
package main

import (
	"os"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/apigw"
	"github.com/wartburgkreis/netzwerk/shared/auth"
	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/httpapi"
	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/privacy"
)

func main() {
	lambdaenv.Main(func(env *lambdaenv.Env) (any, error) {
		events := &event.Service{Store: env.Store, Config: env.Config, Keys: env.Keys, Now: time.Now, Log: env.Log}
		api := &httpapi.API{
			Config: env.Config,
			Admin: &httpapi.Admin{
				Auth:     auth.Gateway{},
				Partners: &partner.Service{Store: env.Store, Config: env.Config, Keys: env.Keys, Now: time.Now},
				Events:   events,
				Roster:   &event.Roster{Store: env.Store, Config: env.Config, Now: time.Now},
				Messages: &contact.Service{Store: env.Store, Config: env.Config, Keys: env.Keys, Now: time.Now},
				Outbox:   &outbox.Admin{Store: env.Store, Config: env.Config, Now: time.Now},
				Privacy:  &privacy.Service{Store: env.Store, Events: events, Config: env.Config, Keys: env.Keys, Now: time.Now},
				Audit:    env.Store,
			},
			// No development login here: only the local server has one.
			Login: httpapi.Login{Domain: os.Getenv("LOGIN_DOMAIN"), ClientID: os.Getenv("CONSOLE_CLIENT_ID")},
			Log:   env.Log,
			Now:   time.Now,
		}
		return apigw.Handler(api.Handler()), nil
	})
}
