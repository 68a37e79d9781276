// Package retry calls a function again when it fails with a transient error:
// the retry helper of NOP, the network operations platform.
//
// Most callers want Do or DoValue:
//
//	err := retry.Do(ctx, func(ctx context.Context) error {
//		return ping(ctx, host)
//	}, retry.MaxAttempts(5), retry.On(ErrConn, ErrTimeout))
//
// With no options Do makes at most 3 calls, waiting about 1s and then 2s
// between them (exponential backoff from 1s, capped at 60s, plus up to 30%
// random jitter): the defaults of the NOP specification's environment block,
// which FromEnv reads.
//
// What Do returns:
//
//   - nil as soon as a call succeeds;
//   - the call's own error, unchanged, when it is not worth retrying: it was
//     wrapped by Permanent, a condition given with On or If rejected it, or the
//     error declares itself not retryable (an error with a Retryable() bool
//     method that returns false, such as an open circuit breaker's);
//   - an *Error when Do gave up on an error that was still retryable: the
//     attempts ran out, the context ended, the next delay would pass the
//     context's deadline (ErrDeadline), or a retry budget refused the retry
//     (ErrBudgetExhausted). The *Error
//     holds every attempt's error and errors.Is and errors.As reach all of
//     them, and the context's error too.
//
// Errors can steer Do through two methods, found in the error tree with
// errors.As (the first error that has the method decides): Retryable() bool (false: never retry, whatever On and If
// say) and RetryAfter() time.Duration (wait at least this long before
// the next attempt, capped by MaxDelay).
//
// Do never retries after the caller's own context is done, stops a wait the
// moment it is, and never starts a wait that would pass its deadline. A panic
// in the function propagates to the caller and is not retried. Do starts no
// goroutines, and when the first call succeeds it allocates nothing (unless
// MaxTime or AttemptTimeout ask it to build a context).
package retry
