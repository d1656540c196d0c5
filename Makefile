# The README's test command is `make test`: it installs what the tests need
# (scripts/test-deps.sh), runs every Go test, and checks that out/ is current.
GO ?= go

.PHONY: test build check bench
test:
	./scripts/test-deps.sh
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	$(GO) run ./cmd/degen check --all

build:
	$(GO) run ./cmd/degen build --all

check:
	$(GO) run ./cmd/degen check --all

bench:
	$(GO) test -run XXX -bench . -benchtime 3x ./generator/
