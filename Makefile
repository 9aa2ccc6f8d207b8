# Sandpiper's build. `make run` and `make test` are the two commands a fresh
# machine needs; the rest are for developers.

GO       ?= go
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
FUZZTIME ?= 1m
BENCH    ?= .
COUNT    ?= 1
SOAK     ?= 2m

.PHONY: build run test bench fuzz soak clean

build:
	CGO_ENABLED=0 $(GO) build -ldflags "-X main.version=$(VERSION)" -o bin/sandpiper ./cmd/sandpiper

# The daemon on its embedded default configuration: a shipped nginx access
# log replayed and tailed through a Lua decoder and a Lua filter printing a
# per-status summary every 3 s (cmd/sandpiper/demo/). Ctrl-C stops it.
run: build
	bin/sandpiper run

# Every test, under the race detector (it costs little on these packages and
# catches what the plain run would), after formatting and vet checks; then
# the allocation tests again without it, since -race changes what allocates.
test:
	@unformatted=$$(gofmt -l .); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...
	$(GO) test -count=1 -run 'Alloc' ./...

# Benchmarks with their baselines beside them; see docs/performance.md.
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count $(COUNT) ./...

# Every fuzz target for FUZZTIME each (make fuzz FUZZTIME=10m).
fuzz:
	@set -e; for file in $$(grep -l '^func Fuzz' $$(git ls-files '*_test.go')); do \
		dir=./$$(dirname $$file); \
		for target in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$file | cut -c6-); do \
			echo "== $$dir $$target"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$dir; \
		done; \
	done

# The daemon run for SOAK under steady load, rotations and hostile filters,
# checked for growing memory and for exactly-once delivery (make soak
# SOAK=10m); see docs/running.md.
soak:
	SANDPIPER_SOAK=$(SOAK) $(GO) test -count=1 -v -run '^TestDaemonSoak$$' -timeout 0 ./tests/

clean:
	rm -rf bin
