// Package auth says who a coordinator is. API Gateway's JWT authorizer
// verifies tokens in AWS and hands the claims on; package apigw puts them in
// the request's context, and Gateway reads them there. The local server
// verifies tokens itself (package jwtauth). Either way the handlers see a
// Coordinator, and refuse anyone outside the coordinators' group.
package auth

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
)

// Group is the Cognito group whose members run the network.
const Group = "coordinators"

// Coordinator is who acts on the admin API. Name is what the audit trail
// records: the coordinator's address, or the user name or subject where the
// token carries no address.
type Coordinator struct {
	Subject string
	Name    string
}

// Authenticator finds the coordinator behind a request.
type Authenticator interface {
	// Authenticate returns ErrUnauthenticated without valid credentials,
	// ErrForbidden for a valid token outside the group.
	Authenticate(r *http.Request) (Coordinator, error)
}

var (
	ErrUnauthenticated = errors.New("auth: no valid token")
	ErrForbidden       = errors.New("auth: not a coordinator")
)

type claimsKey struct{}

// WithClaims stores the claims an authorizer verified.
func WithClaims(ctx context.Context, claims map[string]string) context.Context {
	return context.WithValue(ctx, claimsKey{}, claims)
}

// Gateway trusts the claims API Gateway's JWT authorizer verified: signature,
// issuer, audience and expiry are checked before the function runs. It still
// checks the group, so a route left without the authorizer by mistake
// serves nobody.
type Gateway struct{}

func (Gateway) Authenticate(r *http.Request) (Coordinator, error) {
	claims, _ := r.Context().Value(claimsKey{}).(map[string]string)
	if claims["sub"] == "" {
		return Coordinator{}, ErrUnauthenticated
	}
	return FromClaims(claims)
}

// FromClaims checks the group claim and names the coordinator.
func FromClaims(claims map[string]string) (Coordinator, error) {
	if !slices.Contains(Groups(claims["cognito:groups"]), Group) {
		return Coordinator{}, ErrForbidden
	}
	c := Coordinator{Subject: claims["sub"]}
	for _, k := range []string{"email", "username", "cognito:username", "sub"} {
		if v := claims[k]; v != "" {
			c.Name = v
			break
		}
	}
	return c, nil
}

// Groups reads a groups claim. HTTP API flattens a JSON array claim into one
// string, "[coordinators admins]"; a real array arrives as JSON text in some
// integrations, and a single group as itself. All three are read.
func Groups(claim string) []string {
	claim = strings.TrimSpace(claim)
	claim = strings.TrimPrefix(claim, "[")
	claim = strings.TrimSuffix(claim, "]")
	return strings.FieldsFunc(claim, func(r rune) bool {
		return r == ' ' || r == ',' || r == '"'
	})
}

type coordinatorKey struct{}

// With stores the authenticated coordinator for the handlers.
func With(ctx context.Context, c Coordinator) context.Context {
	return context.WithValue(ctx, coordinatorKey{}, c)
}

// From is the coordinator With stored; ok is false outside admin routes.
func From(ctx context.Context) (Coordinator, bool) {
	c, ok := ctx.Value(coordinatorKey{}).(Coordinator)
	return c, ok
}
