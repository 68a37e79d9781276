package retry

import "errors"

// find returns the first error in err's tree, in the order errors.As walks
// it, for which match is true, or nil. It allocates nothing, unlike
// errors.As, whose target escapes: Do asks several such questions of every
// failure. At an error with an As(any) bool method the rest of that subtree
// is left to errors.As, so that such errors keep their meaning; errors.As
// walks the whole subtree, so it is not walked again.
func find[T any](err error, match func(error) (T, bool)) (T, bool) {
	for err != nil {
		if v, ok := match(err); ok {
			return v, true
		}
		if _, ok := err.(interface{ As(any) bool }); ok {
			var v T
			ok := errors.As(err, &v)
			return v, ok
		}
		switch x := err.(type) {
		case interface{ Unwrap() error }:
			err = x.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range x.Unwrap() {
				if v, ok := find(e, match); ok {
					return v, true
				}
			}
			var zero T
			return zero, false
		default:
			var zero T
			return zero, false
		}
	}
	var zero T
	return zero, false
}

func asPermanent(err error) (*permanentError, bool) { p, ok := err.(*permanentError); return p, ok }
func asRetryabler(err error) (retryabler, bool)     { r, ok := err.(retryabler); return r, ok }
func asRetryAfterer(err error) (retryAfterer, bool) { r, ok := err.(retryAfterer); return r, ok }
func asTimeouter(err error) (timeouter, bool)       { t, ok := err.(timeouter); return t, ok }
