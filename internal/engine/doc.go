// Package engine is the one attempt loop under retry.Do and retryhttp's
// Transport: when to stop, how long to wait, the budget protocol, events, the
// specification's log line and the timer. Each integration is a thin adapter
// that makes one attempt, classifies its result, and drives a Loop:
//
//	var l engine.Loop
//	l.MaxAttempts, l.Base, ... = policy
//	l.Begin(ctx)
//	defer l.Finish()
//	for {
//		v, err := attempt(ctx)
//		switch l.End(engine.Result{...}) {
//		case engine.Done: // success, or a result not to retry: return it
//		case engine.Stop: // gave up: l.Err(), l.Cause()
//		case engine.Wait: // the retry is granted, not yet announced:
//			// a concurrency limit with no room: l.Limited(err); a retry
//			// that cannot be made: l.Abandon(err); else discard v, then:
//			if l.Wait() == engine.Stop { ... }
//		}
//	}
//
// An attempt that a concurrency limit refuses before it is sent is reported
// with l.Limited in place of End. Wait announces the retry (OnRetry, the
// event, the log line), so a retry stopped between End and Wait never is.
//
// The package is internal: its shape changes as the budget, the limiter and
// tracing plug into it, and retry.Do already serves integrations whose attempt
// returns only an error (a gRPC unary interceptor, say). Its types are neutral
// (no import of package retry, which imports it); the adapters turn its
// events and errors into retry's public types.
//
// A Loop lives on its adapter's stack. It allocates nothing until it gives up
// (the adapter's error value), and arms no timer for a delay under MinTimer.
package engine
