# opendray build, run and test targets. `make help` lists them.

BIN        := bin/opendray
PKG        := github.com/opendray/opendray/internal/buildinfo
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT     ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
DATE       ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS    := -s -w -X $(PKG).Version=$(VERSION) -X $(PKG).Commit=$(COMMIT) -X $(PKG).Date=$(DATE)
GO_TEST    ?= go test -race -count=1 -timeout 20m
# The server on which tests create their databases, and the browser tests' own.
PG_ADMIN_URL ?= $(or $(OPENDRAY_TEST_DATABASE_URL),postgres://$(shell id -un)@127.0.0.1:5432/postgres?sslmode=disable)
E2E_DB     ?= opendray_e2e
# The load benchmark's database on the same server.
BENCH_DB   ?= opendray_bench

.PHONY: help build build-go ui run test test-go test-ui bench fuzz clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

build: ui build-go ## build the admin UI and the static binary into bin/

build-go: ## build the static binaries without rebuilding the UI
	CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/opendray
	CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o bin/opendray-attach ./cmd/opendray-attach

ui: ui/node_modules/.installed ## install the UI's npm packages and build it into ui/dist/app
	cd ui && npm run build

# npm ci runs again only when the lock file changes.
ui/node_modules/.installed: ui/package-lock.json
	cd ui && npm ci --no-audit --no-fund
	touch $@

run: build ## build, then serve on 127.0.0.1:8770 with the embedded PostgreSQL
	./$(BIN) serve

test: test-go test-ui ## run every test (needs PostgreSQL on 127.0.0.1:5432)

test-go: ## run the Go tests with the race detector
	$(GO_TEST) ./...

test-ui: build ## run the UI unit tests, then the browser tests against a fresh build
	cd ui && npm test
	psql "$(PG_ADMIN_URL)" -q -c 'DROP DATABASE IF EXISTS $(E2E_DB) WITH (FORCE)' -c 'CREATE DATABASE $(E2E_DB)'
	cd ui && OPENDRAY_BIN=$(CURDIR)/$(BIN) \
		OPENDRAY_E2E_DATABASE_URL='$(subst /postgres?,/$(E2E_DB)?,$(PG_ADMIN_URL))' \
		OPENDRAY_ARTIFACTS=$(CURDIR)/test-artifacts/screenshots npm run e2e

bench: build-go ## measure a running server with opendray-bench, then run the Go benchmarks
	go build -o bin/opendray-bench ./cmd/opendray-bench
	PG_ADMIN_URL='$(PG_ADMIN_URL)' BENCH_DB=$(BENCH_DB) \
		BENCH_DATABASE_URL='$(subst /postgres?,/$(BENCH_DB)?,$(PG_ADMIN_URL))' \
		scripts/bench.sh
	go test -run '^$$' -bench . -benchmem -timeout 30m ./...

fuzz: ## fuzz the screen emulator for FUZZTIME (default 2m); crashers land in testdata/fuzz
	go test -run '^$$' -fuzz FuzzEmulator -fuzztime $(or $(FUZZTIME),2m) ./actors/session/

clean: ## remove build output
	rm -rf bin ui/dist/app
