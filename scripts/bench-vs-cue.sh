#!/usr/bin/env bash
# Times degen build against a bare `cue export` of the same model, in one
# run, alternating the two, and prints the median wall time and peak RSS of
# each case. Cases: a full build (cache and out/ empty), a no-op build (the
# result from the build cache), a build after editing one environment file,
# and `cue export ./envs -t ENV... -e environments --out json`, with a -t for
# every environment an @if of envs/ names, so that cue reads every file.
# A last case, cue-per-env, is the floor of one instance per environment:
# one `cue export ./envs -t ENV` per environment, as many at once as there
# are cores (its MiB is the largest of them). The ratios that follow the
# table are those issue 26 sets goals for.
#   scripts/bench-vs-cue.sh [RUNS] [MODEL_DIR | synth:N]
# synth:N is a synthetic model of N services x 4 environments
# (generator/internal/synth), written for the run: synth:1000, and synth:5000
# (minutes; not run in CI).
# Needs cue v0.17.1 (go install cuelang.org/go/cmd/cue@v0.17.1) and GNU time.
set -euo pipefail
runs=${1:-5}
repo=$(cd "$(dirname "$0")/.." && pwd)
case "${2:-.}" in
synth:*)
	n=${2#synth:}
	model=$(mktemp -d)
	trap 'rm -rf "$model"' EXIT
	(cd "$repo" && go run ./generator/internal/synth/cmd/synth "$model" "$n")
	;;
*) model=$(cd "${2:-.}" && pwd) ;;
esac
cue=$(command -v cue || echo "$(go env GOPATH)/bin/cue")
[ -x "$cue" ] || { echo "bench: cue not found: go install cuelang.org/go/cmd/cue@v0.17.1" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work" ${n:+"$model"}' EXIT
(cd "$repo" && go build -o "$work/degen" ./cmd/degen)
cp -r "$model/cue.mod" "$model/envs" "$work/"
cp -r "$model/policies" "$work/" 2>/dev/null || true
# The repository files the model mounts (config files), when it has them.
cp -r "$model/infra" "$work/" 2>/dev/null || true
# cue cannot fetch degen.dev/schema (degen serves it from its binary): the
# copy cue exports imports the same schema.cue as a package of its own module.
mkdir -p "$work/cue/schema"
cp -r "$model/cue.mod" "$model/envs" "$work/cue/"
cp "$repo/schema/schema.cue" "$work/cue/schema/"
mod=$(sed -n 's/^module: *"\([^"@]*\).*/\1/p' "$work/cue/cue.mod/module.cue")
sed -i '/degen.dev\/schema@v1/d' "$work/cue/cue.mod/module.cue"
sed -i "s#\"degen.dev/schema\"#\"$mod/schema\"#" "$work"/cue/envs/*.cue
cd "$work"
# A build cache of the run's own, emptied with out/ for each full build.
export DEGEN_CACHE_DIR="$work/cache"
# The file edited between builds: an environment's delta.
envfile=$(grep -l '^environments: [a-z0-9-]*: ' envs/*.cue | head -1)
# Every environment file's @if tag, set for cue.
tags=$(sed -n 's/^@if(\([A-Za-z0-9_-]*\)).*/-t \1/p' envs/*.cue | sort -u | tr '\n' ' ')
envs=$(sed -n 's/^@if(\([A-Za-z0-9_-]*\)).*/\1/p' envs/*.cue | sort -u)
cores=$(nproc)

measure() { # label, command...
	local label=$1; shift
	/usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>&1
	echo "$label $(cat "$work/t")" >> "$work/results"
}
: > "$work/results"
for i in $(seq "$runs"); do
	rm -rf out .degen "$DEGEN_CACHE_DIR"
	measure full ./degen build --dir .
	measure noop ./degen build --dir .
	echo "// bench edit $i" >> "$envfile"
	measure edited ./degen build --dir .
	echo "// bench edit $i" >> "cue/$envfile"
	measure cue-export "$cue" -C cue export ./envs $tags -e environments --out json
	if [ -n "$envs" ]; then
		measure cue-per-env sh -c 'printf "%s\n" $3 | xargs -P "$2" -I{} "$1" -C cue export ./envs -t {} -e environments --out json' sh "$cue" "$cores" "$envs"
	fi
done
printf '%-12s %10s %12s\n' case "median s" "median MiB"
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
for c in full noop edited cue-export cue-per-env; do
	grep -q "^$c " "$work/results" || continue
	s=$(awk -v c="$c" '$1==c {print $2}' "$work/results" | median)
	m=$(awk -v c="$c" '$1==c {print $3}' "$work/results" | median)
	printf '%-12s %10.3f %12.0f\n' "$c" "$s" "$((m / 1024))"
	eval "s_${c//-/_}=$s m_${c//-/_}=$m"
done
# The ratios of the medians: degen's full build against cue export and the
# floor of one instance per environment, its memory against cue export's,
# and the edited and no-op builds against the full build.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
echo
echo "full / cue-export   $(ratio "$s_full" "$s_cue_export")   (time)"
[ -n "${s_cue_per_env:-}" ] && echo "full / cue-per-env  $(ratio "$s_full" "$s_cue_per_env")   (time)"
echo "full / cue-export   $(ratio "$m_full" "$m_cue_export")   (peak RSS)"
echo "edited / full       $(ratio "$s_edited" "$s_full")"
echo "noop / full         $(ratio "$s_noop" "$s_full")"
