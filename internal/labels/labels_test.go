package labels

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/nop-platform/retry"
	"github.com/nop-platform/retry/limit"
)

func TestCauseOf(t *testing.T) {
	errX := errors.New("x")
	tests := []struct {
		err  error
		want string
	}{
		{&retry.Error{Attempts: 3}, "attempts"},
		{&retry.Error{Cause: retry.ErrDeadline}, "deadline"},
		{&retry.Error{Cause: context.DeadlineExceeded}, "deadline"},
		{&retry.Error{Cause: context.Canceled}, "canceled"},
		{&retry.Error{Cause: retry.ErrBudgetExhausted}, "budget"},
		{&retry.Error{Cause: fmt.Errorf("host: %w", limit.ErrLimited)}, "limited"},
		{&retry.Error{Cause: errX}, "other"},
		{fmt.Errorf("wrapped: %w", &retry.Error{Cause: context.Canceled}), "canceled"},
		{errX, "other"},
		{nil, "other"},
	}
	for _, tt := range tests {
		if got := CauseNames[CauseOf(tt.err)]; got != tt.want {
			t.Errorf("CauseOf(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}

func TestCodeOf(t *testing.T) {
	tests := []struct {
		resp *http.Response
		err  error
		want string
	}{
		{&http.Response{StatusCode: 101}, nil, "1xx"},
		{&http.Response{StatusCode: 200}, nil, "2xx"},
		{&http.Response{StatusCode: 404}, nil, "4xx"},
		{&http.Response{StatusCode: 599}, nil, "5xx"},
		{&http.Response{StatusCode: 600}, nil, "other"},
		{&http.Response{StatusCode: 99}, nil, "other"},
		{nil, errors.New("refused"), "error"},
		{nil, nil, "error"},
	}
	for _, tt := range tests {
		if got := CodeNames[CodeOf(tt.resp, tt.err)]; got != tt.want {
			t.Errorf("CodeOf(%v, %v) = %s, want %s", tt.resp, tt.err, got, tt.want)
		}
	}
}

// A Set makes each name once, holds at most Max, then gives every new name
// Other's entry; concurrent first uses of a name agree.
func TestSet(t *testing.T) {
	made := map[string]int{}
	var mu sync.Mutex
	s := Set[string]{Max: 2, Make: func(name string) *string {
		mu.Lock()
		made[name]++
		mu.Unlock()
		return &name
	}}
	var wg sync.WaitGroup
	got := make([]*string, 8)
	for i := range got {
		wg.Go(func() { got[i] = s.Get("a") })
	}
	wg.Wait()
	for _, p := range got {
		if p != got[0] {
			t.Fatal("concurrent Gets of a name returned different entries")
		}
	}
	s.Get("b")
	c, d := s.Get("c"), s.Get("d")
	if *c != Other || c != d {
		t.Errorf("past Max: %q and %q, want both %q, the same entry", *c, *d, Other)
	}
	if *s.Get("a") != "a" {
		t.Error("a known name lost its entry")
	}
	if made["a"] != 1 || made[Other] != 1 || len(made) != 3 {
		t.Errorf("made %v, want a, b and Other once each", made)
	}
	n := 0
	s.Each(func(string, *string) { n++ })
	if n != 3 {
		t.Errorf("Each saw %d entries, want 3", n)
	}
}
