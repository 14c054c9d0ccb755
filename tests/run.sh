#!/bin/bash
# run.sh BUILD_DIR — run every test suite against the binaries in BUILD_DIR
# (build or build/asan) and end with one line: "N passed, N failed".
#
# Suites: the cmocka unit tests (BUILD_DIR/tests/test_*), the API tests
# (node --test tests/api/), and the browser tests when they exist.  Each
# suite's own output is shown; the counts are read from it.  A suite that
# crashes before reporting counts as one failure.
set -u
cd "$(dirname "$0")/.." || exit 2
B=${1:-build}
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count_cmocka() { # file
	local p f
	# a binary may run several groups: add up every group's summary
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$1" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$1" | awk '{s+=$1} END {print s+0}')
	echo "$p $f"
}

count_tap() { # file
	local p f
	p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$1" | tail -1)
	f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$1" | tail -1)
	echo "${p:-} ${f:-}"
}

echo "== unit tests ($B)"
for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	"$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	read -r p f < <(count_cmocka "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "!! $t exited with status $rc"
		f=$((f + 1))
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done

run_node_suite() { # name dir
	local name=$1 dir=$2 rc p f
	ls "$dir"/*.test.mjs >/dev/null 2>&1 || return 0
	echo "== $name tests"
	VIGIL_BIN="$B/vigil" node --test --test-reporter=tap --test-concurrency=2 "$dir"/*.test.mjs >"$log" 2>&1
	rc=$?
	# one line per test file, then every failing test in full
	grep -E '^(not )?ok |^# (tests|pass|fail|duration_ms)' "$log"
	awk '/^ *not ok /{p=1} p{print} p&&/^ *\.\.\.$/{p=0}' "$log" | head -400
	read -r p f < <(count_tap "$log")
	if [ -z "$p" ]; then
		cat "$log" | tail -40
		echo "!! $name suite did not report (status $rc)"
		p=0
		f=1
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "!! $name suite exited with status $rc"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

run_node_suite api tests/api
# The same API scenarios on PostgreSQL, when a server is given.
if [ -n "${VIGIL_TEST_PG:-}" ]; then
	VIGIL_TEST_ENGINE=postgres run_node_suite "api (PostgreSQL)" tests/api
fi
run_node_suite browser tests/browser

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
