package retry

import (
	"context"
	"fmt"
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
