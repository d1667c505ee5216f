package testenv

import (
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/wartburgkreis/netzwerk/shared/awsenv"
)

// FakeAWS is a TLS endpoint on loopback for every AWS service: it answers
// GET / as DynamoDB does and every call with an empty JSON object, and
// counts the connections and requests it gets, which shows whether a
// client's request went over a connection opened before.
type FakeAWS struct {
	*httptest.Server
	conns, requests atomic.Int64
}

// NewFakeAWS starts one for t.
func NewFakeAWS(t testing.TB) *FakeAWS {
	t.Helper()
	f := &FakeAWS{}
	f.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		if r.Method == http.MethodGet && r.URL.Path == "/" {
			_, _ = w.Write([]byte("healthy: " + r.Host))
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte("{}"))
	}))
	f.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			f.conns.Add(1)
		}
	}
	f.StartTLS()
	t.Cleanup(f.Close)
	return f
}

// Conns is how many connections f has accepted.
func (f *FakeAWS) Conns() int { return int(f.conns.Load()) }

// Requests is how many requests f has answered.
func (f *FakeAWS) Requests() int { return int(f.requests.Load()) }

// AWSConfig is the functions' configuration with every service at f, its
// HTTP client trusting f's certificate.
func (f *FakeAWS) AWSConfig(t testing.TB) aws.Config {
	t.Helper()
	env := map[string]string{
		"AWS_REGION": "eu-central-1", "AWS_ACCESS_KEY_ID": "testenv", "AWS_SECRET_ACCESS_KEY": "testenv", "AWS_ENDPOINT_URL": f.URL,
	}
	cfg, err := awsenv.Config(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(f.Certificate())
	cfg.HTTPClient = awsenv.HTTPClient().WithTransportOptions(func(tr *http.Transport) { tr.TLSClientConfig.RootCAs = roots }).Freeze()
	return cfg
}
