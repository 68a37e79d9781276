// Package limit is an adaptive client-side concurrency limit: it bounds
// how many calls to one dependency are in flight at once, and learns that
// bound from the dependency's latency and from its overload signals, so
// that an overloaded dependency keeps doing useful work instead of serving a
// queue of requests whose callers have already given up.
//
// A Limiter admits a call while fewer than Limit calls are in flight and
// rejects the rest at once with ErrLimited, which declares itself not
// retryable, so that the retry loop of package retry and retryhttp's
// Transport do not retry it. The caller reports each admitted call's end on
// its Permit:
//
//	p, err := l.Acquire(ctx)
//	if err != nil {
//		return err // matches limit.ErrLimited
//	}
//	resp, err := call(ctx)
//	switch {
//	case timedOut(err):
//		p.Done(limit.Overloaded)
//	case err != nil: // resp is nil
//		p.Done(limit.Failed)
//	case resp.StatusCode == 429, resp.StatusCode == 503:
//		p.Done(limit.Overloaded)
//	default:
//		p.Done(limit.OK)
//	}
//
// How the limit moves (see New for the defaults):
//
//   - Latency, in the family of TCP Vegas and Netflix's Gradient2: the
//     latencies of successful calls are averaged over a window of time; the
//     lowest window average seen lately is the no-load latency. When a
//     window's average is more than Tolerance times it, calls are queueing
//     at the dependency and the limit shrinks in proportion (by at most half
//     a window); otherwise it grows by about its square root per window, but
//     only while the calls in flight use at least half of it (a caller that
//     is not using its limit learns nothing by raising it).
//   - Overload, as in AIMD: a call reported Overloaded (a timeout, a 429 or
//     503) cuts the limit at once by Backoff, at most once for the calls
//     admitted since the previous cut, as TCP halves its window at most
//     once per round trip.
//
// With the Queue option, a call that finds the limit full waits, in turn,
// a bounded time for a slot instead of being refused at once. It is off by
// default: in bench/'s overload scenario it changed the goodput through the
// overload little (324/s without, 333/s with Queue(20, 5ms), one run each)
// and did not recover what the limit costs at 0.8 of capacity.
//
// Composition: put a breaker (package breaker) outside the limit, so that
// an open breaker rejects before a permit is taken, and the retry loop
// outside both; retryhttp's Limit option puts a limiter per host in front
// of each attempt.
package limit
