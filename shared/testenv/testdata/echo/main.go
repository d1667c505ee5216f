// Command echo is the smallest Lambda the RIE harness can be proven with: it
// answers with its input and with what it saw of its environment, so a test
// can check that payloads, env vars and the working directory arrive intact.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// reply mirrors the fields the harness test asserts on.
type reply struct {
	Input    json.RawMessage `json:"input"`
	Echo     string          `json:"echo"`
	Region   string          `json:"region"`
	Function string          `json:"function"`
	ARN      string          `json:"arn"`
	Dir      string          `json:"dir"`
	Beside   string          `json:"beside"`
}

func handle(ctx context.Context, in json.RawMessage) (reply, error) {
	// Objects can steer the function into the failure modes the harness
	// must report; anything else is just echoed.
	var probe struct {
		Fail string `json:"fail"`
		Exit *int   `json:"exit"`
	}
	_ = json.Unmarshal(in, &probe)
	if probe.Exit != nil {
		os.Exit(*probe.Exit)
	}
	if probe.Fail != "" {
		return reply{}, errors.New(probe.Fail)
	}
	r := reply{
		Input:    in,
		Echo:     os.Getenv("ECHO_VALUE"),
		Region:   os.Getenv("AWS_REGION"),
		Function: lambdacontext.FunctionName,
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		r.ARN = lc.InvokedFunctionArn
	}
	r.Dir, _ = os.Getwd()
	// Deployed functions read config files that sit beside the binary, so
	// the test drops one there and expects to see it through the cwd.
	if b, err := os.ReadFile("beside.txt"); err == nil {
		r.Beside = string(b)
	}
	return r, nil
}

func main() {
	lambda.Start(handle)
}
