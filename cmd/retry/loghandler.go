package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
)

// lineHandler is a slog.Handler that writes only the message of each Warn
// record, one per line. With retry.Logger that is exactly the
// specification's retry line,
//
//	[Retry 1/2] ./deploy.sh (delay: 1034ms, reason: exit status 3)
//
// The core's give-up record (level Error) is left out: retry run reports
// the give-up itself, with the exit status. A lineHandler is safe for
// concurrent use.
type lineHandler struct {
	mu *sync.Mutex
	w  io.Writer
}

func newLineHandler(w io.Writer) lineHandler { return lineHandler{mu: new(sync.Mutex), w: w} }

func (h lineHandler) Enabled(_ context.Context, l slog.Level) bool { return l == slog.LevelWarn }

func (h lineHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, r.Message+"\n")
	return err
}

func (h lineHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h lineHandler) WithGroup(string) slog.Handler      { return h }
