package retry

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// logRetry writes the specification's line for retry n of m.
func logRetry(ctx context.Context, l *slog.Logger, name string, n, m int, delay time.Duration, err error) {
	if !l.Enabled(ctx, slog.LevelWarn) {
		return
	}
	l.LogAttrs(ctx, slog.LevelWarn,
		fmt.Sprintf("[Retry %d/%d] %s (delay: %dms, reason: %v)", n, m, name, delay.Milliseconds(), err),
		slog.String("op", name),
		slog.Int("retry", n),
		slog.Int("max_retries", m),
		slog.Duration("delay", delay),
		slog.Any("error", err),
	)
}

// logGiveUp writes the record for a give-up.
func logGiveUp(ctx context.Context, l *slog.Logger, name string, e *Error) {
	if !l.Enabled(ctx, slog.LevelError) {
		return
	}
	attrs := []slog.Attr{
		slog.String("op", name),
		slog.Int("attempts", e.Attempts),
		slog.Any("error", e.Last()),
	}
	if e.Cause != nil {
		attrs = append(attrs, slog.Any("cause", e.Cause))
	}
	l.LogAttrs(ctx, slog.LevelError, fmt.Sprintf("[Retry] %s: %v", name, e), attrs...)
}

// logRefusal writes one record when the budget that refused a retry says
// its refusals are due a report (at most once per its Window).
func logRefusal(ctx context.Context, l *slog.Logger, name string, b Budget) {
	r, ok := b.(refuser)
	if !ok {
		return
	}
	reason, report := r.Refusal()
	if !report || !l.Enabled(ctx, slog.LevelWarn) {
		return
	}
	l.LogAttrs(ctx, slog.LevelWarn, fmt.Sprintf("[Retry] retry budget for %s is throttling retries: %s", name, reason),
		slog.String("op", name), slog.String("reason", reason))
}
