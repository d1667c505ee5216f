package main

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/wartburgkreis/netzwerk/shared/audit"
	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/httpapi"
	"github.com/wartburgkreis/netzwerk/shared/outbox"
	"github.com/wartburgkreis/netzwerk/shared/partner"
	"github.com/wartburgkreis/netzwerk/shared/privacy"
)

// templateRoute is one HttpApi event of template.yaml.
type templateRoute struct {
	function   string
	authorizer string // "" when the route has none
}

// templateRoutes reads every HttpApi route of template.yaml, and the API's
// default authorizer.
func templateRoutes(t *testing.T) (map[string]templateRoute, string) {
	t.Helper()
	b, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// CloudFormation's short tags (!Ref, !Sub) decode as their plain
	// values; only the structure matters here.
	var doc struct {
		Resources map[string]struct {
			Type       string `yaml:"Type"`
			Properties struct {
				Auth struct {
					DefaultAuthorizer string `yaml:"DefaultAuthorizer"`
				} `yaml:"Auth"`
				Events map[string]struct {
					Type       string `yaml:"Type"`
					Properties struct {
						Method string `yaml:"Method"`
						Path   string `yaml:"Path"`
						Auth   struct {
							Authorizer string `yaml:"Authorizer"`
						} `yaml:"Auth"`
					} `yaml:"Properties"`
				} `yaml:"Events"`
			} `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	routes := map[string]templateRoute{}
	var defaultAuthorizer string
	for name, res := range doc.Resources {
		if res.Type == "AWS::Serverless::HttpApi" {
			defaultAuthorizer = res.Properties.Auth.DefaultAuthorizer
		}
		for _, ev := range res.Properties.Events {
			if ev.Type != "HttpApi" {
				continue
			}
			key := strings.ToUpper(ev.Properties.Method) + " " + ev.Properties.Path
			if prior, ok := routes[key]; ok {
				t.Errorf("%s routed twice: %s and %s", key, prior.function, name)
			}
			routes[key] = templateRoute{function: name, authorizer: ev.Properties.Auth.Authorizer}
		}
	}
	return routes, defaultAuthorizer
}

// everything is the API with every service present, so it lists every
// route the functions serve between them.
func everything() *httpapi.API {
	return &httpapi.API{
		Partners: &partner.Service{},
		Events:   &event.Service{},
		Contact:  &contact.Service{},
		Admin: &httpapi.Admin{
			Partners: &partner.Service{},
			Audit:    audit.Store(nil),
			Privacy:  &privacy.Service{},
			Roster:   &event.Roster{},
			Messages: &contact.Service{},
			Outbox:   &outbox.Admin{},
			Events:   &event.Service{},
		},
	}
}

// TestTemplateAuthorizesExactlyTheAdminRoutes: every admin route goes to the
// admin function behind the coordinators' JWT authorizer; no public route
// has an authorizer; and the template routes exactly what the HTTP layer
// serves, no more, no less.
func TestTemplateAuthorizesExactlyTheAdminRoutes(t *testing.T) {
	routes, defaultAuthorizer := templateRoutes(t)
	if defaultAuthorizer != "" && defaultAuthorizer != "NONE" {
		t.Errorf("DefaultAuthorizer %q: the public routes must stay open", defaultAuthorizer)
	}
	var admin int
	for key, r := range routes {
		_, path, _ := strings.Cut(key, " ")
		if strings.HasPrefix(path, "/admin/") || path == "/admin" {
			admin++
			if r.authorizer != "CoordinatorAuthorizer" {
				t.Errorf("%s: authorizer %q, want CoordinatorAuthorizer", key, r.authorizer)
			}
			if r.function != "AdminFunction" {
				t.Errorf("%s: served by %s, want AdminFunction", key, r.function)
			}
			continue
		}
		if r.authorizer != "" && r.authorizer != "NONE" {
			t.Errorf("public %s: authorizer %q, want none", key, r.authorizer)
		}
		if strings.HasPrefix(path, "/console") {
			// The console's pages: no data in them, the login happens in them.
			if r.function != "AdminFunction" {
				t.Errorf("%s: served by %s, want AdminFunction", key, r.function)
			}
			continue
		}
		if r.function == "AdminFunction" {
			t.Errorf("public %s is served by the admin function", key)
		}
	}
	if admin == 0 {
		t.Error("no admin routes in template.yaml")
	}

	served := everything().Routes()
	for _, key := range served {
		if _, ok := routes[key]; !ok {
			t.Errorf("%s is served but not routed in template.yaml", key)
		}
	}
	for key := range routes {
		if !slices.Contains(served, key) {
			t.Errorf("%s is routed in template.yaml but no handler serves it", key)
		}
	}
}

// TestTemplateLeastPrivilege: no statement in template.yaml grants a
// wildcard action or a wildcard resource; every right to send mail is
// bound to the sender address; the stream consumer has a role of its own
// (SAM's managed policy would read every stream in the account).
func TestTemplateLeastPrivilege(t *testing.T) {
	b, err := os.ReadFile("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resources map[string]struct {
			Type       string         `yaml:"Type"`
			Properties map[string]any `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var statements int
	var walk func(where string, v any)
	walk = func(where string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if actions, ok := v["Action"]; ok && v["Effect"] == "Allow" {
				statements++
				list := fmt.Sprint(actions)
				if strings.Contains(list, "*") {
					t.Errorf("%s: wildcard action %s", where, list)
				}
				if r := fmt.Sprint(v["Resource"]); r == "*" || r == "[*]" {
					t.Errorf("%s: actions %s on every resource", where, list)
				}
				if strings.Contains(list, "ses:Send") && !strings.Contains(fmt.Sprint(v["Condition"]), "ses:FromAddress") {
					t.Errorf("%s: %s without the ses:FromAddress condition", where, list)
				}
			}
			for k, x := range v {
				walk(where+"."+k, x)
			}
		case []any:
			for i, x := range v {
				walk(fmt.Sprintf("%s[%d]", where, i), x)
			}
		}
	}
	for name, res := range doc.Resources {
		walk(name, res.Properties)
		if res.Type == "AWS::Serverless::Function" {
			if _, stream := res.Properties["Events"].(map[string]any)["Outbox"]; stream && res.Properties["Role"] == nil {
				t.Errorf("%s reads the stream with SAM's managed policy", name)
			}
		}
	}
	if statements < 10 {
		t.Errorf("%d statements found: the walk missed the policies", statements)
	}
}
