// Package listing pages through long lists: a request names how many items
// it wants and where the last page ended, with an opaque cursor that the
// storage adapter alone knows how to read.
package listing

import (
	"errors"
	"strconv"

	"github.com/wartburgkreis/netzwerk/shared/apperr"
)

// Limits of one page.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Query is one page request.
type Query struct {
	Cursor string // empty for the first page
	Limit  int
}

// Page is one page of items; Next is the cursor of the page after it, empty
// on the last one.
type Page[T any] struct {
	Items []T
	Next  string
}

// ErrCursor means a cursor that no page of this list ever handed out.
var ErrCursor = errors.New("listing: invalid cursor")

// Err is a listing's failure as the application speaks it: a cursor no
// page handed out is the caller's mistake (naming the field), anything else
// trouble with storage.
func Err(err error) error {
	if errors.Is(err, ErrCursor) {
		var f apperr.Fields
		f.Add("cursor", "invalid", "")
		return &apperr.Error{Code: apperr.Malformed, Message: "problem.cursor", Fields: f, Err: err}
	}
	return apperr.OrUnavailable(err)
}

// ErrLimit means a limit that is not a number from 1 to MaxLimit.
var ErrLimit = errors.New("listing: invalid limit")

// Parse reads the cursor and limit parameters; an empty limit is the default.
func Parse(cursor, limit string) (Query, error) {
	q := Query{Cursor: cursor, Limit: DefaultLimit}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > MaxLimit {
			return q, ErrLimit
		}
		q.Limit = n
	}
	return q, nil
}
