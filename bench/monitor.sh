#!/bin/bash
# bench/monitor.sh — the monitoring benchmark, in two parts:
#   1. the rules on a simulated day (ground truth: missed, late, false alerts)
#      and decode + rules throughput (build/bench/monitor rules);
#   2. end to end over the Teltonika TCP port with durable storage: a C load
#      sender against a real `vigil serve` on a temporary SQLite database.
# Prints figures; not a pass/fail test.
#
#   bench/monitor.sh [OFFENDERS] [CONNECTIONS] [RECORDS_PER_PACKET] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
offenders=${1:-1000}
conns=${2:-50}
records=${3:-50}
secs=${4:-10}
make --no-print-directory build/vigil build/bench/monitor >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo
echo "== rules (bench/monitor rules $offenders)"
build/bench/monitor rules "$offenders"
echo
echo "== end to end: Teltonika over TCP, durable (SQLite WAL)"
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
build/vigil migrate --db "$tmp/m.db" >/dev/null
first=356000000000000
sqlite3 "$tmp/m.db" "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $conns - 1)
  INSERT INTO devices (uid, kind, protocol, expected_interval_s, created_at)
  SELECT CAST($first + i AS TEXT), 'offender_tag', 'teltonika', 60, 0 FROM n;"
build/vigil serve --db "$tmp/m.db" --listen 127.0.0.1:0 --osmand-listen off \
	--teltonika-listen 127.0.0.1:0 --log-level warn >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 50); do grep -q listening "$tmp/out" 2>/dev/null && break; sleep 0.1; done
port=$(grep -o 'tcp://127.0.0.1:[0-9]*' "$tmp/out" | sed 's|.*:||')
build/bench/monitor tcp "127.0.0.1:$port" "$conns" "$records" "$secs" "$first"
echo "  stored: $(sqlite3 "$tmp/m.db" 'SELECT COUNT(*) FROM fixes') fixes in the database"
