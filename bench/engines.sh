#!/bin/bash
# bench/engines.sh — the same figures on SQLite and on PostgreSQL, side by side:
#   fix ingest  Teltonika over TCP with durable storage: build/bench/monitor tcp
#               against a real `vigil serve` (every fix stored, committed and
#               handed to the engine before its acknowledgement);
#   OsmAnd      the OsmAnd HTTP port, 64 keep-alive phones, one fix a request,
#               each waiting for its 200: build/bench/monitor osmand; once with
#               offender tags, once with victims' phones (whose positions are
#               sealed at rest: the cost of that encryption on ingest);
#   case page   GET /api/v1/cases/{ref} (the case with its people, flags and
#               links; a read that is audited, so each one appends to the audit
#               chain; its victim has a date of birth, an alias, a description,
#               a phone, an e-mail address and an address, all sealed at rest)
#               and GET /api/v1/cases (the caseload list), with wrk.
# Each engine gets a fresh database and a server of its own, one after the
# other.  Prints figures; not a pass/fail test.
#
#   VIGIL_BENCH_PG=postgres://user@host:port/postgres \
#     bench/engines.sh [SECONDS] [DEVICES] [RECORDS_PER_PACKET] [WRK_CONNECTIONS]
#
# The PostgreSQL server is $VIGIL_BENCH_PG, else $VIGIL_TEST_PG (a maintenance
# database: a database is created for the run and dropped after); without
# either, only SQLite is measured.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
devices=${2:-20}
records=${3:-20}
wconns=${4:-16}
phones=64           # OsmAnd connections, a phone each
phone0=700000000    # their uids
vphone0=710000000   # the victims' phones' uids
pg_admin=${VIGIL_BENCH_PG:-${VIGIL_TEST_PG:-}}
command -v wrk >/dev/null || { echo "bench/engines.sh needs wrk: apt-get install wrk" >&2; exit 1; }
make --no-print-directory build/vigil build/bench/monitor >/dev/null
V=build/vigil
tmp=$(mktemp -d)
pid=
pgdb=
cleanup() {
	[ -n "$pid" ] && { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; }
	[ -n "$pgdb" ] && psql -qAtX "$pg_admin" -c "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

sql() { # DB STATEMENT
	case $1 in
	postgres://* | postgresql://*) psql -qAtX -v ON_ERROR_STOP=1 "$1" -c "$2" ;;
	*) sqlite3 "$1" "$2" ;;
	esac
}

# measure NAME DB: the figures as NAME.key=value lines in $tmp/figures
measure() {
	local name=$1 db=$2 first=356000000000000 url cookie csrf ref out pw
	$V migrate --db "$db" >/dev/null
	sql "$db" "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $devices - 1)
	  INSERT INTO devices (uid, kind, protocol, expected_interval_s, created_at)
	  SELECT CAST($first + i AS TEXT), 'offender_tag', 'teltonika', 60, 0 FROM n;" >/dev/null
	sql "$db" "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $phones - 1)
	  INSERT INTO devices (uid, kind, protocol, expected_interval_s, created_at)
	  SELECT CAST($phone0 + i AS TEXT), 'offender_tag', 'osmand', 60, 0 FROM n;" >/dev/null
	sql "$db" "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $phones - 1)
	  INSERT INTO devices (uid, kind, protocol, expected_interval_s, created_at)
	  SELECT CAST($vphone0 + i AS TEXT), 'victim_phone', 'osmand', 60, 0 FROM n;" >/dev/null
	$V agency add met --name "Bench Police" --kind police --db "$db" >/dev/null
	pw="bench-password-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	echo "$pw" | $V user add bench --role officer --agency met --db "$db" >/dev/null
	# a release with encryption at rest seals victims' details with a data key
	# file: a SQLite database gets one beside it by itself, a database on a
	# server needs one given (releases before have no `vigil key`)
	keyarg=()
	case $db in
	postgres://* | postgresql://*)
		if $V key --help >/dev/null 2>&1; then
			$V key init --key "$tmp/$name.data-key" >/dev/null
			keyarg=(--data-key "$tmp/$name.data-key")
		fi ;;
	esac
	$V serve --db "$db" --listen 127.0.0.1:0 --threads 4 --log-level warn \
		--osmand-listen 127.0.0.1:0 --teltonika-listen 127.0.0.1:0 "${keyarg[@]}" \
		--attachments "$tmp/att-$name" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 100); do grep -q listening "$tmp/out" 2>/dev/null && break; sleep 0.1; done
	url=$(sed -n 's|^vigil: listening on \(http://[0-9.:]*\).*|\1|p' "$tmp/out")
	[ -n "$url" ] || { echo "the server on $name did not start" >&2; cat "$tmp/out" "$tmp/err" >&2; exit 1; }
	port=$(grep -o 'tcp://127.0.0.1:[0-9]*' "$tmp/out" | sed 's|.*:||')

	out=$(build/bench/monitor tcp "127.0.0.1:$port" "$devices" "$records" "$secs" "$first")
	{
		echo "$name.ingest=$(echo "$out" | sed -n 's/.*acknowledged fixes: [0-9]* = \([0-9]*\) fixes\/s.*/\1/p')"
		echo "$name.acklat=$(echo "$out" | sed -n 's/.*latency: mean \([0-9.]*\) ms, max \([0-9.]*\) ms.*/\1 \/ \2/p')"
		echo "$name.stored=$(sql "$db" 'SELECT COUNT(*) FROM fixes')"
	} >>"$tmp/figures"
	osm=$(grep -o 'OsmAnd devices on http://127.0.0.1:[0-9]*' "$tmp/out" | sed 's|.*//||')
	out=$(build/bench/monitor osmand "$osm" "$phones" "$secs" "$phone0")
	{
		echo "$name.osmand=$(echo "$out" | sed -n 's/.*answered 200: [0-9]* = \([0-9]*\) requests\/s.*/\1/p')"
		echo "$name.osmandlat=$(echo "$out" | sed -n 's/.*request latency: p50 \([0-9.]*\) ms, p99 \([0-9.]*\) ms.*/\1 \/ \2/p')"
	} >>"$tmp/figures"
	out=$(build/bench/monitor osmand "$osm" "$phones" "$secs" "$vphone0")
	{
		echo "$name.vosmand=$(echo "$out" | sed -n 's/.*answered 200: [0-9]* = \([0-9]*\) requests\/s.*/\1/p')"
		echo "$name.vosmandlat=$(echo "$out" | sed -n 's/.*request latency: p50 \([0-9.]*\) ms, p99 \([0-9.]*\) ms.*/\1 \/ \2/p')"
	} >>"$tmp/figures"

	curl -s -D "$tmp/h" -o "$tmp/login" -H 'Content-Type: application/json' \
		-d "{\"username\":\"bench\",\"password\":\"$pw\"}" "$url/api/v1/login"
	cookie=$(sed -n 's/^Set-Cookie: \(vigil_session=[^;]*\).*/\1/p' "$tmp/h" | tr -d '\r')
	csrf=$(sed -n 's/.*"csrf_token": *"\([^"]*\)".*/\1/p' "$tmp/login")
	[ -n "$cookie" ] && [ -n "$csrf" ] || { echo "sign-in failed on $name" >&2; cat "$tmp/err" >&2; exit 1; }
	for i in 1 2 3 4 5; do
		curl -s -o "$tmp/case" -H 'Content-Type: application/json' -H "Cookie: $cookie" \
			-H "X-CSRF-Token: $csrf" -d "{\"relationship\":\"ex_partner\",\"channel\":\"online\",
			\"summary\":\"bench case $i\",\"victims\":[{\"name\":\"Victim $i\",
			\"dob\":\"1990-0$i-1$i\",\"aliases\":[\"Vee $i\"],\"description\":\"bench victim $i\",
			\"identifiers\":[{\"kind\":\"phone\",\"value\":\"07700 90012$i\"},
			{\"kind\":\"email\",\"value\":\"victim$i@example.org\"},
			{\"kind\":\"address\",\"value\":\"$i Bench Road, London\"}]}],
			\"suspect\":{\"name\":\"Suspect $i\"}}" "$url/api/v1/cases"
	done
	ref=$(sed -n 's/.*"ref": *"\(STAC-[0-9-]*\)".*/\1/p' "$tmp/case")
	[ -n "$ref" ] || { echo "cannot create a case on $name: $(cat "$tmp/case")" >&2; exit 1; }
	for what in "case:/api/v1/cases/$ref" "list:/api/v1/cases"; do
		out=$(wrk -t2 -c"$wconns" -d"${secs}s" --latency -H "Cookie: $cookie" "$url${what#*:}")
		{
			echo "$name.${what%%:*}=$(echo "$out" | sed -n 's/^Requests\/sec: *\([0-9.]*\)/\1/p')"
			echo "$name.${what%%:*}lat=$(echo "$out" | awk '$1=="50%"{p50=$2} $1=="99%"{p99=$2} END{print p50 " / " p99}')"
			n=$(echo "$out" | sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\)/\1/p')
			echo "$name.${what%%:*}non2xx=${n:-0}"
		} >>"$tmp/figures"
	done
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
}

: >"$tmp/figures"
measure sqlite "$tmp/bench.db"
if [ -n "$pg_admin" ]; then
	pgdb="vigil_bench_$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	psql -qAtX "$pg_admin" -c "CREATE DATABASE $pgdb" >/dev/null
	measure postgresql "$(echo "$pg_admin" | sed "s|/[^/?]*\(?.*\)\{0,1\}$|/$pgdb\1|")"
fi

fig() { sed -n "s|^$1=||p" "$tmp/figures"; }
row() { # LABEL KEY
	printf '%-42s %-20s %-20s\n' "$1" "$(fig "sqlite.$2")" "$( [ -n "$pg_admin" ] && fig "postgresql.$2" || echo '(no server)')"
}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "server:  vigil serve --threads 4, one engine at a time, on loopback"
echo "SQLite:  WAL; fixes through the ingest committer with synchronous=FULL (an acknowledged fix survives a power loss), API writes NORMAL"
[ -n "$pg_admin" ] && echo "PostgreSQL: $(psql -qAtX "$pg_admin" -c 'SHOW server_version' | cut -d' ' -f1)," \
	"fsync=$(psql -qAtX "$pg_admin" -c 'SHOW fsync')," \
	"synchronous_commit=$(psql -qAtX "$pg_admin" -c 'SHOW synchronous_commit')"
echo "ingest:  $devices Teltonika connections, $records records per packet, ${secs}s; pages: wrk -t2 -c$wconns -d${secs}s"
echo
printf '%-42s %-20s %-20s\n' "" "SQLite (WAL)" "PostgreSQL"
row "fix ingest, acknowledged fixes/s" ingest
row "  ack latency mean / max, ms" acklat
row "  fixes in the database afterwards" stored
row "OsmAnd, $phones phones, requests/s" osmand
row "  request latency p50 / p99, ms" osmandlat
row "OsmAnd, $phones victims' phones, requests/s" vosmand
row "  request latency p50 / p99, ms" vosmandlat
row "case page GET /cases/{ref}, requests/s" case
row "  latency p50 / p99" caselat
row "  non-2xx answers" casenon2xx
row "case list GET /cases, requests/s" list
row "  latency p50 / p99" listlat
row "  non-2xx answers" listnon2xx
