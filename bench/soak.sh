#!/bin/bash
# bench/soak.sh — 10,000 hostile connections (slow, half-open, oversized) held
# against the API, OsmAnd and Teltonika ports of `vigil serve` (default
# limits) from 40 loopback addresses, while a member of staff signs in twice a
# second.  Prints the sign-in times, the server's memory, and what the server
# refused and cut (its /metrics).  Figures, not a pass/fail test.
#
#   bench/soak.sh [CONNECTIONS] [SECONDS]
#   VIGIL_BIN=build/asan/vigil bench/soak.sh ...   (another build, e.g. to look for
#   leaks: the server is stopped cleanly at the end and its log shown)
set -euo pipefail
cd "$(dirname "$0")/.."
conns=${1:-10000}
secs=${2:-60}
V=${VIGIL_BIN:-build/vigil}
if [ -z "${VIGIL_BIN:-}" ]; then
	make --no-print-directory build/vigil build/bench/soak >/dev/null
else
	make --no-print-directory build/bench/soak >/dev/null
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
tmp=$(mktemp -d)
pid=
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; fi; rm -rf "$tmp"' EXIT
db=$tmp/s.db
$V migrate --db "$db" >/dev/null
$V agency add met --name "Soak Police" --kind police --db "$db" >/dev/null
pw="soak-password-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "$pw" | $V user add soak-officer --role officer --agency met --db "$db" >/dev/null
echo "$pw" | $V user add soak-admin --role admin --agency met --db "$db" >/dev/null
# the tags an attacker knows the IMEIs of (a stolen list): a third of the
# Teltonika connections are theirs
first=359000000000000
ntags=$((conns * 3 / 10 / 3 + 1))
sqlite3 "$db" "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $ntags - 1)
  INSERT INTO devices (uid, kind, protocol, expected_interval_s, created_at)
  SELECT CAST($first + i AS TEXT), 'offender_tag', 'teltonika', 3600,
         CAST(strftime('%s', 'now') AS INTEGER) * 1000 FROM n;"
$V serve --db "$db" --listen 127.0.0.1:0 --osmand-listen 127.0.0.1:0 --teltonika-listen 127.0.0.1:0 \
	--log-level error >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do grep -q listening "$tmp/out" 2>/dev/null && break; sleep 0.1; done
api=$(sed -n 's|^vigil: listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$tmp/out")
osm=$(sed -n 's|^vigil: OsmAnd devices on http://127.0.0.1:\([0-9]*\).*|\1|p' "$tmp/out")
tel=$(sed -n 's|^vigil: Teltonika devices on tcp://127.0.0.1:\([0-9]*\).*|\1|p' "$tmp/out")
[ -n "$api" ] && [ -n "$osm" ] && [ -n "$tel" ] || { echo "the server did not start" >&2; cat "$tmp/err" >&2; exit 1; }
echo "server: vigil serve, default limits (API 4000 in all and 1024 an address; OsmAnd 4000 and"
echo "        1000; Teltonika 10000 and 1000; header deadline 10 s, body 30 s, packet 20 s)"
build/bench/soak "$api" "$osm" "$tel" "$pw" "$pid" "$conns" "$secs" $first $ntags
curl -s -c "$tmp/jar" -H 'Content-Type: application/json' \
	-d "{\"username\":\"soak-admin\",\"password\":\"$pw\"}" "http://127.0.0.1:$api/api/v1/login" >/dev/null
echo "  the server's own count (/metrics):"
curl -s -b "$tmp/jar" "http://127.0.0.1:$api/metrics" |
	grep -E '^vigil_(refused_total|connections_cut_total|buffered_bytes)' | grep -v ' 0$' | sed 's/^/    /'
if [ -n "${VIGIL_BIN:-}" ]; then
	kill "$pid"
	wait "$pid" || echo "  the server exited with $?"
	pid=
	echo "  the server's log (errors):"
	grep -v ' info \| warn ' "$tmp/err" | tail -40 | sed 's/^/    /'
fi
