// Command contact is the Lambda function behind the contact form.
package main

import (
	"time"

	"github.com/wartburgkreis/netzwerk/shared/apigw"
	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/httpapi"
	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
)

func main() {
	lambdaenv.Main(func(env *lambdaenv.Env) (any, error) {
		api := &httpapi.API{
			Config: env.Config,
			Contact: &contact.Service{
				Store:  env.Store,
				Config: env.Config,
				Keys:   env.Keys,
				Now:    time.Now,
				Log:    env.Log,
			},
			RateLimit: httpapi.NewRateLimit(env.Store, env.Keys, env.Config.RateLimitPerMinute),
			Log:       env.Log,
			Now:       time.Now,
		}
		return apigw.Handler(api.Handler()), nil
	})
}
