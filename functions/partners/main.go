// Command partners is the Lambda function behind the partner registration
// routes, the form options and the thank-you pages.
package main

import (
	"time"

	"github.com/wartburgkreis/netzwerk/shared/apigw"
	"github.com/wartburgkreis/netzwerk/shared/httpapi"
	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/partner"
)

func main() {
	lambdaenv.Main(func(env *lambdaenv.Env) (any, error) {
		api := &httpapi.API{
			Config: env.Config,
			Partners: &partner.Service{
				Store:  env.Store,
				Config: env.Config,
				Keys:   env.Keys,
				Now:    time.Now,
			},
			RateLimit: httpapi.NewRateLimit(env.Store, env.Keys, env.Config.RateLimitPerMinute),
			Log:       env.Log,
			Now:       time.Now,
		}
		return apigw.Handler(api.Handler()), nil
	})
}
