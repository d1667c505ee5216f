// Package apperr holds the one error type the application speaks in. Domain
// code returns it; the HTTP layer alone turns its code into a status and an
// RFC 9457 body, so every user-facing failure has one safe message.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an error for the caller; the HTTP layer maps it to a status.
type Code string

const (
	Invalid         Code = "invalid"         // 422: field errors
	Malformed       Code = "malformed"       // 400: the body or a parameter cannot be read
	Unauthenticated Code = "unauthenticated" // 401: no valid token
	Forbidden       Code = "forbidden"       // 403: a valid token without the right
	NotFound        Code = "not_found"       // 404
	Conflict        Code = "conflict"        // 409: the current state forbids it
	Gone            Code = "gone"            // 410: an expired token
	RateLimited     Code = "rate_limited"    // 429: too many requests from one client
	Unavailable     Code = "unavailable"     // 503: storage down or contended
	Internal        Code = "internal"        // 503 as well: never leak details, never 500
)

// FieldError names one problem with one input field. Code is stable for
// programs; Message is for people and filled in by the HTTP layer in the
// reader's language.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is an application error with a message that is safe to show.
type Error struct {
	Code Code
	// Message is a key of package i18n, so the HTTP layer can say it in the
	// reader's language.
	Message    string
	Fields     []FieldError
	RetryAfter time.Duration // for Unavailable
	Err        error         // the cause, for logs only
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code and a safe message.
func New(code Code, message string) *Error {
	return &Error{Code: code, Message: message}
}

// Wrap keeps cause for the logs while showing only message to the caller.
func Wrap(code Code, message string, cause error) *Error {
	return &Error{Code: code, Message: message, Err: cause}
}

// CodeOf reports the code of err, Internal for errors that are not ours.
func CodeOf(err error) Code {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return Internal
}

// Fields collects field errors while parsing a request, so the caller hears
// about every problem at once.
type Fields []FieldError

// Add records a problem with field.
func (f *Fields) Add(field, code, message string) {
	*f = append(*f, FieldError{Field: field, Code: code, Message: message})
}

// Err returns an Invalid error carrying the collected problems, or nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Message: "problem.invalid", Fields: f}
}

// OrUnavailable passes application errors through and turns anything else
// (a storage failure) into Unavailable, keeping it as the cause for the log.
func OrUnavailable(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*Error](err); ok {
		return err
	}
	return Wrap(Unavailable, "problem.unavailable", err)
}
