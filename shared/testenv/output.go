package testenv

import (
	"bytes"
	"sync"
)

// Output collects what a process or a server writes from its own
// goroutines, for a test to read at any time (a failure message, a check
// that logs hold no personal data).
type Output struct {
	// Limit, if positive, keeps only the last Limit bytes.
	Limit int

	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	if extra := o.buf.Len() - o.Limit; o.Limit > 0 && extra > 0 {
		o.buf.Next(extra)
	}
	return len(p), nil
}

func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}
