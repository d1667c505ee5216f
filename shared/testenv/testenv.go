package testenv

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
	"github.com/wartburgkreis/netzwerk/shared/network"
	"github.com/wartburgkreis/netzwerk/shared/secret"
)

// repoRoot is the nearest directory above the working directory (a test's
// package directory) that holds go.mod.
var repoRoot = sync.OnceValues(func() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
})

// Clock is a time source a test moves by hand, safe for the goroutines of
// the code under test.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time; pass it where code takes a func() time.Time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set puts the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Config is the shipped demo configuration, the one `make run` serves.
func Config(t testing.TB) *network.Config {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := network.Load(filepath.Join(root, "infra", "config", "wartburgkreis.json"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Keys derives the deployment keys from a fixed test key.
func Keys(t testing.TB) *secret.Keys {
	t.Helper()
	keys, err := secret.New([]byte(TestHashKey))
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// TestHashKey is the HASH_KEY of every test: fixed, so a token mailed by a
// Lambda under test opens with the test's own keys.
const TestHashKey = "netzwerk-test-hash-key-0123456789abcdef"

// Answer is an application error as its code and message, "" for no
// error: what a caller learns, so that two answers compare as equal only if
// nobody could tell them apart. Any other error fails the test.
func Answer(t testing.TB, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	ae, ok := errors.AsType[*apperr.Error](err)
	if !ok {
		t.Fatalf("%v, want an application error", err)
	}
	return string(ae.Code) + " " + ae.Message
}
