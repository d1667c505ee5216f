// Command partners is the Lambda function behind the partner registration
// routes, the form options and the thank-you pages.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/wartburgkreis/netzwerk/shared/apigw"
	"github.com/wartburgkreis/netzwerk/shared/httpapi"
	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/partner"
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
	api := &httpapi.API{
		Config: env.Config,
		Partners: &partner.Service{
			Store:  env.Store,
			Config: env.Config,
			Keys:   env.Keys,
			Now:    time.Now,
		},
		Log: env.Log,
		Now: time.Now,
	}
	lambda.Start(apigw.Handler(api.Handler()))
	return nil
}
