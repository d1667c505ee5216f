// Command admin is the Lambda function behind the coordinators' routes
// (/admin/…). API Gateway's JWT authorizer admits only valid Cognito tokens;
// the function checks the coordinators' group once more.
package main

import (
	"time"

	"github.com/wartburgkreis/netzwerk/shared/apigw"
	"github.com/wartburgkreis/netzwerk/shared/auth"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/httpapi"
	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/partner"
)

func main() {
	lambdaenv.Main(func(env *lambdaenv.Env) (any, error) {
		api := &httpapi.API{
			Config: env.Config,
			Admin: &httpapi.Admin{
				Auth: auth.Gateway{},
				Partners: &partner.Service{
					Store:  env.Store,
					Config: env.Config,
					Keys:   env.Keys,
					Now:    time.Now,
				},
				Audit: env.Store,
				Events: &event.Service{
					Store:  env.Store,
					Config: env.Config,
					Keys:   env.Keys,
					Now:    time.Now,
					Log:    env.Log,
				},
			},
			Log: env.Log,
			Now: time.Now,
		}
		return apigw.Handler(api.Handler()), nil
	})
}
