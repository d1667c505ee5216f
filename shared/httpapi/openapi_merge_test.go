package httpapi

import (
	"encoding/json"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// TestOpenAPIPartsMerge: the embedded parts merge, and the document holds
// every path and component of every part.
func TestOpenAPIPartsMerge(t *testing.T) {
	b, err := OpenAPI()
	if err != nil {
		t.Fatalf("the parts of the OpenAPI document do not merge: %v", err)
	}
	var doc openapiFragment
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	files, err := fs.Glob(openapiFiles, "openapi/*.json")
	if err != nil || len(files) < 3 {
		t.Fatalf("parts %v (%v): want base, public and admin at least", files, err)
	}
	for _, file := range files {
		var part openapiFragment
		raw, _ := openapiFiles.ReadFile(file)
		if err := json.Unmarshal(raw, &part); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for p, item := range part.Paths {
			for method := range item {
				if doc.Paths[p][method] == nil {
					t.Errorf("%s: %s %s is missing from the document", file, method, p)
				}
			}
		}
		for kind, named := range part.Components {
			for name := range named {
				if doc.Components[kind][name] == nil {
					t.Errorf("%s: component %s/%s is missing from the document", file, kind, name)
				}
			}
		}
	}
}

// TestOpenAPIMergeRefusesClashes: two parts that define the same thing
// are an error naming both, never a silent overwrite.
func TestOpenAPIMergeRefusesClashes(t *testing.T) {
	const base = `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"servers":[{"url":"/"}],
		"tags":[{"name":"public"}],"paths":{},"components":{"schemas":{"Problem":{"type":"object"}}}}`
	tests := []struct {
		name  string
		files map[string]string
		want  string // in the error; "" for none
	}{
		{"two methods of one path", map[string]string{
			"a.json": `{"paths":{"/admin/x":{"get":{}}}}`,
			"b.json": `{"paths":{"/admin/x":{"post":{}}}}`,
		}, ""},
		{"one method twice", map[string]string{
			"a.json": `{"paths":{"/admin/x":{"get":{}}}}`,
			"b.json": `{"paths":{"/admin/x":{"get":{}}}}`,
		}, "openapi/b.json: GET /admin/x is defined in a.json too"},
		{"a schema twice", map[string]string{
			"a.json": `{"paths":{},"components":{"schemas":{"Thing":{}}}}`,
			"b.json": `{"paths":{},"components":{"schemas":{"Thing":{}}}}`,
		}, "#/components/schemas/Thing is defined in a.json too"},
		{"a base component again", map[string]string{
			"a.json": `{"paths":{},"components":{"schemas":{"Problem":{}}}}`,
		}, "openapi/a.json: #/components/schemas/Problem is defined in base.json too"},
		{"a response twice", map[string]string{
			"a.json": `{"paths":{},"components":{"responses":{"Gone":{}}}}`,
			"b.json": `{"paths":{},"components":{"responses":{"Gone":{}}}}`,
		}, "#/components/responses/Gone"},
		{"a tag twice", map[string]string{
			"a.json": `{"tags":[{"name":"public"}],"paths":{}}`,
		}, "tag public is defined in base.json too"},
		{"a key the merge would drop", map[string]string{
			"a.json": `{"paths":{},"security":[]}`,
		}, `openapi/a.json: json: unknown field "security"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"base.json": {Data: []byte(base)}}
			for name, data := range tt.files {
				fsys[name] = &fstest.MapFile{Data: []byte(data)}
			}
			_, err := mergeOpenAPI(fsys)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
}
