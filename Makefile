# The NOP retry toolkit. `make test` is what CI runs (see .ci/run).
#
# The core module and the nested modules (cmd/retry, bench, redisstore,
# promretry, examples/...) are tied together by go.work; the package pattern
# below reaches all of them, which `go test ./...` at the root would not.

GO          ?= go
PKGS        := github.com/nop-platform/retry/...
GOBIN       := $(shell $(GO) env GOPATH)/bin
STATICCHECK := $(GOBIN)/staticcheck
BENCHSTAT   := $(GOBIN)/benchstat
STATICCHECK_VERSION := v0.8.2
BENCHSTAT_VERSION   := v0.0.0-20260908200009-22c9c6c9d4da
FUZZTIME    ?= 10s
COUNT       ?= 6

export GOFLAGS := -buildvcs=false

.PHONY: test fmt vet staticcheck unit web fuzz bench demo tools

## test: gofmt check, go vet, staticcheck, the race-enabled tests of every module, and web/'s tests
test: fmt vet staticcheck unit web

fmt:
	@out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet $(PKGS)

staticcheck: $(STATICCHECK)
	$(STATICCHECK) $(PKGS)

unit:
	$(GO) test -race -count=1 -timeout 15m $(PKGS)

## web: the browser package's tests (web/: npm ci when node_modules is stale, then npm test).
## Without node and npm it skips, saying why; under CI=true that is a failure. Its browser
## test does the same without chromium.
web:
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
	  if [ "$$CI" = true ]; then echo "web: node and npm are required (CI=true)"; exit 1; fi; \
	  echo "web: SKIP: node or npm not found; install Node.js >= 18 and npm to test web/"; exit 0; \
	fi; \
	cd web && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; } && npm test

## fuzz: run every fuzz target for FUZZTIME each
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
	  dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
	  for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/func //'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

## bench: benchmarks of every module, COUNT runs each, summarised by benchstat into bench/results/
bench: $(BENCHSTAT)
	@mkdir -p bench/results
	$(GO) test -run '^$$' -bench . -benchmem -count $(COUNT) -cpu 1,2 $(PKGS) | tee bench/results/raw.txt
	$(BENCHSTAT) bench/results/raw.txt > bench/results/benchstat.txt
	@echo "wrote bench/results/raw.txt and bench/results/benchstat.txt"

## demo: the README's main-job command
demo:
	$(GO) run ./cmd/retry demo

tools: $(STATICCHECK) $(BENCHSTAT)

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(BENCHSTAT):
	$(GO) install golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VERSION)
