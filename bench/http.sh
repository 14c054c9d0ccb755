#!/bin/bash
# bench/http.sh — HTTP throughput of `vigil serve` with wrk (Debian's package).
#
# Starts a server on a temporary SQLite database on a loopback port, signs a
# user in, then runs wrk against GET /healthz (a database round trip) and
# GET /api/v1/me (session lookup + user read), printing requests per second and
# latency.  Figures, not a pass/fail test.
#
#   bench/http.sh [SECONDS] [CONNECTIONS] [WRK_THREADS] [SERVER_THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-64}
wthreads=${3:-2}
sthreads=${4:-4}
command -v wrk >/dev/null || { echo "bench/http.sh needs wrk: apt-get install wrk" >&2; exit 1; }
make --no-print-directory build/vigil >/dev/null
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
V=build/vigil
$V agency add met --name "Bench Police" --kind police --db "$tmp/b.db" >/dev/null
pw="bench-password-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "$pw" | $V user add bench --role officer --agency met --db "$tmp/b.db" >/dev/null
$V serve --db "$tmp/b.db" --listen 127.0.0.1:0 --threads "$sthreads" --log-level warn \
	--osmand-listen off --teltonika-listen off >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 50); do grep -q listening "$tmp/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's|^vigil: listening on \(http://[0-9.:]*\).*|\1|p' "$tmp/out")
[ -n "$url" ] || { echo "the server did not start" >&2; cat "$tmp/out" "$tmp/err" >&2; exit 1; }
cookie=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
	-d "{\"username\":\"bench\",\"password\":\"$pw\"}" "$url/api/v1/login" |
	sed -n 's/^Set-Cookie: \(vigil_session=[^;]*\).*/\1/p')
[ -n "$cookie" ] || { echo "sign-in failed" >&2; cat "$tmp/err" >&2; exit 1; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "server:  vigil serve --threads $sthreads (SQLite WAL); wrk -t$wthreads -c$conns -d${secs}s, keep-alive"
for path in /healthz /api/v1/me; do
	echo
	echo "== GET $path"
	wrk -t"$wthreads" -c"$conns" -d"${secs}s" --latency -H "Cookie: $cookie" "$url$path" |
		grep -E 'Requests/sec|Latency  |50%|90%|99%|Non-2xx|Socket errors|requests in'
done
