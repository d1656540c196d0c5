#!/usr/bin/env bash
# Installs the Mermaid parser the tests run over degen graph and the
# Markdown of degen diff (generator/graph/testdata/mermaid: exact versions
# in package.json, every package pinned by package-lock.json) into a cache
# directory outside the repository, once per machine, and prints that
# directory. Idempotent: when the directory holds this lock file's install,
# it only prints it.
#   DEGEN_NPM_DIR  where to install (default: degen-npm/mermaid beside the
#                  Go build cache, $(go env GOCACHE)/../degen-npm/mermaid)
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)/generator/graph/testdata/mermaid"
if [ -n "${DEGEN_NPM_DIR:-}" ]; then
	dir="$DEGEN_NPM_DIR"
else
	dir="$(dirname "$(go env GOCACHE)")/degen-npm/mermaid"
fi
for tool in node npm; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "mermaid-deps: $tool is not installed (Debian: apt-get install nodejs npm)" >&2
		exit 1
	fi
done
mkdir -p "$dir"
# Two test processes may start at once: one installs, the other waits.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$dir.lock"
	flock 9
fi
# installed-lock.json is written after a successful install only.
if ! cmp -s "$src/package-lock.json" "$dir/installed-lock.json"; then
	echo "mermaid-deps: npm ci in $dir (mermaid and jsdom at the versions of generator/graph/testdata/mermaid/package-lock.json)" >&2
	rm -f "$dir/installed-lock.json"
	cp "$src/package.json" "$src/package-lock.json" "$dir/"
	(cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
	cp "$src/package-lock.json" "$dir/installed-lock.json"
fi
cp "$src/check.mjs" "$dir/check.mjs"
echo "$dir"
