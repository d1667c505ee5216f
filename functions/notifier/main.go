// Command notifier is the Lambda function on the table's stream: it tries
// each new outbox mail once.
package main

import (
	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/notify"
)

func main() {
	lambdaenv.Main(func(env *lambdaenv.Env) (any, error) {
		d, err := notify.FromEnv(env)
		if err != nil {
			return nil, err
		}
		return notify.StreamHandler(d, env.Log), nil
	})
}
