// Command notifier is the Lambda function on the table's stream: it tries
// each new outbox mail once.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/notify"
)

func main() {
	if err := run(context.Background()); err != nil {
		slog.Error("start", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	env, err := lambdaenv.Load(ctx)
	if err != nil {
		return err
	}
	d, err := notify.FromEnv(env)
	if err != nil {
		return err
	}
	lambda.Start(notify.StreamHandler(d, env.Log))
	return nil
}
