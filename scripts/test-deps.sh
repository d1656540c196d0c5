#!/usr/bin/env bash
# Installs what degen's tests run as real consumers of its output, and says
# clearly what is missing. Idempotent: does nothing when all is present.
#   promtool  - Debian's prometheus package (Prometheus 2.42)
#   terraform - expected on the machine (not in Debian); tests skip without it
#   kubectl   - expected on the machine; tests skip `kubectl kustomize` without it
#   gcc       - the race detector needs cgo; installed from Debian when missing
#   kube-apiserver, etcd - degen diff --cluster's tests run them; built from
#               the Go module proxy once per machine (scripts/testservers.sh)
#   mermaid   - npm's mermaid 11.17.2 and jsdom 26.1.0 (scripts/mermaid-deps.sh),
#               when node and npm are on the machine
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v promtool >/dev/null 2>&1; then
	echo "test-deps: installing Debian's prometheus package for promtool" >&2
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -qq >/dev/null
	# The tests only need promtool: policy-rc.d (exit 101, "action not
	# allowed") keeps the package from starting a Prometheus server, so
	# nothing is started that would have to be stopped. An existing
	# policy-rc.d is left alone.
	own_policy=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
		as_root chmod 755 /usr/sbin/policy-rc.d
		own_policy=1
	fi
	as_root apt-get install -y -qq --no-install-recommends prometheus >/dev/null
	[ -n "$own_policy" ] && as_root rm -f /usr/sbin/policy-rc.d
fi

if ! command -v gcc >/dev/null 2>&1; then
	echo "test-deps: installing Debian's gcc for the race detector (cgo)" >&2
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -qq >/dev/null
	as_root apt-get install -y -qq --no-install-recommends gcc libc6-dev >/dev/null
fi

# The Mermaid parser (npm: mermaid and jsdom at exact versions) that the
# graph tests run over degen graph and degen diff --format markdown,
# installed once per machine beside the Go build cache.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
	if dir="$(./scripts/mermaid-deps.sh)"; then
		echo "test-deps: mermaid: $dir" >&2
	else
		echo "test-deps: WARNING: installing mermaid failed; the Mermaid parse test skips (and fails when CI is set)" >&2
	fi
else
	echo "test-deps: WARNING: node and npm are not installed; the Mermaid parse test skips (and fails when CI is set)" >&2
fi

for tool in promtool terraform kubectl git gcc; do
	if command -v "$tool" >/dev/null 2>&1; then
		echo "test-deps: $tool: $(command -v "$tool")" >&2
	else
		echo "test-deps: WARNING: $tool is not installed; the tests that need it will be skipped" >&2
	fi
done

# The first build takes minutes; later ones find the binaries and only print
# their directory.
echo "test-deps: kube-apiserver and etcd: $("$(dirname "$0")/testservers.sh")" >&2
