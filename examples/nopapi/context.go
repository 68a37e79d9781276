package nopapi

import (
	"context"

	"github.com/nop-platform/retry/retryhttp"
)

type retryKey struct{}

// WithRetry returns a context that makes the calls made with it use opts,
// over the client's (the specification's withRetry), for instance
//
//	ctx = nopapi.WithRetry(ctx, retryhttp.MaxRetries(5), retryhttp.BaseDelay(2*time.Second))
//	stats, err := c.DashboardStats(ctx)
//
// Only retryhttp's policy options may be given (MaxRetries, BaseDelay,
// MaxDelay, Jitter, Condition, Statuses, Idempotent, AttemptTimeout); an
// invalid one makes the calls fail, unsent, with an error matching
// retry.ErrInvalidOption. WithRetry on a context that has options adds to
// them, the later winning. Login ignores Idempotent.
func WithRetry(ctx context.Context, opts ...retryhttp.Option) context.Context {
	prev := retryOptions(ctx)
	return context.WithValue(ctx, retryKey{}, append(prev[:len(prev):len(prev)], opts...))
}

func retryOptions(ctx context.Context) []retryhttp.Option {
	opts, _ := ctx.Value(retryKey{}).([]retryhttp.Option)
	return opts
}
