#!/bin/bash
# fuzz.sh [--merge] [SECONDS] — build the libFuzzer targets (make fuzz) and run
# each tests/fuzz/fuzz_*.c from its seed corpus, tests/fuzz/corpus/<target>/,
# for an equal share of SECONDS in all (default: $FUZZ_SECONDS, else 180, so
# that CI stays within its limit).  A crash, a sanitizer report (undefined
# behaviour aborts: the targets are built with -fno-sanitize-recover), a leak,
# an input slower than 10 s or a target that will not start fails the run;
# the input is kept in build/fuzz/artifacts/ and shown in hex, to be added to
# the corpus as regression-<what> once fixed.
#
# The seed corpus is read, never written: what a run finds goes to a scratch
# directory, removed afterwards.  With --merge, the inputs that reach code
# the seed corpus does not are merged into it (libFuzzer -merge=1), to commit.
set -euo pipefail
cd "$(dirname "$0")/.."

merge=0
if [ "${1:-}" = --merge ]; then
	merge=1
	shift
fi
budget=${1:-${FUZZ_SECONDS:-180}}
case $budget in
'' | *[!0-9]*)
	echo "usage: scripts/fuzz.sh [--merge] [SECONDS]" >&2
	exit 2
	;;
esac

make --no-print-directory fuzz
targets=()
for f in tests/fuzz/fuzz_*.c; do
	targets+=("$(basename "$f" .c)")
done
per=$((budget / ${#targets[@]}))
[ "$per" -ge 5 ] || per=5

mkdir -p build/fuzz/artifacts
scratch=$(mktemp -d /tmp/vigil-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
failed=0
echo "== fuzzing ${#targets[@]} targets, ${per} s each"
for t in "${targets[@]}"; do
	seed=tests/fuzz/corpus/$t
	work=$scratch/$t
	log=$scratch/$t.log
	mkdir -p "$work"
	if [ ! -d "$seed" ] || [ -z "$(ls -A "$seed")" ]; then
		echo "!! $t: no seed corpus in $seed"
		failed=$((failed + 1))
		continue
	fi
	opts=(-max_total_time="$per" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
		-artifact_prefix="build/fuzz/artifacts/$t-")
	[ -f "tests/fuzz/$t.dict" ] && opts+=(-dict="tests/fuzz/$t.dict")
	# the first directory takes what the run finds; the seed corpus is read only
	if "build/fuzz/$t" "${opts[@]}" "$work" "$seed" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
		echo "   $t: ${per} s, ${runs:-?} runs, $cov, $(ls "$work" | wc -l) new inputs: ok"
	else
		failed=$((failed + 1))
		echo "!! $t failed:"
		grep -v '^#[0-9]' "$log" | tail -40
		for a in $(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log"); do
			echo "   the input ($a):"
			od -A d -t x1z "$a" | head -20
		done
	fi
	if [ "$merge" -eq 1 ]; then
		"build/fuzz/$t" -merge=1 "$seed" "$work" >"$log" 2>&1 ||
			{ echo "!! $t: merge failed"; tail -5 "$log"; failed=$((failed + 1)); }
		echo "   $t: seed corpus now $(ls "$seed" | wc -l) inputs"
	fi
done
if [ "$failed" -ne 0 ]; then
	echo "fuzzing: $failed of ${#targets[@]} targets failed"
	exit 1
fi
echo "fuzzing: ${#targets[@]} targets, no crash"
