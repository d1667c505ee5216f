// Command sdkfloor is the floor a function that talks to AWS cannot go
// below: it builds the AWS configuration from the Lambda environment the
// way shared/awsenv does, the DynamoDB and SES v2 clients from it, and
// answers hello-world. make bench measures the functions' cold init and
// binary size against it (issue 11): what a function costs beyond it is
// its own code, not the SDK's.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/wartburgkreis/netzwerk/shared/awsenv"
)

func main() {
	cfg, err := awsenv.Config(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Kept alive by the handler, so the linker keeps both clients whole.
	db, ses := dynamodb.NewFromConfig(cfg), sesv2.NewFromConfig(cfg)
	lambda.Start(func(context.Context, json.RawMessage) (string, error) {
		if db == nil || ses == nil {
			return "", fmt.Errorf("no clients")
		}
		return "hello", nil
	})
}
