package testenv

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	miniserver "github.com/truora/minidyn/server"

	"github.com/wartburgkreis/netzwerk/shared/dynamo"
)

// DynamoDB is a fresh emulated table reached over loopback HTTP through the
// real SDK client.
type DynamoDB struct {
	Client   *dynamodb.Client
	Table    string
	Endpoint string
	// Emulator allows failure injection (EmulateFailure).
	Emulator *miniserver.Server
}

// NewDynamoDB starts an emulator of its own for one test, with the table
// created before any traffic (minidyn's CreateTable is not safe under
// concurrent requests). The client retries up to three times without
// waiting: an injected failure still fails every attempt at once, and the
// SDK's retry covers a connection race it has with large responses.
func NewDynamoDB(t testing.TB) *DynamoDB {
	t.Helper()
	emu := miniserver.NewServer()
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	db := &DynamoDB{
		Client:   dynamo.NewEmulatorClient(srv.URL, 3),
		Table:    "netzwerk-test",
		Endpoint: srv.URL,
		Emulator: emu,
	}
	if err := dynamo.CreateTable(context.Background(), db.Client, db.Table); err != nil {
		t.Fatalf("create table: %v", err)
	}
	return db
}
