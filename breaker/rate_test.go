package breaker_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/nop-platform/retry/breaker"
)

func TestFailureRateNeedsMinCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.FailureRate(0.5, 10*time.Second, 10))
		do(b, 9, fail) // 100% but only 9 calls; no consecutive rule by default
		wantState(t, b, breaker.Closed)
		do(b, 1, fail)
		wantState(t, b, breaker.Open)
	})
}

func TestFailureRateCountsSuccesses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.FailureRate(0.5, 10*time.Second, 10))
		do(b, 10, succeed)
		do(b, 9, fail) // 9 of 19
		wantState(t, b, breaker.Closed)
		do(b, 1, fail) // 10 of 20
		wantState(t, b, breaker.Open)
	})
}

func TestFailureRateWindowSlides(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.FailureRate(0.5, 10*time.Second, 10))
		do(b, 9, fail)
		time.Sleep(11 * time.Second) // those 9 leave the window
		do(b, 1, fail)
		wantState(t, b, breaker.Closed)
		time.Sleep(5 * time.Second)
		do(b, 8, fail)
		wantState(t, b, breaker.Closed)
		do(b, 1, fail) // 10 within the last 10s
		wantState(t, b, breaker.Open)
	})
}

func TestFailureRateOldSuccessesExpire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.FailureRate(0.5, 10*time.Second, 4))
		do(b, 100, succeed)
		do(b, 1, fail) // the clock is read: the successes are placed now
		time.Sleep(11 * time.Second)
		do(b, 3, fail) // 3 of 3 in the window, below minCalls
		wantState(t, b, breaker.Closed)
		do(b, 1, fail)
		wantState(t, b, breaker.Open)
	})
}

func TestFailureRateWithThreshold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.FailureRate(0.5, 10*time.Second, 100), breaker.FailureThreshold(3))
		do(b, 2, fail)
		wantState(t, b, breaker.Closed)
		do(b, 1, fail) // the consecutive rule, given explicitly, still applies
		wantState(t, b, breaker.Open)
	})
}

func TestFailureRateResetsOnClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := breaker.New(breaker.FailureRate(0.5, time.Hour, 4), breaker.RecoveryTimeout(time.Second))
		do(b, 4, fail)
		wantState(t, b, breaker.Open)
		time.Sleep(time.Second)
		do(b, 1, succeed)
		wantState(t, b, breaker.Closed)
		do(b, 3, fail) // the old failures are forgotten
		wantState(t, b, breaker.Closed)
	})
}
