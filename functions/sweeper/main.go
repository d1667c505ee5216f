// Command sweeper is the scheduled Lambda function that retries due mail
// with backoff and parks what keeps failing.
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
		return notify.Sweeper(d, env.Log), nil
	})
}
