package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
)

// signalError is the cause of a context that notifyContext canceled: the
// signal that arrived, and the channel on which later ones still arrive.
type signalError struct {
	sig  os.Signal
	more <-chan os.Signal
}

func (e signalError) Error() string { return "got " + signalName(e.sig) }

// notifyContext is signal.NotifyContext with the signal kept as the
// context's cause, so that retry run can forward it to the child and exit
// 128+n. The signals stay caught after the first, so that retry is not
// killed while its child still runs: later ones arrive on the channel that
// laterSignals returns, and retry run answers them by killing the child.
// stop releases everything and waits for the watching goroutine.
func notifyContext(parent context.Context, sigs ...os.Signal) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, sigs...)
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case s := <-ch:
			cancel(signalError{sig: s, more: ch})
		case <-quit:
		}
	}()
	return ctx, func() {
		close(quit)
		<-done
		signal.Stop(ch)
		cancel(nil)
	}
}

// signalOf returns the signal that canceled ctx, if one did.
func signalOf(ctx context.Context) (os.Signal, bool) {
	var se signalError
	if errors.As(context.Cause(ctx), &se) {
		return se.sig, true
	}
	return nil, false
}

// laterSignals returns the channel on which the signals after the one that
// canceled ctx arrive, or nil when no signal canceled it.
func laterSignals(ctx context.Context) <-chan os.Signal {
	var se signalError
	if errors.As(context.Cause(ctx), &se) {
		return se.more
	}
	return nil
}

// signalStatus is the shell's exit status for death by sig: 128+n.
func signalStatus(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return 128 + int(syscall.SIGTERM)
}

// signalName returns "SIGINT" and "SIGTERM" for the signals retry catches,
// and the system's description of any other.
func signalName(sig os.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}
