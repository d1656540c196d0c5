# The README's test command is `make test`: it installs what the tests need
# (scripts/test-deps.sh, which also builds kube-apiserver and etcd once per
# machine: the cluster tests fail rather than skip without them), runs every
# Go test, runs the packages whose builds
# use several goroutines under the race detector, runs kube-score over every
# Kubernetes overlay of the default model and of testdata/stacks
# (scanners/kubescore), checks that out/ is current and that the model passes
# its policies.
GO ?= go

.PHONY: test build check bench bench-scale
test:
	@echo "== test tools (scripts/test-deps.sh)"
	./scripts/test-deps.sh
	@echo "== go vet"
	$(GO) vet ./...
	@echo "== go test (one line per package as it finishes)"
	DEGEN_TESTSERVERS_REQUIRED=1 $(GO) test -count=1 -timeout 30m ./...
	@echo "== go test -race (the packages that build with several goroutines)"
	$(GO) test -count=1 -timeout 30m -race ./generator/ ./generator/load/ ./generator/policy/ ./generator/writer/
	@echo "== kube-score (scanners/kubescore, a module of its own: kube-score v1.20.0 builds against older k8s.io modules)"
	cd scanners/kubescore && $(GO) test -count=1 -timeout 10m .
	@echo "== degen check and vet on the default model"
	$(GO) run ./cmd/degen check --all
	$(GO) run ./cmd/degen vet --all

build:
	$(GO) run ./cmd/degen build --all

check:
	$(GO) run ./cmd/degen check --all

bench:
	$(GO) test -run XXX -bench . -benchtime 3x ./generator/

# Side by side with cue export (docs/PERFORMANCE.md): the default model,
# 1,000 and 5,000 synthetic services x 4 environments. Takes minutes; not in CI.
bench-scale:
	./scripts/bench-vs-cue.sh 5 .
	./scripts/bench-vs-cue.sh 3 synth:1000
	./scripts/bench-vs-cue.sh 3 synth:5000
