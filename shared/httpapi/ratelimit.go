package httpapi

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/secret"
)

// RateStore counts requests in fixed windows.
type RateStore interface {
	// CountRequest counts one request of client in the window starting at
	// window, unless max were counted already (false then).
	CountRequest(ctx context.Context, client string, window time.Time, max int) (bool, error)
}

// RateLimit bounds the public POST routes per client address. Zero
// PerMinute switches it off.
type RateLimit struct {
	Store     RateStore
	PerMinute int
	// Client turns a client address into the key it is counted under: a
	// keyed hash, so the table holds no addresses.
	Client func(addr string) string
}

// NewRateLimit is the limit as every deployment sets it: clients counted
// under a keyed hash of their address.
func NewRateLimit(store RateStore, keys *secret.Keys, perMinute int) *RateLimit {
	return &RateLimit{Store: store, PerMinute: perMinute, Client: func(addr string) string { return keys.Hash("client", addr) }}
}

// limited wraps a public POST route in the rate limit: 429 with
// Retry-After once a client has used up the minute. Storage trouble lets
// requests through: the limit protects the service, it must not take it
// down.
func (a *API) limited(next http.HandlerFunc) http.HandlerFunc {
	rl := a.RateLimit
	if rl == nil || rl.PerMinute <= 0 {
		return next
	}
	return func(w http.ResponseWriter, r *http.Request) {
		now := a.Now()
		window := now.Truncate(time.Minute)
		ok, err := rl.Store.CountRequest(r.Context(), rl.Client(clientAddr(r)), window, rl.PerMinute)
		if err != nil {
			a.log(r).ErrorContext(r.Context(), "rate limit unavailable", "err", err)
		} else if !ok {
			wait := window.Add(time.Minute).Sub(now)
			a.fail(w, r, &apperr.Error{Code: apperr.RateLimited, Message: "problem.rate_limited", RetryAfter: wait})
			return
		}
		next(w, r)
	}
}

// clientAddr is the address a request came from: API Gateway's source IP
// in Lambda, the peer locally.
func clientAddr(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// retrySeconds is a Retry-After value: whole seconds, at least one.
func retrySeconds(d time.Duration) string {
	return strconv.Itoa(max(int((d+time.Second-1)/time.Second), 1))
}
