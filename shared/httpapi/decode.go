package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
)

// MaxBody is the largest request body accepted.
const MaxBody = 64 << 10

var (
	errTooLarge  = errors.New("body too large")
	errMediaType = errors.New("unsupported media type")
	errMethod    = errors.New("method not allowed")
	errNoRoute   = errors.New("no such route")
)

const (
	typeJSON      = "application/json"
	typeForm      = "application/x-www-form-urlencoded"
	typeMultipart = "multipart/form-data"
)

func mediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

// isForm reports a plain HTML form post, which browsers send URL-encoded or
// as multipart: it gets pages, not JSON.
func isForm(r *http.Request) bool {
	mt := mediaType(r)
	return mt == typeForm || mt == typeMultipart
}

// maxParts bounds the fields of a multipart body; no form has more.
const maxParts = 100

// multipartValues reads a multipart/form-data body, text fields only, into
// values as a URL-encoded form would give them.
func multipartValues(r *http.Request, body []byte) (url.Values, error) {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return nil, apperr.New(apperr.Malformed, "problem.malformed")
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	values := url.Values{}
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return values, nil
		}
		if err != nil || n == maxParts {
			return nil, apperr.Wrap(apperr.Malformed, "problem.malformed", err)
		}
		name := part.FormName()
		if part.FileName() != "" {
			return nil, malformedField(name, "file")
		}
		v, err := io.ReadAll(part)
		if err != nil {
			return nil, apperr.Wrap(apperr.Malformed, "problem.malformed", err)
		}
		values.Add(name, string(v))
	}
}

// decode reads a JSON or form body into dst, a pointer to a struct whose
// json tags name the fields. Strings take a form's first value, string
// slices all values (a list repeats its key) and bools a checkbox's "on".
func decode(w http.ResponseWriter, r *http.Request, dst any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	switch mediaType(r) {
	case typeJSON:
		err = decodeJSON(body, dst)
		var hp struct {
			Homepage any `json:"homepage"`
		}
		if json.Unmarshal(body, &hp) == nil && hp.Homepage != nil && hp.Homepage != "" && hp.Homepage != false {
			state(r).trapped = true
		}
	case typeForm:
		values, perr := url.ParseQuery(string(body))
		if perr != nil {
			return apperr.Wrap(apperr.Malformed, "problem.malformed", perr)
		}
		err = decodeForm(values, dst)
		state(r).trapped = values.Get(honeypot) != ""
		state(r).values = values
	case typeMultipart:
		values, perr := multipartValues(r, body)
		if perr != nil {
			return perr
		}
		err = decodeForm(values, dst)
		state(r).trapped = values.Get(honeypot) != ""
		state(r).values = values
	default:
		return errMediaType
	}
	rememberLocale(r, dst)
	return err
}

// honeypot is the form field people never see and bots fill in.
const honeypot = "homepage"

// trapped reports a request whose honeypot field was filled in: it gets
// the normal success answer, and nothing is stored or mailed.
func trapped(r *http.Request) bool { return state(r).trapped }

// readBody reads a body of at most MaxBody bytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return nil, errTooLarge
	}
	if err != nil {
		return nil, apperr.Wrap(apperr.Malformed, "problem.malformed", err)
	}
	return body, nil
}

// rememberLocale keeps the body's locale field for the error path.
func rememberLocale(r *http.Request, dst any) {
	v := reflect.ValueOf(dst).Elem()
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		if name == "locale" && v.Field(i).Kind() == reflect.String {
			state(r).locale = v.Field(i).String()
		}
	}
}

func decodeJSON(body []byte, dst any) error {
	if err := checkJSON(body); err != nil {
		return err
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // numbers pass through as written
	if err := dec.Decode(&doc); err != nil {
		return apperr.Wrap(apperr.Malformed, "problem.malformed", err)
	}
	if dec.More() {
		return apperr.New(apperr.Malformed, "problem.malformed")
	}
	exact, err := json.Marshal(exactKeys(doc, reflect.TypeOf(dst)))
	if err != nil {
		return apperr.Wrap(apperr.Malformed, "problem.malformed", err)
	}
	dec = json.NewDecoder(bytes.NewReader(exact))
	err = dec.Decode(dst)
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok && te.Field != "" {
		var f apperr.Fields
		f.Add(te.Field, "wrong_type", "")
		return f.Err()
	}
	if err != nil {
		return apperr.Wrap(apperr.Malformed, "problem.malformed", err)
	}
	return nil
}

func decodeForm(values url.Values, dst any) error {
	for k, vs := range values {
		if !utf8.ValidString(k) {
			return malformedField("body", "not_utf8")
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return malformedField(k, "not_utf8")
			}
		}
	}
	v := reflect.ValueOf(dst).Elem()
	t := v.Type()
	var f apperr.Fields
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		vals, ok := values[name]
		if name == "" || !ok {
			continue
		}
		field := v.Field(i)
		switch field.Kind() {
		case reflect.String:
			field.SetString(vals[0])
		case reflect.Slice:
			field.Set(reflect.ValueOf(vals))
		case reflect.Bool:
			on, ok := checkbox(vals[len(vals)-1])
			if !ok {
				f.Add(name, "wrong_type", "")
			}
			field.SetBool(on)
		}
	}
	return f.Err()
}

// checkbox reads a form's boolean: a ticked checkbox sends "on", scripts
// and hand-written forms send the other spellings.
func checkbox(v string) (on, ok bool) {
	switch strings.ToLower(v) {
	case "on", "true", "1", "yes":
		return true, true
	case "", "off", "false", "0", "no":
		return false, true
	}
	return false, false
}
