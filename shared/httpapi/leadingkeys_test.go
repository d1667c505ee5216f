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
// item, by the kind in the key (<tenant>#<kind>#…), and the IAM actions its
// calls need, on the table or its index.
type keyRecorder struct {
	dynamo.API
	mu      sync.Mutex
	kinds   map[string]map[string]bool // route → kinds
	actions map[string]map[string]bool // route → "dynamodb:Query on index"
}

func (k *keyRecorder) act(ctx context.Context, action string, index bool) {
	route := httpapi.Route(ctx)
	if route == "" {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.actions[route] == nil {
		k.actions[route] = map[string]bool{}
	}
	k.actions[route][grant{action, index}.String()] = true
}

// grant is an IAM action on the table or on its index.
type grant struct {
	action string
	index  bool
}

func (g grant) String() string {
	if g.index {
		return g.action + " on index"
	}
	return g.action + " on table"
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
	k.act(ctx, "dynamodb:GetItem", false)
	return k.API.GetItem(ctx, in, o...)
}

func (k *keyRecorder) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	for _, req := range in.RequestItems {
		for _, key := range req.Keys {
			k.note(ctx, key)
		}
	}
	k.act(ctx, "dynamodb:BatchGetItem", false)
	return k.API.BatchGetItem(ctx, in, o...)
}

func (k *keyRecorder) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	k.note(ctx, in.Item)
	k.act(ctx, "dynamodb:PutItem", false)
	return k.API.PutItem(ctx, in, o...)
}

func (k *keyRecorder) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	k.note(ctx, in.Key)
	k.act(ctx, "dynamodb:UpdateItem", false)
	return k.API.UpdateItem(ctx, in, o...)
}

func (k *keyRecorder) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	k.act(ctx, "dynamodb:Query", in.IndexName != nil)
	return k.API.Query(ctx, in, o...)
}

func (k *keyRecorder) Scan(ctx context.Context, in *dynamodb.ScanInput, o ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	k.act(ctx, "dynamodb:Scan", in.IndexName != nil)
	return k.API.Scan(ctx, in, o...)
}

// TransactWriteItems has no IAM action of its own: each part is
// authorised as the single-item action it stands for.
func (k *keyRecorder) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	for _, it := range in.TransactItems {
		switch {
		case it.Put != nil:
			k.note(ctx, it.Put.Item)
			k.act(ctx, "dynamodb:PutItem", false)
		case it.Update != nil:
			k.note(ctx, it.Update.Key)
			k.act(ctx, "dynamodb:UpdateItem", false)
		case it.Delete != nil:
			k.note(ctx, it.Delete.Key)
			k.act(ctx, "dynamodb:DeleteItem", false)
		case it.ConditionCheck != nil:
			k.note(ctx, it.ConditionCheck.Key)
			k.act(ctx, "dynamodb:ConditionCheckItem", false)
		}
	}
	return k.API.TransactWriteItems(ctx, in, o...)
}

// functionKeys reads template.yaml: for each HTTP route the function that
// serves it, for each function the key patterns its item rights are
// limited to (dynamodb:LeadingKeys) and the DynamoDB actions it is granted
// on the table and on its index.
func functionKeys(t *testing.T) (routes map[string]string, patterns map[string][]string, grants map[string]map[string]bool) {
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
	routes, patterns, grants = map[string]string{}, map[string][]string{}, map[string]map[string]bool{}
	var walk func(fn string, v any)
	walk = func(fn string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if keys, ok := v["dynamodb:LeadingKeys"].([]any); ok {
				for _, k := range keys {
					patterns[fn] = append(patterns[fn], fmt.Sprint(k))
				}
			}
			if actions, ok := v["Action"].([]any); ok {
				// !GetAtt Table.Arn is the table, !Sub ${Table.Arn}/index/…
				// its index.
				resources, ok := v["Resource"].([]any)
				if !ok {
					resources = []any{v["Resource"]}
				}
				for _, r := range resources {
					r := fmt.Sprint(r)
					if !strings.Contains(r, "Table.Arn") {
						continue
					}
					for _, a := range actions {
						if grants[fn] == nil {
							grants[fn] = map[string]bool{}
						}
						grants[fn][grant{fmt.Sprint(a), strings.Contains(r, "/index/")}.String()] = true
					}
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
	return routes, patterns, grants
}

// TestTemplateLeadingKeys: every HTTP function may touch items only of the
// kinds it needs (dynamodb:LeadingKeys), and running every route of the
// conformance table touches no other kind and calls no DynamoDB action the
// function is not granted: a function that starts writing a new kind, or
// reading the table where it read the index, fails here, not with
// AccessDenied in production.
func TestTemplateLeadingKeys(t *testing.T) {
	rec := &keyRecorder{kinds: map[string]map[string]bool{}, actions: map[string]map[string]bool{}}
	f := newFixtureOn(t, func(api dynamo.API) dynamo.API { rec.API = api; return rec })
	// With the functions' rate limit, so its counters count too.
	api := *f.api
	api.RateLimit = httpapi.NewRateLimit(f.store, f.keys, 1<<20)
	f.handler = api.Handler()
	c := loadContract(t)
	c.conformance(t, f, storageDown(f), rateLimited(f), conformanceCalls(t, f, c))

	routes, patterns, grants := functionKeys(t)
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
	for route, actions := range rec.actions {
		fn := routes[route]
		for a := range actions {
			if !grants[fn][a] {
				t.Errorf("%s (%s) needs %s, which template.yaml does not grant", route, fn, a)
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
