package limit

import "errors"

// ErrLimited is the error of a call that the limit refused: too many calls
// in flight. It has a Retryable() bool method that returns false, so that
// package retry and retryhttp do not retry it: retrying at once a call the
// limit refused would only add load. Match it with errors.Is.
var ErrLimited error = limitedError{}

// ErrInvalidOption is matched by the error New returns for an invalid
// option.
var ErrInvalidOption = errors.New("limit: invalid option")

type limitedError struct{}

func (limitedError) Error() string   { return "limit: concurrency limit reached" }
func (limitedError) Retryable() bool { return false }
