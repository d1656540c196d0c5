#!/usr/bin/env bash
# Builds the servers degen's cluster tests run against - kube-apiserver
# (k8s.io/kubernetes) and etcd (go.etcd.io/etcd/server embed) - from the Go
# module proxy, once per machine, and prints the directory that holds them.
# The module is testservers/kube (its own go.mod: degen's never requires
# k8s.io/kubernetes). The directory is keyed by that module's go.mod, go.sum,
# etcd main and the Go version, under $DEGEN_TESTSERVERS_DIR (default
# $(go env GOCACHE)/../degen-testservers): a second run only prints it.
set -euo pipefail
go=${GO:-go}
repo=$(cd "$(dirname "$0")/.." && pwd)
mod="$repo/testservers/kube"
key=$(cat "$mod/go.mod" "$mod/go.sum" "$mod/etcd/main.go" <($go version) | sha256sum | cut -c1-16)
base=${DEGEN_TESTSERVERS_DIR:-$($go env GOCACHE)/../degen-testservers}
dir="$base/$key"
mkdir -p "$base"
# One build at a time on a machine; the second waits and finds it done.
exec 9>"$base/.lock"
flock 9
if [ ! -x "$dir/kube-apiserver" ] || [ ! -x "$dir/etcd" ]; then
	echo "testservers: building kube-apiserver and etcd into $dir (once per machine)" >&2
	tmp=$(mktemp -d "$base/tmp.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	(cd "$mod" && $go build -o "$tmp/" k8s.io/kubernetes/cmd/kube-apiserver ./etcd)
	rm -rf "$dir"
	mv "$tmp" "$dir"
fi
echo "$dir"
