// Command bounces is the Lambda function that receives SES bounce and
// complaint events from EventBridge and marks those addresses, so no mail
// goes to them again.
package main

import (
	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/notify"
)

func main() {
	lambdaenv.Main(func(env *lambdaenv.Env) (any, error) {
		return notify.BounceHandler(env.Store, env.Log), nil
	})
}
