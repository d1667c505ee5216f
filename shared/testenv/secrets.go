package testenv

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// SecretsManager is a local stand-in for AWS Secrets Manager that answers
// GetSecretValue (AWS JSON 1.1, as the SDK speaks it) from a fixed map, so
// a function under test reads its key the way it does in AWS.
type SecretsManager struct {
	Endpoint string
	// ARN names the secret that holds TestHashKey.
	ARN   string
	calls atomic.Int64
}

// NewSecretsManager starts the stand-in with the test key under ARN.
func NewSecretsManager(t testing.TB) *SecretsManager {
	t.Helper()
	sm := &SecretsManager{ARN: "arn:aws:secretsmanager:eu-central-1:123456789012:secret:HashKeySecret-Test01"}
	secrets := map[string]string{sm.ARN: TestHashKey}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sm.calls.Add(1)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		var in struct{ SecretId string }
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" || json.NewDecoder(r.Body).Decode(&in) != nil {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"InvalidRequestException","message":"only GetSecretValue"}`))
			return
		}
		value, ok := secrets[in.SecretId]
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"ARN": in.SecretId, "Name": "HashKeySecret", "SecretString": value,
			"VersionId": "00000000-0000-4000-8000-000000000001", "VersionStages": []string{"AWSCURRENT"},
		})
	}))
	t.Cleanup(srv.Close)
	sm.Endpoint = srv.URL
	return sm
}

// Calls is how many requests the stand-in answered.
func (sm *SecretsManager) Calls() int { return int(sm.calls.Load()) }

// FunctionEnv is the environment every function gets in a deployment-
// shaped test: the table on db, the key from a Secrets Manager stand-in,
// the demo configuration and JSON logs; extra adds or overrides entries.
func FunctionEnv(t testing.TB, db *DynamoDB, extra map[string]string) map[string]string {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	sm := NewSecretsManager(t)
	env := map[string]string{
		"TABLE_NAME":                       db.Table,
		"HASH_KEY_SECRET_ARN":              sm.ARN,
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": sm.Endpoint,
		"NETWORK_CONFIG":                   root + "/infra/config/wartburgkreis.json",
		"AWS_ENDPOINT_URL_DYNAMODB":        db.Endpoint,
		"AWS_LAMBDA_LOG_FORMAT":            "JSON",
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}
