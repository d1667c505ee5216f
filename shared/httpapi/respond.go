package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/i18n"
)

// wantsHTML: a plain form post, or a client that prefers text/html over
// JSON (a browser following a link), gets pages; everyone else JSON.
func wantsHTML(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/admin/") {
		// The coordinators' API answers JSON only; its pages are the console's.
		return false
	}
	if strings.HasPrefix(r.URL.Path, "/forms/") || strings.HasPrefix(r.URL.Path, "/console") {
		return true
	}
	q := acceptQ(r)
	if isForm(r) {
		// The forms' script posts the form as it is and asks for JSON, so
		// it can show the problems in place.
		return max(q("application/json"), q("application/problem+json")) <= q("text/html")
	}
	html, js := q("text/html"), max(q("application/json"), q("application/problem+json"), q("*/*"))
	return html > js
}

// acceptQ reads the Accept header: the quality it gives a media type, -1
// for one it does not name.
func acceptQ(r *http.Request) func(mediaType string) float64 {
	qs := map[string]float64{}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if prior, ok := qs[mt]; !ok || q > prior {
			qs[mt] = q
		}
	}
	return func(mt string) float64 {
		if q, ok := qs[mt]; ok {
			return q
		}
		return -1
	}
}

// locale of a request: an explicit choice (the body's locale field, which
// decode remembers, or ?locale=), else Accept-Language, else German.
func locale(r *http.Request, explicit string) string {
	if explicit == "" {
		if st, ok := r.Context().Value(stateKey{}).(*reqState); ok {
			explicit = st.locale
		}
	}
	if explicit == "" {
		// ?lang= is what the language switcher sets; ?locale= what links
		// in mails and thank-you redirects carry.
		explicit = r.URL.Query().Get("lang")
	}
	if explicit == "" {
		explicit = r.URL.Query().Get("locale")
	}
	return i18n.Negotiate(explicit, r.Header.Get("Accept-Language"))
}

// reqState is what decoding learns about a request that answers given
// later need: the locale the body asked for, so an error found after
// decoding still speaks the person's language, and whether a bot filled
// in the honeypot field.
type reqState struct {
	locale  string
	trapped bool
	// form is the hosted form a failed post shows again, with values,
	// what a form post sent.
	form   formKind
	values url.Values
}

type stateKey struct{}

func state(r *http.Request) *reqState {
	if st, ok := r.Context().Value(stateKey{}).(*reqState); ok {
		return st
	}
	return &reqState{}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v) // the client went away; nothing left to tell it
}

// problem is an RFC 9457 problem document.
type problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail"`
	Code   string              `json:"code"`
	Errors []apperr.FieldError `json:"errors,omitempty"`
}

// retryAfter is what a 503 or 429 asks clients to wait.
const retryAfter = 2 * time.Second

// toProblem maps any error to a status and a document in the reader's
// language. Errors that are not ours are logged by the caller and shown as
// a generic 503: details never leave the server.
func toProblem(err error, loc string) problem {
	var p problem
	var e *apperr.Error
	switch {
	case errors.Is(err, errTooLarge):
		p = problem{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Detail: "problem.too_large"}
	case errors.Is(err, errMediaType):
		p = problem{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Detail: "problem.unsupported_media_type"}
	case errors.Is(err, errMethod):
		p = problem{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed", Detail: "problem.method_not_allowed"}
	case errors.Is(err, errNoRoute):
		p = problem{Status: http.StatusNotFound, Code: "not_found", Detail: "problem.not_found"}
	case errors.As(err, &e):
		p = problem{Code: string(e.Code), Detail: e.Message}
		switch e.Code {
		case apperr.Invalid:
			p.Status = http.StatusUnprocessableEntity
		case apperr.Malformed:
			p.Status = http.StatusBadRequest
		case apperr.Unauthenticated:
			p.Status = http.StatusUnauthorized
		case apperr.Forbidden:
			p.Status = http.StatusForbidden
		case apperr.NotFound:
			p.Status = http.StatusNotFound
		case apperr.Conflict:
			p.Status = http.StatusConflict
		case apperr.Gone:
			p.Status = http.StatusGone
		case apperr.RateLimited:
			p.Status = http.StatusTooManyRequests
		default:
			p.Status, p.Code, p.Detail = http.StatusServiceUnavailable, string(apperr.Unavailable), "problem.unavailable"
		}
		for _, fe := range e.Fields {
			fe.Message = i18n.T(loc, "error."+fe.Code)
			p.Errors = append(p.Errors, fe)
		}
	default:
		p = problem{Status: http.StatusServiceUnavailable, Code: string(apperr.Unavailable), Detail: "problem.unavailable"}
	}
	p.Type = "about:blank"
	p.Title = http.StatusText(p.Status)
	p.Detail = i18n.T(loc, p.Detail)
	return p
}

// fail answers with err: a problem document, or a page for people.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	loc := locale(r, "")
	p := toProblem(err, loc)
	switch p.Status {
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds())))
		a.log(r).ErrorContext(r.Context(), "request failed", "err", err)
	case http.StatusTooManyRequests:
		wait := retryAfter
		if e, ok := errors.AsType[*apperr.Error](err); ok && e.RetryAfter > 0 {
			wait = e.RetryAfter
		}
		w.Header().Set("Retry-After", retrySeconds(wait))
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="netzwerk-admin"`)
	}
	if st := state(r); wantsHTML(r) && st.form != noForm && p.Status == http.StatusUnprocessableEntity {
		a.showForm(w, r, st.form, p.Status, st.values, p.Errors)
		return
	}
	if wantsHTML(r) {
		// The title says what went wrong, as the heading does: it is what
		// a screen reader announces first and what the browser tab shows.
		title := i18n.T(loc, "page.error.title")
		if len(p.Errors) > 0 {
			title = i18n.T(loc, "page.problems.title")
		}
		a.page(w, r, p.Status, problemBody, pageData{Locale: loc, Title: title, Problem: &p, Here: formPage(r, state(r).form)})
		return
	}
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func (a *API) log(r *http.Request) *slog.Logger {
	return a.Log.With("apiRequestId", requestID(r))
}
