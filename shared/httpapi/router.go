// Package httpapi is the one HTTP layer: the Lambda functions (through
// package apigw) and the local server serve the same handlers, so what is
// tested locally is what runs on AWS.
package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strings"
)

// router matches "METHOD /path/{param}" patterns. It exists instead of
// http.ServeMux because 404 and 405 must be problem documents, and ServeMux
// writes its own plain-text bodies for those.
type router struct {
	routes []route
	fail   func(w http.ResponseWriter, r *http.Request, err error)
}

type route struct {
	method  string
	pattern string
	parts   []string
	handler http.HandlerFunc
}

func (rt *router) handle(method, pattern string, h http.HandlerFunc) {
	rt.routes = append(rt.routes, route{method: method, pattern: pattern, parts: split(pattern), handler: h})
}

// split cuts a path into its segments. A trailing slash leaves an empty
// last segment, so "/partners/" matches no route: 404 before anything is
// read or stored, rather than a second spelling of every route.
func split(path string) []string { return strings.Split(strings.TrimPrefix(path, "/"), "/") }

func (r route) match(req *http.Request, parts []string) bool {
	if len(parts) != len(r.parts) {
		return false
	}
	for i, p := range r.parts {
		if strings.HasPrefix(p, "{") {
			if parts[i] == "" {
				return false
			}
			continue
		}
		if p != parts[i] {
			return false
		}
	}
	return true
}

func (rt *router) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	parts := split(req.URL.Path)
	var allowed []string
	for _, r := range rt.routes {
		if !r.match(req, parts) {
			continue
		}
		if r.method != req.Method && !(r.method == http.MethodGet && req.Method == http.MethodHead) {
			allowed = append(allowed, r.method)
			continue
		}
		for i, p := range r.parts {
			if strings.HasPrefix(p, "{") {
				req.SetPathValue(strings.Trim(p, "{}"), parts[i])
			}
		}
		route := r.method + " " + r.pattern
		if rec, ok := w.(*recorder); ok {
			rec.route = route
		}
		r.handler(w, req.WithContext(context.WithValue(req.Context(), routeKey{}, route)))
		return
	}
	if len(allowed) > 0 {
		slices.Sort(allowed)
		w.Header().Set("Allow", strings.Join(slices.Compact(allowed), ", "))
		rt.fail(w, req, errMethod)
		return
	}
	rt.fail(w, req, errNoRoute)
}

type routeKey struct{}

// Route is the route ("METHOD /pattern") a request's context was served
// by, "" outside one. Tests attribute storage calls to routes with it.
func Route(ctx context.Context) string {
	r, _ := ctx.Value(routeKey{}).(string)
	return r
}
