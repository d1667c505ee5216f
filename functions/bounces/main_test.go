package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/wartburgkreis/netzwerk/shared/lambdaenv"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// TestBootstrapUnderRIE feeds the built bounces function the EventBridge
// events SES publishes: a hard bounce and a complaint suppress their
// addresses, a soft bounce does not.
func TestBootstrapUnderRIE(t *testing.T) {
	db := testenv.NewDynamoDB(t)
	fn := testenv.StartLambda(t, testenv.BuildFunction(t, "functions/bounces"), testenv.FunctionEnv(t, db, nil))
	for _, f := range []string{"ses-bounce-permanent.json", "ses-complaint.json", "ses-bounce-transient.json", "ses-delivery.json"} {
		payload, err := os.ReadFile(filepath.Join("..", "..", "shared", "notify", "testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		fn.Invoke(t, payload) // fails the test on a function error
	}

	store := lambdaenv.NewStore(db.Client, db.Table, testenv.Config(t), testenv.Keys(t))
	got, err := store.Suppressed(context.Background(), []string{"nobody@example.org", "angry@example.org", "ok@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"nobody@example.org": "bounce:General", "angry@example.org": "complaint:abuse"}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("suppressed %s, want %s\n%s", gotJSON, wantJSON, fn.Output())
	}
}
