// Package apigw runs an http.Handler behind API Gateway's HTTP API (payload
// format 2.0), so Lambda and the local server share one HTTP layer.
package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/wartburgkreis/netzwerk/shared/auth"
)

// RequestIDHeader receives API Gateway's request id, so log lines and the
// answer name the same request.
const RequestIDHeader = "X-Request-Id"

// Handler adapts h to the Lambda handler signature.
func Handler(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		r, err := Request(ctx, e)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{
				StatusCode: http.StatusBadRequest,
				Headers:    map[string]string{"Content-Type": "application/problem+json"},
				Body:       `{"type":"about:blank","title":"Bad Request","status":400,"code":"malformed"}`,
			}, nil
		}
		w := &responseWriter{header: http.Header{}}
		h.ServeHTTP(w, r)
		if w.status == 0 {
			w.status = http.StatusOK
		}
		return Response(w.status, w.header, w.body.Bytes()), nil
	}
}

// responseWriter collects a response for API Gateway, which takes it whole.
type responseWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

// Request turns an API Gateway event into an http.Request.
func Request(ctx context.Context, e events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	body := []byte(e.Body)
	if e.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(e.Body)
		if err != nil {
			return nil, err
		}
		body = b
	}
	u := url.URL{Path: e.RawPath, RawQuery: e.RawQueryString}
	if u.Path == "" {
		u.Path = e.RequestContext.HTTP.Path
	}
	if a := e.RequestContext.Authorizer; a != nil && a.JWT != nil {
		// Verified by the route's JWT authorizer before the function ran.
		ctx = auth.WithClaims(ctx, a.JWT.Claims)
	}
	r, err := http.NewRequestWithContext(ctx, e.RequestContext.HTTP.Method, u.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range e.Headers {
		r.Header.Set(k, v)
	}
	// HTTP API joins repeated cookies into the Cookies list, not the headers.
	if len(e.Cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(e.Cookies, "; "))
	}
	r.Header.Set(RequestIDHeader, e.RequestContext.RequestID)
	r.Host = e.RequestContext.DomainName
	r.RemoteAddr = e.RequestContext.HTTP.SourceIP
	r.ContentLength = int64(len(body))
	return r, nil
}

// Response builds the event API Gateway expects. Text stays text; anything
// else is base64, as HTTP API requires for binary bodies.
func Response(status int, h http.Header, body []byte) events.APIGatewayV2HTTPResponse {
	out := events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: map[string]string{}}
	for k, v := range h {
		if strings.EqualFold(k, "Set-Cookie") {
			out.Cookies = append(out.Cookies, v...)
			continue
		}
		out.Headers[k] = strings.Join(v, ", ")
	}
	if utf8.Valid(body) {
		out.Body = string(body)
	} else {
		out.Body = base64.StdEncoding.EncodeToString(body)
		out.IsBase64Encoded = true
	}
	return out
}
