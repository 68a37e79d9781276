package engine

import (
	"context"
	"log/slog"
	"strconv"
	"time"
)

// Retry describes a scheduled retry for the log record.
type Retry struct {
	N, M  int           // retry N of M
	Delay time.Duration // the wait before it
	Err   error         // the failure retried
}

// WriteRetry writes the specification's line for a retry at level Warn,
//
//	[Retry 1/3] GET /api/v1/assets/ (delay: 1234ms, reason: Network Error)
//
// with attrs. It is the one place that writes that line. Control characters
// in subject and reason are escaped (a newline becomes \n), so that no
// error text or path can forge a second record in a line-based log.
func WriteRetry(ctx context.Context, l *slog.Logger, subject string, r Retry, reason string, attrs ...slog.Attr) {
	l.LogAttrs(ctx, slog.LevelWarn, Line(r.N, r.M, subject, r.Delay, reason), attrs...)
}

// Line returns the specification's line for retry n of m.
func Line(n, m int, subject string, delay time.Duration, reason string) string {
	b := make([]byte, 0, 48+len(subject)+len(reason))
	b = append(b, "[Retry "...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(m), 10)
	b = append(b, "] "...)
	b = appendClean(b, subject)
	b = append(b, " (delay: "...)
	b = strconv.AppendInt(b, delay.Milliseconds(), 10)
	b = append(b, "ms, reason: "...)
	b = appendClean(b, reason)
	b = append(b, ')')
	return string(b)
}

// appendClean appends s with its control characters escaped as in a Go
// string literal.
func appendClean(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != 0x7f {
			b = append(b, c)
			continue
		}
		switch c {
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			const hex = "0123456789abcdef"
			b = append(b, '\\', 'x', hex[c>>4], hex[c&0xf])
		}
	}
	return b
}

// logRetry logs the retry that End granted and Wait announces.
func (l *Loop) logRetry() {
	if l.Logger == nil || !l.Logger.Enabled(l.ctx, slog.LevelWarn) {
		return
	}
	r := Retry{N: l.attempt, M: l.MaxAttempts - 1, Delay: l.delay, Err: l.last}
	if l.LogRetry != nil {
		l.LogRetry(l.ctx, l.Logger, l.Arg, r)
		return
	}
	WriteRetry(l.ctx, l.Logger, l.Name, r, r.Err.Error(),
		slog.String("op", l.Name),
		slog.Int("retry", r.N),
		slog.Int("max_retries", r.M),
		slog.Duration("delay", r.Delay),
		slog.Any("error", r.Err),
	)
}

// logRefusal writes one record when the budget starts refusing retries, and
// again at most once per window while it goes on (the budget says when).
func (l *Loop) logRefusal() {
	if l.Logger == nil || !l.Logger.Enabled(l.ctx, slog.LevelWarn) {
		return
	}
	reason, report := l.refusal()
	if !report {
		return
	}
	name := l.BudgetName
	if name == "" {
		name = l.Name
	}
	l.Logger.LogAttrs(l.ctx, slog.LevelWarn,
		"retry budget for "+name+" is throttling retries: "+reason,
		slog.String("budget", name), slog.String("reason", reason))
}

// logGiveUp writes the record for a give-up at level Error.
func logGiveUp(ctx context.Context, l *slog.Logger, name string, attempts int, err, last, cause error) {
	if !l.Enabled(ctx, slog.LevelError) {
		return
	}
	attrs := []slog.Attr{
		slog.String("op", name),
		slog.Int("attempts", attempts),
		slog.Any("error", last),
	}
	if cause != nil {
		attrs = append(attrs, slog.Any("cause", cause))
	}
	msg := appendClean(make([]byte, 0, 64), "[Retry] "+name+": "+err.Error())
	l.LogAttrs(ctx, slog.LevelError, string(msg), attrs...)
}
