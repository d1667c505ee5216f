package notify_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/wartburgkreis/netzwerk/shared/notify"
	"github.com/wartburgkreis/netzwerk/shared/testenv"
)

// TestWarmSES: the first mail goes over the connection opened during init.
func TestWarmSES(t *testing.T) {
	f := testenv.NewFakeAWS(t)
	ses := sesv2.NewFromConfig(f.AWSConfig(t))
	notify.WarmSES(ses)()
	if _, err := ses.GetAccount(context.Background(), &sesv2.GetAccountInput{}); err != nil {
		t.Fatal(err)
	}
	if conns, requests := f.Conns(), f.Requests(); conns != 1 || requests != 2 {
		t.Errorf("%d connections, %d requests; want the call on the warmed connection (1, 2)", conns, requests)
	}
}
