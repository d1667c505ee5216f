package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/contact"
	"github.com/wartburgkreis/netzwerk/shared/event"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/partner"
)

// API holds what the handlers need. A nil service leaves its routes out, so
// each Lambda function serves only its own part.
type API struct {
	Config   *network.Config
	Partners *partner.Service
	Events   *event.Service
	Contact  *contact.Service
	// Admin adds the coordinators' routes under /admin.
	Admin *Admin
	// Login is how the console, served beside the admin routes, logs in.
	Login Login
	// RateLimit, if set, bounds the public POST routes per client.
	RateLimit *RateLimit
	Log       *slog.Logger
	Now       func() time.Time
}

// Handler returns the API with logging and panic recovery around it.
func (a *API) Handler() http.Handler { return a.middleware(a.router()) }

// Routes lists the routes a's services serve, as "METHOD /pattern", for
// checks against template.yaml and the OpenAPI document.
func (a *API) Routes() []string {
	rt := a.router()
	out := make([]string, len(rt.routes))
	for i, r := range rt.routes {
		out[i] = r.method + " " + r.pattern
	}
	return out
}

func (a *API) router() *router {
	rt := &router{fail: a.fail}
	rt.handle(http.MethodGet, "/health", a.health)
	rt.handle(http.MethodGet, "/openapi.json", a.openAPI)
	rt.handle(http.MethodGet, "/options", a.options)
	rt.handle(http.MethodGet, "/thanks/{page}", a.thanks)
	if a.Partners != nil {
		rt.handle(http.MethodGet, "/forms/partner", a.partnerFormPage)
		rt.handle(http.MethodGet, "/forms/form.js", a.formScriptFile)
		rt.handle(http.MethodPost, "/partners", a.limited(a.registerPartner))
		rt.handle(http.MethodGet, "/partners", a.listPartners)
		rt.handle(http.MethodGet, "/partners/confirm", a.confirmPartnerPage)
		rt.handle(http.MethodPost, "/partners/confirm", a.limited(a.confirmPartner))
	}
	if a.Contact != nil {
		rt.handle(http.MethodGet, "/forms/contact", a.contactFormPage)
		rt.handle(http.MethodPost, "/contact", a.limited(a.submitContact))
	}
	if a.Events != nil {
		rt.handle(http.MethodGet, "/forms/events", a.eventsPage)
		rt.handle(http.MethodGet, "/forms/events/{id}", a.eventFormPage)
		rt.handle(http.MethodGet, "/events", a.listEvents)
		rt.handle(http.MethodGet, "/events.ics", a.eventsFeed)
		rt.handle(http.MethodGet, "/events/{id}", a.getEvent)
		rt.handle(http.MethodPost, "/events/{id}/registrations", a.limited(a.register))
		rt.handle(http.MethodGet, "/registrations/cancel", a.cancelPage)
		rt.handle(http.MethodPost, "/registrations/cancel", a.limited(a.cancel))
	}
	if a.Admin != nil {
		a.adminRoutes(rt)
		a.consoleRoutes(rt)
	}
	return rt
}

// recorder remembers what the log line needs.
type recorder struct {
	http.ResponseWriter
	status int
	route  string
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

type requestIDKey struct{}

// RequestIDHeader carries the request id; package apigw sets it from the
// API Gateway request, the local server leaves it to us.
const RequestIDHeader = "X-Request-Id"

func requestID(r *http.Request) string { return r.Header.Get(RequestIDHeader) }

// middleware logs one line per request, with no personal data: the route
// pattern instead of the path, no query (tokens live there), no body.
func (a *API) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := a.Now()
		if !plainRequestID(requestID(r)) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			r.Header.Set(RequestIDHeader, hex.EncodeToString(b[:]))
		}
		w.Header().Set(RequestIDHeader, requestID(r))
		r = r.WithContext(context.WithValue(r.Context(), stateKey{}, &reqState{}))
		rec := &recorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				a.log(r).ErrorContext(r.Context(), "panic", "panic", v, "route", rec.route)
				if rec.status == 0 {
					http.Error(rec, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
				}
			}
			a.log(r).InfoContext(r.Context(), "request", "method", r.Method, "route", rec.route, "status", rec.status,
				"ms", a.Now().Sub(start).Milliseconds())
		}()
		next.ServeHTTP(rec, r)
	})
}

// plainRequestID reports a request id fit for logs and headers: short,
// letters, digits and a few separators. Anything else a client sent (a
// log-injection attempt, a megabyte) is replaced by an id of our own.
func plainRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range []byte(id) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func (a *API) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}
