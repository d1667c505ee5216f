package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/wartburgkreis/netzwerk/shared/httpapi"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/partner"
)

// BenchmarkRegisterPartner measures POST /partners end to end in-process
// (decode, validate, one four-item transaction over HTTP to the emulator).
// Compare it with BenchmarkBareTransaction from the same run: the ratio says
// what the handler adds to its storage call; absolute figures say little on
// a shared machine.
func BenchmarkRegisterPartner(b *testing.B) {
	f := newFixture(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		app := validApplication()
		app["email"] = fmt.Sprintf("bench-%d@example.org", i)
		body := jsonBody(b, app)
		req := httptest.NewRequest("POST", "/partners", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		f.handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusAccepted {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkBareTransaction is the storage call alone: one TransactWriteItems
// of four similar items, as a registration writes (application, lock, token,
// mail). The emulator copies the whole table for every transaction, so both
// benchmarks grow the table by four items per operation to stay comparable.
func BenchmarkBareTransaction(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	put := func(pk string, attrs map[string]types.AttributeValue) types.TransactWriteItem {
		item := map[string]types.AttributeValue{"pk": s(pk), "sk": s("x")}
		for k, v := range attrs {
			item[k] = v
		}
		return types.TransactWriteItem{Put: &types.Put{
			TableName: &f.db.Table, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)"),
		}}
	}
	i := 0
	for b.Loop() {
		i++
		id := fmt.Sprintf("%d", i)
		app := validApplication()
		_, err := f.db.Client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			put("app#"+id, map[string]types.AttributeValue{
				"organisation": s(app["organisation"].(string)), "contactName": s(app["contactName"].(string)),
				"email": s("bench-" + id + "@example.org"), "message": s(app["message"].(string)),
				"gsi1pk": s("applications#pending"), "gsi1sk": s(id),
			}),
			put("lock#"+id, map[string]types.AttributeValue{"ref": s(id)}),
			put("token#"+id, map[string]types.AttributeValue{"ref": s(id), "purpose": s("partner-confirm")}),
			put("mail#"+id, map[string]types.AttributeValue{"template": s("partner.confirm"), "gsi1pk": s("mail#due"), "gsi1sk": s(id)}),
		}})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// nullStore accepts every application and stores nothing: with it the
// benchmark measures our own code (decode, validate, hash, ids) alone.
type nullStore struct{ partner.Store }

func (nullStore) Create(context.Context, partner.Application, outbox.Mail) (string, error) {
	return "", nil
}

// BenchmarkRegisterPartnerNoStorage is BenchmarkRegisterPartner without the
// storage call, for the share of the handler's own work.
func BenchmarkRegisterPartnerNoStorage(b *testing.B) {
	f := newFixture(b)
	api := &httpapi.API{
		Config:   f.config,
		Partners: &partner.Service{Store: nullStore{}, Config: f.config, Keys: f.keys, Now: f.clock.Now},
		Log:      slog.New(slog.DiscardHandler),
		Now:      f.clock.Now,
	}
	h := api.Handler()
	body := jsonBody(b, validApplication())
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/partners", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusAccepted {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
