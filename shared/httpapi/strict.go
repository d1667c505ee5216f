package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
)

// maxDepth bounds how deeply a JSON body may nest: no form needs more than
// a few levels, and a deep body only costs.
const maxDepth = 8

// malformedField is a 400 naming the field that cannot be read.
func malformedField(field, code string) error {
	var f apperr.Fields
	f.Add(field, code, "")
	return &apperr.Error{Code: apperr.Malformed, Message: "problem.malformed", Fields: f}
}

// checkJSON reads a body once before it is decoded: it must be UTF-8 (the
// decoder would quietly replace bad bytes), no object may repeat a key
// (`"consent":false,"consent":true` would mean whatever the last one says),
// and it may nest at most maxDepth levels.
func checkJSON(body []byte) error {
	if !utf8.Valid(body) {
		return malformedField("body", "not_utf8")
	}
	type frame struct {
		object  bool
		wantKey bool
		keys    map[string]bool
	}
	var stack []*frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return apperr.Wrap(apperr.Malformed, "problem.malformed", err)
		}
		top := (*frame)(nil)
		if n := len(stack); n > 0 {
			top = stack[n-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if top != nil && top.object {
					top.wantKey = false
				}
				if len(stack) == maxDepth {
					return malformedField("body", "too_deep")
				}
				stack = append(stack, &frame{object: t == '{', wantKey: t == '{', keys: map[string]bool{}})
			case '}', ']':
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			if top != nil && top.object && top.wantKey {
				if top.keys[t] {
					return malformedField(t, "duplicate_key")
				}
				top.keys[t] = true
				top.wantKey = false
				continue
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

// exactKeys drops the object keys that do not name a field of t exactly.
// encoding/json matches keys without regard to case, so "CONSENT" would
// fill consent; here it is an unknown field, and unknown fields are
// ignored.
func exactKeys(v any, t reflect.Type) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return v
		}
		out := make(map[string]any, len(obj))
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if val, ok := obj[name]; ok {
				out[name] = exactKeys(val, f.Type)
			}
		}
		return out
	case reflect.Slice, reflect.Array:
		list, ok := v.([]any)
		if !ok {
			return v
		}
		for i := range list {
			list[i] = exactKeys(list[i], t.Elem())
		}
		return list
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return v
		}
		for k, val := range obj {
			obj[k] = exactKeys(val, t.Elem())
		}
		return obj
	}
	return v
}
