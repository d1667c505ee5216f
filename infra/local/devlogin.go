package main

import (
	"encoding/json"
	"net/http"

	"github.com/wartburgkreis/netzwerk/shared/auth"
	"github.com/wartburgkreis/netzwerk/shared/auth/jwtauth"
)

// devLoginPath is the development login the console offers on a
// developer's machine in place of Cognito's managed login. Only the local
// server has it: no Lambda function routes it, and the admin function's
// console names no development login.
const devLoginPath = "/_dev/login"

// devLogin answers as Cognito's token endpoint does, with a coordinator
// token for the demo coordinator, to whoever asks: the local server
// listens on loopback and holds demo data.
func devLogin(v *jwtauth.Verifier) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, err := v.Issue(demoCoordinator, auth.Group)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token": token, "token_type": "Bearer", "expires_in": int(jwtauth.TokenLifetime.Seconds()),
		})
	}
}
