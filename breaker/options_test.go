package breaker_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nop-platform/retry/breaker"
)

func TestInvalidOptions(t *testing.T) {
	tests := []struct {
		give breaker.Option
		want string
	}{
		{breaker.FailureThreshold(0), "FailureThreshold(0)"},
		{breaker.FailureThreshold(1 << 31), "FailureThreshold(2147483648)"},
		{breaker.RecoveryTimeout(-time.Second), "RecoveryTimeout(-1s)"},
		{breaker.IsFailure(nil), "IsFailure(nil)"},
		{breaker.Shared(nil), "Shared(nil)"},
		{breaker.OnStateChange(nil), "OnStateChange(nil)"},
		{breaker.FailureRate(0, time.Second, 1), "rate must be"},
		{breaker.FailureRate(1.5, time.Second, 1), "rate must be"},
		{breaker.FailureRate(0.5, time.Millisecond, 1), "window must be"},
		{breaker.FailureRate(0.5, time.Second, 0), "minCalls must be"},
		{breaker.SlowCall(-1), "SlowCall(-1ns)"},
		{breaker.MaxProbes(0), "MaxProbes(0)"},
		{breaker.SuccessThreshold(0), "SuccessThreshold(0)"},
		{breaker.Option{}, "the zero Option"},
		{breaker.Shared(&breaker.MemoryStore{}), "Shared needs a Name"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			err := breaker.Validate(breaker.Name(""), tt.give)
			if !errors.Is(err, breaker.ErrInvalidOption) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want ErrInvalidOption naming %q", err, tt.want)
			}
			defer func() {
				r := recover()
				if perr, ok := r.(error); !ok || perr.Error() != err.Error() {
					t.Fatalf("New panicked with %v, want %v", r, err)
				}
			}()
			breaker.New(tt.give)
			t.Fatal("New did not panic")
		})
	}
}

func TestValidOptions(t *testing.T) {
	opts := []breaker.Option{
		breaker.FailureThreshold(1), breaker.RecoveryTimeout(0), breaker.Name("x"),
		breaker.Shared(&breaker.MemoryStore{}), breaker.FailureRate(1, 10*time.Millisecond, 1),
		breaker.SlowCall(0), breaker.MaxProbes(3), breaker.SuccessThreshold(5),
		breaker.IsFailure(func(error) bool { return true }),
		breaker.OnStateChange(func(string, breaker.State, breaker.State) {}),
	}
	if err := breaker.Validate(opts...); err != nil {
		t.Fatal(err)
	}
	if b := breaker.New(opts...); b.Name() != "x" || b.State() != breaker.Closed {
		t.Fatalf("New: name %q, state %v", b.Name(), b.State())
	}
}
