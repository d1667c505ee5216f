package httpapi_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"gopkg.in/yaml.v3"

	"github.com/wartburgkreis/netzwerk/shared/dynamo"
	"github.com/wartburgkreis/netzwerk/shared/httpapi"
)

// keyRecorder notes the partition keys each route reads and writes item by
// item, by the kind in the key (<tenant>#<kind>#…).
type keyRecorder struct {
	dynamo.API
	mu    sync.Mutex
	kinds map[string]map[string]bool // route → kinds
}

func (k *keyRecorder) note(ctx context.Context, key map[string]types.AttributeValue) {
	route := httpapi.Route(ctx)
	pk, ok := key["pk"].(*types.AttributeValueMemberS)
	if route == "" || !ok {
		return
	}
	parts := strings.SplitN(pk.Value, "#", 3)
	if len(parts) < 2 {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.kinds[route] == nil {
		k.kinds[route] = map[string]bool{}
	}
	k.kinds[route][parts[1]] = true
}

func (k *keyRecorder) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	k.note(ctx, in.Key)
	return k.API.GetItem(ctx, in, o...)
}

func (k *keyRecorder) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	k.note(ctx, in.Item)
	return k.API.PutItem(ctx, in, o...)
}

func (k *keyRecorder) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	k.note(ctx, in.Key)
	return k.API.UpdateItem(ctx, in, o...)
}

func (k *keyRecorder) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	for _, it := range in.TransactItems {
		switch {
		case it.Put != nil:
			k.note(ctx, it.Put.Item)
		case it.Update != nil:
			k.note(ctx, it.Update.Key)
		case it.Delete != nil:
			k.note(ctx, it.Delete.Key)
		case it.ConditionCheck != nil:
			k.note(ctx, it.ConditionCheck.Key)
		}
	}
	return k.API.TransactWriteItems(ctx, in, o...)
}

// functionKeys reads template.yaml: for each HTTP route the function that
// serves it, and for each function the key patterns its item rights are
// limited to (dynamodb:LeadingKeys).
func functionKeys(t *testing.T) (routes map[string]string, patterns map[string][]string) {
	t.Helper()
	b, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resources map[string]struct {
			Properties struct {
				Events map[string]struct {
					Type       string `yaml:"Type"`
					Properties struct {
						Method string `yaml:"Method"`
						Path   string `yaml:"Path"`
					} `yaml:"Properties"`
				} `yaml:"Events"`
				Policies any `yaml:"Policies"`
			} `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	routes, patterns = map[string]string{}, map[string][]string{}
	var walk func(fn string, v any)
	walk = func(fn string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if keys, ok := v["dynamodb:LeadingKeys"].([]any); ok {
				for _, k := range keys {
					patterns[fn] = append(patterns[fn], fmt.Sprint(k))
				}
			}
			for _, x := range v {
				walk(fn, x)
			}
		case []any:
			for _, x := range v {
				walk(fn, x)
			}
		}
	}
	for name, res := range doc.Resources {
		for _, ev := range res.Properties.Events {
			if ev.Type == "HttpApi" {
				routes[strings.ToUpper(ev.Properties.Method)+" "+ev.Properties.Path] = name
			}
		}
		walk(name, res.Properties.Policies)
	}
	return routes, patterns
}

// TestTemplateLeadingKeys: every HTTP function may touch items only of the
// kinds it needs (dynamodb:LeadingKeys), and running every route of the
// conformance table touches no other kind: a function that starts writing
// a new kind fails here, not with AccessDenied in production.
func TestTemplateLeadingKeys(t *testing.T) {
	rec := &keyRecorder{kinds: map[string]map[string]bool{}}
	f := newFixtureOn(t, func(api dynamo.API) dynamo.API { rec.API = api; return rec })
	// With the functions' rate limit, so its counters count too.
	api := *f.api
	api.RateLimit = httpapi.NewRateLimit(f.store, f.keys, 1<<20)
	f.handler = api.Handler()
	c := loadContract(t)
	c.conformance(t, f, storageDown(f), rateLimited(f), conformanceCalls(t, f, c))

	routes, patterns := functionKeys(t)
	used := map[string][]string{} // function → kinds seen
	for route, kinds := range rec.kinds {
		fn, ok := routes[route]
		if !ok {
			t.Errorf("%s is not routed in template.yaml", route)
			continue
		}
		for kind := range kinds {
			key := fmt.Sprintf("%s#%s#x", f.config.ID, kind)
			if !slices.ContainsFunc(patterns[fn], func(p string) bool { return glob(p).MatchString(key) }) {
				t.Errorf("%s (%s) touches %s items, which its LeadingKeys %v do not allow", route, fn, kind, patterns[fn])
			}
			if !slices.Contains(used[fn], kind) {
				used[fn] = append(used[fn], kind)
			}
		}
	}
	for fn, kinds := range used {
		slices.Sort(kinds)
		t.Logf("%s: %s", fn, strings.Join(kinds, ", "))
	}
}

// glob turns a StringLike pattern into a regexp: * is any run of
// characters, ? any one.
func glob(p string) *regexp.Regexp {
	q := regexp.QuoteMeta(p)
	q = strings.ReplaceAll(q, `\*`, ".*")
	q = strings.ReplaceAll(q, `\?`, ".")
	return regexp.MustCompile("^" + q + "$")
}
