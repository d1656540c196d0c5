# The README's test command is `make test`: it installs what the tests need
# (scripts/test-deps.sh), runs every Go test, runs the packages whose builds
# use several goroutines under the race detector, checks that out/ is current
# and that the model passes its policies.
GO ?= go

.PHONY: test build check bench
test:
	./scripts/test-deps.sh
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -race ./generator/ ./generator/load/ ./generator/policy/
	$(GO) run ./cmd/degen check --all
	$(GO) run ./cmd/degen vet --all

build:
	$(GO) run ./cmd/degen build --all

check:
	$(GO) run ./cmd/degen check --all

bench:
	$(GO) test -run XXX -bench . -benchtime 3x ./generator/
