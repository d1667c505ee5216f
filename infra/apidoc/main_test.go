package main

import (
	"os"
	"strings"
	"testing"

	"github.com/wartburgkreis/netzwerk/shared/httpapi"
)

// TestReadmeIsCurrent: the README's API section is what the OpenAPI
// document says.
func TestReadmeIsCurrent(t *testing.T) {
	doc, err := httpapi.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	section, err := render(doc)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := replaceSection(readme, section)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(readme); got != string(want) {
		gotLines, wantLines := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gotLines), len(wantLines)) {
			if gotLines[i] != wantLines[i] {
				t.Fatalf("README.md's API section is out of date: run `go run ./infra/apidoc` (make api-doc).\nline %d is\n  %s\nwant\n  %s", i+1, gotLines[i], wantLines[i])
			}
		}
		t.Fatalf("README.md's API section is out of date: run `go run ./infra/apidoc` (make api-doc)")
	}
	for _, route := range []string{"`POST /partners`", "`GET /admin/partners?status=&network=`", "`GET /openapi.json`"} {
		if !strings.Contains(section, route) {
			t.Errorf("the section has no row for %s", route)
		}
	}
}

// TestRenderRules: what a row shows of an operation.
func TestRenderRules(t *testing.T) {
	const doc = `{
	  "tags": [{"name": "public", "description": "Public intro."}, {"name": "admin", "description": "Admin intro."}],
	  "paths": {
	    "/things": {
	      "post": {
	        "parameters": [{"name": "dryRun", "in": "query"}, {"$ref": "#/components/parameters/locale"}],
	        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
	        "responses": {
	          "201": {"description": "` + "`{\\\"id\\\"}`" + `"},
	          "200": {"description": "the same | again"},
	          "303": {"$ref": "#/components/responses/SeeOther"},
	          "400": {"$ref": "#/components/responses/Problem"},
	          "409": {"$ref": "#/components/responses/Problem", "description": "when taken"},
	          "410": {"description": "gone for good"}
	        }
	      }
	    },
	    "/admin/things": {
	      "get": {
	        "parameters": [{"$ref": "#/components/parameters/cursor"}, {"$ref": "#/components/parameters/kind"}],
	        "responses": {"200": {"description": "a page"}}
	      }
	    }
	  },
	  "components": {
	    "parameters": {
	      "cursor": {"name": "cursor", "in": "query"},
	      "locale": {"name": "locale", "in": "query"},
	      "kind": {"name": "kind", "in": "query"}
	    },
	    "schemas": {
	      "Tags": {"type": "array", "items": {"type": "string"}},
	      "Thing": {
	        "type": "object",
	        "required": ["name", "tags", "consent"],
	        "properties": {
	          "name": {"type": "string"},
	          "tags": {"$ref": "#/components/schemas/Tags"},
	          "aliases": {"type": "array"},
	          "consent": {"const": true},
	          "note": {"type": "string"}
	        }
	      }
	    }
	  }
	}`
	got, err := render([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Public intro.\n\n| method, path | body | success |\n|---|---|---|\n",
		"| `POST /things?dryRun=` | `name`, `tags` [], `aliases` []?, `consent` (true), `note`? | 201 `{\"id\"}`; 200 the same \\| again; 409 when taken; 410 gone for good |\n",
		"\n## Admin API\n\nAdmin intro.\n\n",
		"| `GET /admin/things?kind=` | – | 200 a page |\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("rendered\n%s\nwant it to contain\n%s", got, want)
		}
	}
}

func TestReplaceSection(t *testing.T) {
	got, err := replaceSection([]byte("# T\n\n<!-- api:begin -->\nold\n<!-- api:end -->\n\nrest\n"), "new\n")
	if want := "# T\n\n<!-- api:begin -->\nnew\n<!-- api:end -->\n\nrest\n"; err != nil || string(got) != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	if _, err := replaceSection([]byte("# no markers\n"), "new\n"); err == nil {
		t.Error("no error without markers")
	}
}
