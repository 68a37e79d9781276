// Package backoff holds pure delay strategies: given the number of a retry,
// how long to wait before it.
//
// Every strategy is a plain value struct with no hidden state, so one value
// is safe for concurrent use by any number of goroutines, maps directly to
// flags and config files, and never overflows: retry 10,000 of an
// exponential strategy waits Max, never a negative or zero delay.
//
// Exponential is the NOP specification's formula and the one most callers
// want:
//
//	delay(n) = min(Base*2^(n-1) + U(0, Jitter*Base*2^(n-1)), Max)
//
// FullJitter, EqualJitter and Decorrelated are the three jitter schemes of
// the AWS Architecture Blog's "Exponential Backoff And Jitter"; Constant is a
// fixed delay with the same additive jitter.
//
// Randomness comes from math/rand/v2. Each strategy also has a Pick method,
// the same formula as a pure function of a uniform random number u in
// [0, 1), for tests and for tools that plot delay ranges.
package backoff
