package retry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Around hooks given inside Options and beside them start in the order
// given, five of them too (past the four kept on the stack).
func TestAroundOrderNested(t *testing.T) {
	var order []int
	hook := func(i int) Option {
		return Around(func(ctx context.Context) (context.Context, func(error)) {
			order = append(order, i)
			return ctx, nil
		})
	}
	err := Do(context.Background(), func(context.Context) error { return nil },
		Options(hook(1), Options(hook(2), hook(3))), hook(4), Options(hook(5)))
	if err != nil || fmt.Sprint(order) != "[1 2 3 4 5]" {
		t.Errorf("err %v, hooks started %v, want [1 2 3 4 5]", err, order)
	}
}

// An Around that does nothing, with Notify, costs no allocation on the
// success path: what a tracer costs when no tracer is installed.
func TestAroundAllocatesNothing(t *testing.T) {
	ctx := context.Background()
	fn := func(context.Context) error { return nil }
	n := 0
	opt := Options(Around(func(ctx context.Context) (context.Context, func(error)) { return ctx, nil }),
		Notify(func(Event) { n++ }))
	if a := testing.AllocsPerRun(1000, func() { _ = Do(ctx, fn, opt, opt) }); a != 0 {
		t.Errorf("Do with two Around: %v allocations per call, want 0", a)
	}
}

// A panic in an attempt still finishes every started hook, innermost first,
// with ErrPanicked, and goes on up unchanged; a nil context from start keeps
// the one it was given.
func TestAroundPanicAndNilContext(t *testing.T) {
	var finished []string
	hook := func(name string, nilCtx bool) Option {
		return Around(func(ctx context.Context) (context.Context, func(error)) {
			if nilCtx {
				ctx = nil
			}
			return ctx, func(err error) {
				if !errors.Is(err, ErrPanicked) {
					t.Errorf("%s finished with %v, want ErrPanicked", name, err)
				}
				finished = append(finished, name)
			}
		})
	}
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "caller")
	var got any
	func() {
		defer func() { got = recover() }()
		_ = Do(ctx, func(ctx context.Context) error {
			if v := ctx.Value(key{}); v != "caller" {
				t.Errorf("attempt context value %v, want the caller's", v)
			}
			panic("boom")
		}, hook("outer", false), hook("inner", true))
	}()
	if got != "boom" {
		t.Errorf("recovered %v, want the attempt's panic", got)
	}
	if strings.Join(finished, ",") != "inner,outer" {
		t.Errorf("finished %v, want inner,outer", finished)
	}
}
