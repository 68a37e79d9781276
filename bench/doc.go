// Package bench measures the retry toolkit side by side with the libraries
// users would pick instead: avast/retry-go, cenkalti/backoff, sethvargo/go-retry,
// failsafe-go, sony/gobreaker and hashicorp/go-retryablehttp.
//
// It is a nested module so that the peers never enter the core go.mod, and it
// follows uber-go/zap's benchmarks/: one Benchmark per scenario and one b.Run
// per library, with the same sub-benchmark names in every scenario ("bare",
// "nop", "avast", "cenkalti", "sethvargo", "failsafe", "gobreaker",
// "retryablehttp"), so that benchstat lines them up.
//
// The package itself holds each peer configured with one shared Policy, the way
// its documentation recommends, so that the benchmarks, the attempt-count tests
// and the failure tables (see README.md) all compare the same work.
package bench
