package retryhttp

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// router finds a request's route with an http.ServeMux, so that patterns
// have ServeMux's syntax and precedence exactly.
type router struct {
	mux       *http.ServeMux
	policies  []policy
	patterns  []string
	byPattern map[string]int
}

// routeHandler marks a pattern's policy; it is never served.
type routeHandler int

func (routeHandler) ServeHTTP(http.ResponseWriter, *http.Request) {}

// newRouter registers the routes in order; an invalid or conflicting pattern
// is an error naming it.
func newRouter(routes []routeSpec) (*router, error) {
	if len(routes) == 0 {
		return nil, nil
	}
	patterns := make([]string, len(routes))
	for i := range routes {
		patterns[i] = routes[i].pattern
	}
	mux, bad, other, err := buildMux(patterns)
	if err != nil {
		if other >= 0 {
			return nil, fmt.Errorf("retryhttp: Route(%q) conflicts with Route(%q): %v", patterns[bad], patterns[other], err)
		}
		return nil, fmt.Errorf("retryhttp: Route(%q): %v", patterns[bad], err)
	}
	r := &router{mux: mux, byPattern: make(map[string]int, len(routes))}
	for i := range routes {
		r.policies = append(r.policies, routes[i].pol)
		r.patterns = append(r.patterns, routes[i].pattern)
		r.byPattern[routes[i].pattern] = i
	}
	return r, nil
}

// buildMux registers patterns in order, pattern i with routeHandler(i). When
// pattern bad is invalid, it returns ServeMux's complaint; when bad conflicts
// with an earlier pattern, other is that pattern's index (else -1) and err
// explains the conflict.
func buildMux(patterns []string) (mux *http.ServeMux, bad, other int, err error) {
	mux = http.NewServeMux()
	for i, p := range patterns {
		if err := register(mux, p, routeHandler(i)); err != nil {
			other = -1
			if strings.Contains(err.Error(), "conflicts with") {
				for j := range i {
					m := http.NewServeMux()
					register(m, patterns[j], routeHandler(j))
					if register(m, p, routeHandler(i)) != nil {
						other = j
						break
					}
				}
			}
			return nil, i, other, explain(err, other >= 0)
		}
	}
	return mux, -1, -1, nil
}

// register is mux.Handle with its panic turned into an error.
func register(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%v", v)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}

// explain tidies ServeMux's complaint: for a conflict it keeps the
// explanation after the first line, which names the patterns and the place
// they were registered (the source of this package, of no use to a caller).
func explain(err error, conflict bool) error {
	msg := err.Error()
	if conflict {
		if _, rest, ok := strings.Cut(msg, "\n"); ok {
			msg = rest
		}
	}
	return errors.New(strings.TrimSpace(strings.ReplaceAll(msg, "\n", " ")))
}

// matchReqs recycles the requests that stand for a client request in
// ServeMux lookups, so a lookup allocates nothing.
var matchReqs = sync.Pool{New: func() any { return new(http.Request) }}

// match returns the policy and pattern of the route that matches req, or
// nil and "".
func (r *router) match(req *http.Request) (*policy, string) {
	if r == nil || req.URL == nil {
		return nil, ""
	}
	m := matchReqs.Get().(*http.Request)
	m.Method, m.URL, m.Host = req.Method, req.URL, req.Host
	if m.Method == "" {
		m.Method = http.MethodGet
	}
	if m.Host == "" {
		m.Host = req.URL.Host
	}
	m.Host = strings.ToLower(m.Host) // allocates only when there is upper case
	h, pattern := r.mux.Handler(m)
	*m = http.Request{}
	matchReqs.Put(m)
	if i, ok := h.(routeHandler); ok {
		return &r.policies[i], r.patterns[i]
	}
	// ServeMux redirects a non-canonical path (or one lacking a trailing
	// slash) to the path that pattern matches; take that route.
	if i, ok := r.byPattern[pattern]; ok && pattern != "" {
		return &r.policies[i], r.patterns[i]
	}
	return nil, ""
}
