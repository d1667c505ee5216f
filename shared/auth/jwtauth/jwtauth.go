// Package jwtauth issues and verifies HS256 coordinator tokens for the local
// server, where no API Gateway stands in front. It is never linked into a
// Lambda function: there the authorizer has verified the token already.
package jwtauth

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/wartburgkreis/netzwerk/shared/auth"
)

// Issuer and Audience of local tokens, checked like Cognito's would be.
const (
	Issuer   = "netzwerk-local"
	Audience = "netzwerk-admin"
)

// TokenLifetime is how long an issued token works: a working day.
const TokenLifetime = 8 * time.Hour

// Verifier checks tokens signed with one shared secret.
type Verifier struct {
	Secret []byte
	Now    func() time.Time
}

var _ auth.Authenticator = (*Verifier)(nil)

type claims struct {
	jwt.RegisteredClaims
	Email  string   `json:"email,omitempty"`
	Groups []string `json:"cognito:groups,omitempty"`
}

// Issue signs a token for email, as a member of the given groups.
func (v *Verifier) Issue(email string, groups ...string) (string, error) {
	now := v.Now()
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   "local:" + email,
			Audience:  jwt.ClaimStrings{Audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(TokenLifetime)),
		},
		Email:  email,
		Groups: groups,
	}).SignedString(v.Secret)
}

// Authenticate verifies the bearer token: signature (HS256 only), issuer,
// audience, expiry, then the group.
func (v *Verifier) Authenticate(r *http.Request) (auth.Coordinator, error) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return auth.Coordinator{}, auth.ErrUnauthenticated
	}
	var c claims
	_, err := jwt.ParseWithClaims(strings.TrimSpace(token), &c, func(*jwt.Token) (any, error) { return v.Secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(v.Now),
	)
	if err != nil {
		return auth.Coordinator{}, errors.Join(auth.ErrUnauthenticated, err)
	}
	return auth.FromClaims(map[string]string{
		"sub":            c.Subject,
		"email":          c.Email,
		"cognito:groups": "[" + strings.Join(c.Groups, " ") + "]",
	})
}
