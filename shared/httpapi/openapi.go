package httpapi

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"sync"
)

// openapiFiles are the parts of the OpenAPI document: base.json holds the
// frame and what every part shares, each other file the paths and
// components of one part of the API, so parts written apart merge without
// editing one big file.
//
//go:embed openapi/*.json
var openapiFiles embed.FS

// OpenAPI returns the OpenAPI 3.1 document of the whole API, merged from
// its parts on first use rather than at init: a cold start that serves a
// form should not pay for it.
var OpenAPI = sync.OnceValues(func() ([]byte, error) {
	sub, err := fs.Sub(openapiFiles, "openapi")
	if err != nil {
		return nil, err
	}
	return mergeOpenAPI(sub)
})

func (a *API) openAPI(w http.ResponseWriter, r *http.Request) {
	doc, err := OpenAPI()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "public, max-age=3600")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(doc)
}

// openapiDocument is the frame base.json gives, in the order people expect
// to read it.
type openapiDocument struct {
	OpenAPI         json.RawMessage `json:"openapi"`
	Info            json.RawMessage `json:"info"`
	Servers         json.RawMessage `json:"servers"`
	openapiFragment                 // tags, paths, components
}

// openapiFragment is what a part contributes. Path items and components are
// kept as raw JSON, so each keeps the order its author wrote.
type openapiFragment struct {
	Tags       []json.RawMessage                     `json:"tags,omitempty"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components map[string]map[string]json.RawMessage `json:"components,omitempty"`
}

// mergeOpenAPI merges base.json and every other *.json of fsys (in name
// order). Two parts that define the same method of a path, the same
// component or the same tag are an error naming both files: a silent
// overwrite would document one part's route with another's shapes.
func mergeOpenAPI(fsys fs.FS) ([]byte, error) {
	var doc openapiDocument
	if err := readStrict(fsys, "base.json", &doc); err != nil {
		return nil, err
	}
	base := doc.openapiFragment
	doc.openapiFragment = openapiFragment{
		Paths:      map[string]map[string]json.RawMessage{},
		Components: map[string]map[string]json.RawMessage{},
	}
	owner := map[string]string{} // what was defined -> the file that did
	claim := func(file, what string) error {
		if prior, ok := owner[what]; ok {
			return fmt.Errorf("openapi/%s: %s is defined in %s too", file, what, prior)
		}
		owner[what] = file
		return nil
	}
	add := func(file string, f openapiFragment) error {
		for _, raw := range f.Tags {
			var tag struct{ Name string }
			if err := json.Unmarshal(raw, &tag); err != nil {
				return fmt.Errorf("openapi/%s: tag: %w", file, err)
			}
			if err := claim(file, "tag "+tag.Name); err != nil {
				return err
			}
			doc.Tags = append(doc.Tags, raw)
		}
		for p, item := range f.Paths {
			if doc.Paths[p] == nil {
				doc.Paths[p] = map[string]json.RawMessage{}
			}
			for key, raw := range item {
				if err := claim(file, strings.ToUpper(key)+" "+p); err != nil {
					return err
				}
				doc.Paths[p][key] = raw
			}
		}
		for kind, named := range f.Components {
			if doc.Components[kind] == nil {
				doc.Components[kind] = map[string]json.RawMessage{}
			}
			for name, raw := range named {
				if err := claim(file, "#/components/"+kind+"/"+name); err != nil {
					return err
				}
				doc.Components[kind][name] = raw
			}
		}
		return nil
	}
	if err := add("base.json", base); err != nil {
		return nil, err
	}
	files, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	for _, file := range files {
		if file == "base.json" {
			continue
		}
		var f openapiFragment
		if err := readStrict(fsys, file, &f); err != nil {
			return nil, err
		}
		if err := add(file, f); err != nil {
			return nil, err
		}
	}
	return json.Marshal(doc)
}

// readStrict decodes one file, refusing keys the merge would drop.
func readStrict(fsys fs.FS, file string, dst any) error {
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("openapi/%s: %w", file, err)
	}
	return nil
}
