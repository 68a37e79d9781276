// Package promretry exports the retries, retry budgets and circuit breakers
// of github.com/nop-platform/retry as Prometheus metrics (the NOP
// specification's "Add retry metrics to Prometheus"). It lives in a module
// of its own, so that users of the core never download client_golang.
//
// Create one Metrics per registry and hand its methods to the hooks of the
// core packages:
//
//	m, err := promretry.New(prometheus.DefaultRegisterer)
//
//	// retry.Do: attempts, retries, delays, give-ups, budget rejections
//	err = retry.Do(ctx, fetch, retry.Name("fetch-assets"), retry.Notify(m.Notify))
//
//	// retryhttp: the same by route, plus each request's result
//	t := retryhttp.NewTransport(nil, retryhttp.Name("inventory"),
//		retryhttp.Route("GET /api/v1/assets/{id}"), retryhttp.Notify(m.Notify))
//	client := &http.Client{Transport: m.Transport(t)}
//
//	// breaker: transitions, and the state read at each scrape
//	cb := breaker.New(breaker.Name("payments"), breaker.OnStateChange(m.OnStateChange))
//	err = m.Breaker(cb)
//
//	// budget: what a budget would allow now
//	err = m.Budget("inventory", b) // or m.BudgetGroup(g) for per-host budgets
//
//	// limit: a concurrency limit's state
//	err = m.Limiter("inventory", l) // or m.LimiterGroup(g) for retryhttp.Limit's per-host limiters
//
// # Metrics
//
//	retry_attempts_total{operation, outcome}           counter    attempts that ended: "success" or "error"
//	retry_retries_total{operation}                     counter    retries scheduled
//	retry_delay_seconds{operation}                     histogram  delay before each retry (see Buckets)
//	retry_exhausted_total{operation, cause}            counter    calls that gave up while the failure was retryable
//	retry_budget_rejected_total{operation}             counter    retries a retry budget refused
//	retry_budget_available{budget}                     gauge      retries the budget would allow now
//	retry_budget_credit{budget}                        gauge      tokens in the budget's bucket (a transient retry costs 1)
//	retry_http_requests_total{route, code}             counter    retryhttp requests, by final result
//	circuit_breaker_state{name}                        gauge      0 closed, 1 open, 2 half-open
//	circuit_breaker_transitions_total{name, from, to}  counter    state changes: "closed", "open", "half-open"
//	retry_limit{limiter}                               gauge      calls the concurrency limit allows in flight now
//	retry_limit_in_flight{limiter}                     gauge      calls admitted and not yet ended
//	retry_limit_rejected_total{limiter}                counter    calls the concurrency limit refused
//
// The operation is the Name of a retry.Do call ("call" by default) or, for
// retryhttp, the pattern of the route that matched the request, else the
// client's retryhttp.Name ("http" by default); the route of
// retry_http_requests_total is the same name. For retryhttp an attempt is a
// "success" when the client does not retry its response, a 404 included;
// the status class is in retry_http_requests_total's code: "1xx" to "5xx",
// "other" for a status outside 100-599, or "error" when no response came
// back. A request there is counted once, however many attempts it took.
//
// The cause of giving up is "attempts" (every attempt used), "deadline"
// (the context's deadline passed, or the next delay would pass it),
// "canceled", "budget" (a retry budget refused the retry; such calls also
// count in retry_budget_rejected_total), "limited" (a concurrency limit,
// retryhttp.Limit, had no room for the retry) or "other". Calls that end on an
// error that is not retried, or a Permanent one, are not counted there:
// their last attempt is an "error" in retry_attempts_total.
//
// circuit_breaker_state is one series per breaker whose value is the state,
// so an alert on "open or half-open for 5 minutes" is
// min_over_time(circuit_breaker_state[5m]) >= 1. Registered with Breaker, a
// breaker's state is read at each scrape; otherwise the gauge holds the
// last state OnStateChange announced.
//
// # Cardinality and cost
//
// Every label value is a name chosen in code or one of a small fixed set,
// never a URL or an error message; the one exception, the keys of a
// BudgetGroup (hosts), is bounded by the Group's size. As a
// guard against a name built from request data, at most MaxNames
// operations, routes and breaker names (each; default 256) get series of
// their own, and further names share the value "_other". When a name is
// first seen, all its series are created at 0, so that rate and increase
// see the first increment.
//
// Notify, OnStateChange and the counting done by Transport take no lock
// and allocate nothing once the name has been seen: a map lookup through
// an atomic pointer and an atomic add, about 20ns.
//
// # Alerts and dashboard
//
// The module's directory holds example alerting rules (alerts.yml, the
// Prometheus rule format) and a Grafana dashboard (dashboard.json); a test
// checks that every metric and label they use is one of these.
package promretry
