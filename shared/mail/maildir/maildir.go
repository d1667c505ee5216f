// Package maildir is a mail.Sender for local development and tests: instead
// of sending, it drops every message as an .eml file into a directory,
// where a developer can open it with any mail client.
package maildir

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/wartburgkreis/netzwerk/shared/mail"
)

// timeLayout has a fixed width (nanoseconds always nine digits, always UTC)
// so that file names sort lexically in the order the mails were written.
const timeLayout = "20060102T150405.000000000Z"

// Sender writes envelopes to a directory. It is safe for concurrent use.
type Sender struct {
	dir string
	// now is replaceable so tests can control the file name's timestamp.
	now func() time.Time
}

var _ mail.Sender = (*Sender)(nil)

// New returns a Sender writing into dir, which is created on first use.
func New(dir string) *Sender {
	return &Sender{dir: dir, now: time.Now}
}

// Send writes e.Data, exactly as rendered, to dir/<UTC time>-<random>.eml.
// The file appears atomically: it is written under a temporary name in the
// same directory (so the rename stays on one file system) and renamed only
// once complete, so a watcher never sees a half-written message. The
// temporary name does not end in .eml for the same reason.
//
// The envelope's From and To are not stored; the headers inside the message
// carry the same information for a reader.
func (s *Sender) Send(ctx context.Context, e mail.Envelope) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	// Mails hold personal data: keep them readable by the owner only.
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("maildir: %w", err)
	}
	var random [8]byte
	if _, err := rand.Read(random[:]); err != nil {
		return fmt.Errorf("maildir: %w", err)
	}
	name := s.now().UTC().Format(timeLayout) + "-" + hex.EncodeToString(random[:]) + ".eml"

	tmp, err := os.CreateTemp(s.dir, ".tmp-*.part")
	if err != nil {
		return fmt.Errorf("maildir: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, removeIfExists(tmp.Name()))
		}
	}()
	if _, err := tmp.Write(e.Data); err != nil {
		tmp.Close()
		return fmt.Errorf("maildir: %w", err)
	}
	// Sync before rename so that a crash cannot leave a complete-looking
	// name pointing at empty content.
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("maildir: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("maildir: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(s.dir, name)); err != nil {
		return fmt.Errorf("maildir: %w", err)
	}
	return nil
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("maildir: removing temporary file: %w", err)
	}
	return nil
}
