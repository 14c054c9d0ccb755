#!/bin/bash
# bench/monitor.sh — the monitoring benchmark, in four parts:
#   rules    the rules on a simulated day (ground truth: missed, late, false
#            alerts) and decode + rules throughput (build/bench/monitor rules);
#   tcp      end to end over the Teltonika TCP port with durable storage: a C
#            load sender against a real `vigil serve` on a temporary SQLite
#            database; beside it TCP_WALKERS tags (default 20) walk into their
#            home zones, are asked by the server for faster fixes (Codec 12)
#            and obey only what they read;
#   osmand   end to end over the OsmAnd HTTP port the same way, keep-alive
#            connections, one device each, each waiting for its 200;
#   latency  fix-to-alert latency on the live stream (GET /api/v1/alerts/stream)
#            at 100,000 devices (50,000 offender tags, each with a case and a
#            home zone, and 50,000 victim phones) under background load, then
#            the engine's memory per device from its own accounting
#            (vigil_engine_memory_bytes in /metrics) and the server's RSS;
#   reconnect  a mass reconnect after a network outage: RECONNECT_TAGS Teltonika
#            tags (default 20,000) connect within RECONNECT_SPREAD seconds (60),
#            each sending a RECONNECT_BACKLOG-second backlog (600) of one fix
#            every 10 s; every 20th enters its home zone in it.  Prints how long
#            the backlog took to store and to judge, and checks that each entry
#            was alerted at its own fix's time, marked late (not part of the
#            default PARTS: run it with PARTS=reconnect).
# Prints figures; not a pass/fail test.
#
#   bench/monitor.sh [OFFENDERS] [CONNECTIONS] [RECORDS_PER_PACKET] [SECONDS]
#   PARTS="tcp osmand" bench/monitor.sh ...   (default: all four)
#   OSMAND_CONNS=64 LATENCY_OFFENDERS=50000 LATENCY_RATE=5000 LATENCY_PROBES=1000
#   TCP_WALKERS=20 (0: none)
#   RECONNECT_TAGS=20000 RECONNECT_SPREAD=60 RECONNECT_BACKLOG=600
#   LATENCY_PROXIMITY=1 (each case also has a 500 m proximity zone round her phone)
#   LATENCY_CHANGES=1 (an officer draws that many zones a second through the API
#   during the run, on background cases, far from everyone: configuration changes)
set -euo pipefail
cd "$(dirname "$0")/.."
offenders=${1:-1000}
conns=${2:-50}
records=${3:-50}
secs=${4:-10}
parts=${PARTS:-rules tcp osmand latency}
osmand_conns=${OSMAND_CONNS:-64}
walkers=${TCP_WALKERS:-20}
lat_off=${LATENCY_OFFENDERS:-50000}
lat_rate=${LATENCY_RATE:-5000}
lat_probes=${LATENCY_PROBES:-1000}
# a proximity zone too in every case (500 m round her phone): LATENCY_PROXIMITY=0 leaves it out
lat_prox=${LATENCY_PROXIMITY:-1}
# zones drawn through the API while the probes run, a second (0: none)
lat_changes=${LATENCY_CHANGES:-1}
make --no-print-directory build/vigil build/bench/monitor >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

tmp=$(mktemp -d)
pid=
stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; fi; pid=; }
trap 'stop; rm -rf "$tmp"' EXIT

# serve DB ARGS...: start `vigil serve` on DB; sets pid, api, osm, tcp
serve() {
	local db=$1
	shift
	build/vigil serve --db "$db" --listen 127.0.0.1:0 --log-level warn "$@" \
		>"$tmp/out" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 600); do grep -q listening "$tmp/out" 2>/dev/null && break; sleep 0.1; done
	grep -q listening "$tmp/out" || { echo "the server did not start:"; cat "$tmp/err"; exit 1; }
	api=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$tmp/out" | sed 's|.*//||')
	osm=$(grep -o 'OsmAnd devices on http://127.0.0.1:[0-9]*' "$tmp/out" | sed 's|.*//||' || true)
	tcp=$(grep -o 'tcp://127.0.0.1:[0-9]*' "$tmp/out" | sed 's|.*//||' || true)
}

# devices DB FIRST N KIND PROTOCOL: register N devices with uids FIRST and up
devices() {
	sqlite3 "$1" "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $3 - 1)
	  INSERT INTO devices (uid, kind, protocol, expected_interval_s, created_at)
	  SELECT CAST($2 + i AS TEXT), '$4', '$5', 3600, CAST(strftime('%s', 'now') AS INTEGER) * 1000 FROM n;"
}

for part in $parts; do
case $part in
rules)
	echo
	echo "== rules (bench/monitor rules $offenders)"
	build/bench/monitor rules "$offenders"
	;;
tcp)
	echo
	echo "== end to end: Teltonika over TCP, durable (SQLite WAL)"
	rm -f "$tmp"/t.db*
	build/vigil migrate --db "$tmp/t.db" >/dev/null
	first=356000000000000
	devices "$tmp/t.db" $first "$conns" offender_tag teltonika
	# the walkers: a case each, their tag assigned, a 50 m home zone at
	# bench/monitor.c walker_centre(i)
	walk_first=357000000000000
	if [ "$walkers" -gt 0 ]; then
		build/vigil agency add bench --name Bench --kind police --db "$tmp/t.db" >/dev/null
		echo "bench-password-$RANDOM$RANDOM" |
			build/vigil user add bench-officer --role officer --agency bench --db "$tmp/t.db" >/dev/null
		now="CAST(strftime('%s', 'now') AS INTEGER) * 1000"
		devices "$tmp/t.db" $walk_first "$walkers" offender_tag teltonika
		sqlite3 "$tmp/t.db" "BEGIN;
		  WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $walkers - 1)
		  INSERT INTO cases (ref, status, relationship, channel, owner_id, agency_id, created_by,
		                     created_at, updated_at)
		  SELECT 'WALK-' || i, 'managed', 'ex_partner', 'online', u.id, u.agency_id, u.id, $now, $now
		  FROM n, users u WHERE u.username = 'bench-officer';
		  INSERT INTO device_assignments (device_id, case_id, role, starts_at)
		  SELECT d.id, c.id, 'suspect', 0 FROM devices d JOIN cases c
		    ON c.ref = 'WALK-' || (CAST(d.uid AS INTEGER) - $walk_first)
		  WHERE d.uid >= '$walk_first';
		  INSERT INTO zones (case_id, name, kind, geometry, radius_m, warning_m, created_at)
		  SELECT c.id, 'home', 'exclusion',
		         printf('{\"type\":\"Point\",\"coordinates\":[%.6f,%.6f]}', -0.3,
		                51.8 + CAST(substr(c.ref, 6) AS INTEGER) * 0.01),
		         50, 0, $now FROM cases c WHERE c.ref LIKE 'WALK-%';
		  COMMIT;"
	fi
	# commands a walker obeys: a fix a second while asked, every 10 s otherwise
	serve "$tmp/t.db" --osmand-listen off --teltonika-listen 127.0.0.1:0 \
		--teltonika-fast-command 'setparam 10050:1;10055:1' \
		--teltonika-normal-command 'setparam 10050:10;10055:10'
	build/bench/monitor tcp "$tcp" "$conns" "$records" "$secs" "$first" "$walkers" "$walk_first"
	stop
	echo "  stored: $(sqlite3 "$tmp/t.db" 'SELECT COUNT(*) FROM fixes') fixes in the database"
	;;
osmand)
	echo
	echo "== end to end: OsmAnd over HTTP, keep-alive, durable (SQLite WAL)"
	rm -f "$tmp"/o.db*
	build/vigil migrate --db "$tmp/o.db" >/dev/null
	first=700000000
	devices "$tmp/o.db" $first "$osmand_conns" offender_tag osmand
	serve "$tmp/o.db" --osmand-listen 127.0.0.1:0 --teltonika-listen off
	build/bench/monitor osmand "$osm" "$osmand_conns" "$secs" "$first"
	stop
	echo "  stored: $(sqlite3 "$tmp/o.db" 'SELECT COUNT(*) FROM fixes') fixes in the database"
	;;
latency)
	echo
	echo "== fix-to-alert latency on the live stream, and engine memory per device"
	db=$tmp/l.db
	rm -f "$db"*
	build/vigil migrate --db "$db" >/dev/null
	build/vigil agency add bench --name Bench --kind police --db "$db" >/dev/null
	pw=bench-password-$RANDOM$RANDOM
	for r in operator admin officer; do
		echo "$pw" | build/vigil user add "bench-$r" --role $r --agency bench --db "$db" >/dev/null
	done
	first=800000000
	now="CAST(strftime('%s', 'now') AS INTEGER) * 1000"
	# one case per offender (ids 1..N on a new database), his tag and her
	# phone assigned to it, a 50 m home zone (bench/monitor.c zone_centre)
	# and a 500 m proximity zone round her phone (her phone is some 40 km
	# from him: it never fires, but every fix of either is checked against it)
	sqlite3 "$db" "BEGIN;
	  WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $lat_off - 1)
	  INSERT INTO cases (ref, status, relationship, channel, owner_id, agency_id, created_by,
	                     created_at, updated_at)
	  SELECT 'BENCH-' || i, 'managed', 'ex_partner', 'online', u.id, u.agency_id, u.id, $now, $now
	  FROM n, users u WHERE u.username = 'bench-officer';
	  COMMIT;"
	devices "$db" $first "$lat_off" offender_tag osmand
	devices "$db" $((first + lat_off)) "$lat_off" victim_phone osmand
	sqlite3 "$db" "BEGIN;
	  INSERT INTO device_assignments (device_id, case_id, role, starts_at)
	  SELECT d.id, CAST(d.uid AS INTEGER) - $first + 1, 'suspect', 0 FROM devices d
	  WHERE d.kind = 'offender_tag';
	  INSERT INTO device_assignments (device_id, case_id, role, starts_at)
	  SELECT d.id, CAST(d.uid AS INTEGER) - $first - $lat_off + 1, 'victim', 0 FROM devices d
	  WHERE d.kind = 'victim_phone';
	  INSERT INTO zones (case_id, name, kind, geometry, radius_m, warning_m, created_at)
	  SELECT c.id, 'home', 'exclusion',
	         printf('{\"type\":\"Point\",\"coordinates\":[%.6f,%.6f]}',
	                -0.5 + ((c.id - 1) % 250) * 0.004, 51.3 + ((c.id - 1) / 250) * 0.002),
	         50, 50, $now FROM cases c;
	  INSERT INTO zones (case_id, name, kind, geometry, radius_m, warning_m, created_at)
	  SELECT c.id, 'near her', 'proximity', NULL, 500, 200, $now FROM cases c
	  WHERE $lat_prox;
	  COMMIT;"
	serve "$db" --osmand-listen 127.0.0.1:0 --teltonika-listen off --threads 4
	login() {
		curl -s -c "$tmp/jar-$1" -H 'Content-Type: application/json' \
			-d "{\"username\":\"bench-$1\",\"password\":\"$pw\"}" "http://$api/api/v1/login" >/dev/null
		sed 's/^#HttpOnly_//' "$tmp/jar-$1" | awk '!/^#/ && NF >= 7 { print $6 "=" $7 }'
	}
	memory() {
		local m
		m=$(curl -s -b "$tmp/jar-admin" "http://$api/metrics")
		local b d
		b=$(echo "$m" | awk '$1 == "vigil_engine_memory_bytes" { print $2 }')
		d=$(echo "$m" | awk '$1 == "vigil_engine_devices" { print $2 }')
		echo "  engine memory $1 (its own accounting, /metrics): $b bytes for $d devices" \
			"= $((b / d)) bytes/device; server RSS $(awk '/VmRSS/ { print $2, $3 }' /proc/$pid/status)"
	}
	op=$(login operator)
	login admin >/dev/null
	[ "$lat_prox" = 1 ] && echo "  each case also has a 500 m proximity zone round her phone (LATENCY_PROXIMITY=1)"
	memory "at start"
	changer=
	if [ "$lat_changes" != 0 ]; then
		csrf=$(curl -s -c "$tmp/jar-officer" -H 'Content-Type: application/json' \
			-d "{\"username\":\"bench-officer\",\"password\":\"$pw\"}" "http://$api/api/v1/login" |
			sed 's/.*"csrf_token":"\([^"]*\)".*/\1/')
		echo "  configuration changes during the run: $lat_changes zone(s) a second drawn through the API"
		(
			i=1
			while :; do
				curl -s -o /dev/null -b "$tmp/jar-officer" -H 'Content-Type: application/json' \
					-H "X-CSRF-Token: $csrf" -d '{"name":"bench change","kind":"exclusion","geometry":{"type":"Point","coordinates":[0.5,60.5]},"radius_m":100}' \
					"http://$api/api/v1/cases/BENCH-$i/zones"
				i=$((i + 1))
				sleep "$(awk -v r="$lat_changes" 'BEGIN { print 1 / r }')"
			done
		) &
		changer=$!
	fi
	build/bench/monitor latency "$osm" "$api" "$op" $first "$lat_off" "$lat_off" "$lat_rate" \
		"$lat_probes" "$secs" || echo "  (not every probe's alert was seen)"
	if [ -n "$changer" ]; then
		kill "$changer" 2>/dev/null
		wait "$changer" 2>/dev/null || true
		# (zones' names are sealed at rest: the ones drawn are the 100 m ones)
		echo "  zones drawn during the run: $(sqlite3 "$db" "SELECT COUNT(*) FROM zones WHERE radius_m = 100")"
	fi
	memory "after the run"
	stop
	;;
reconnect)
	echo
	echo "== a mass reconnect after an outage: Teltonika backlogs, durable (SQLite WAL)"
	db=$tmp/r.db
	rm -f "$db"*
	ntags=${RECONNECT_TAGS:-20000}
	spread=${RECONNECT_SPREAD:-60}
	backlog=${RECONNECT_BACKLOG:-600}
	every=20
	build/vigil migrate --db "$db" >/dev/null
	build/vigil agency add bench --name Bench --kind police --db "$db" >/dev/null
	pw=bench-password-$RANDOM$RANDOM
	for r in admin officer; do
		echo "$pw" | build/vigil user add "bench-$r" --role $r --agency bench --db "$db" >/dev/null
	done
	first=358000000000000
	now="CAST(strftime('%s', 'now') AS INTEGER) * 1000"
	# tag i: a case of its own, its home zone (50 m) at bench/monitor.c
	# backlog_centre(i), assigned from a day ago (before the backlog)
	devices "$db" $first "$ntags" offender_tag teltonika
	sqlite3 "$db" "BEGIN;
	  WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $ntags - 1)
	  INSERT INTO cases (ref, status, relationship, channel, owner_id, agency_id, created_by,
	                     created_at, updated_at)
	  SELECT 'BACKLOG-' || i, 'managed', 'ex_partner', 'online', u.id, u.agency_id, u.id, $now, $now
	  FROM n, users u WHERE u.username = 'bench-officer';
	  INSERT INTO device_assignments (device_id, case_id, role, starts_at)
	  SELECT d.id, c.id, 'suspect', $now - 86400000 FROM devices d JOIN cases c
	    ON c.ref = 'BACKLOG-' || (CAST(d.uid AS INTEGER) - $first);
	  INSERT INTO zones (case_id, name, kind, geometry, radius_m, warning_m, created_at)
	  SELECT c.id, 'home', 'exclusion',
	         printf('{\"type\":\"Point\",\"coordinates\":[%.6f,%.6f]}',
	                -2.0 + (CAST(substr(c.ref, 9) AS INTEGER) % 200) * 0.01,
	                53.0 + (CAST(substr(c.ref, 9) AS INTEGER) / 200) * 0.01),
	         50, 0, $now - 86400000 FROM cases c WHERE c.ref LIKE 'BACKLOG-%';
	  COMMIT;"
	serve "$db" --osmand-listen off --teltonika-listen 127.0.0.1:0
	curl -s -c "$tmp/jar-admin" -H 'Content-Type: application/json' \
		-d "{\"username\":\"bench-admin\",\"password\":\"$pw\"}" "http://$api/api/v1/login" >/dev/null
	cookie=$(sed 's/^#HttpOnly_//' "$tmp/jar-admin" | awk '!/^#/ && NF >= 7 { print $6 "=" $7 }')
	build/bench/monitor reconnect "$tcp" "$api" "$cookie" "$ntags" "$spread" "$backlog" 10 \
		$first $every "$tmp/expected.tsv"
	stop
	sqlite3 "$db" "CREATE TEMP TABLE ex (uid TEXT, at INTEGER);" \
		".mode tabs" ".import $tmp/expected.tsv ex" \
		"CREATE TEMP TABLE got AS SELECT ex.uid, ex.at, a.fix_at, a.late, a.opened_at
		   FROM ex JOIN devices d ON d.uid = ex.uid
		   LEFT JOIN alerts a ON a.device_id = d.id AND a.kind = 'zone_entry';" \
		".mode list" ".separator ' '" \
		"SELECT '  zone entries in the backlogs:', (SELECT COUNT(*) FROM ex),
		        '; alerted:', (SELECT COUNT(DISTINCT uid) FROM got WHERE fix_at IS NOT NULL),
		        '; at the time of the fix that entered:', (SELECT COUNT(*) FROM got WHERE fix_at = at),
		        '; marked late:', (SELECT COUNT(*) FROM got WHERE late = 1),
		        '; more than one alert for one entry:',
		        (SELECT COUNT(*) FROM (SELECT uid FROM got GROUP BY uid HAVING COUNT(*) > 1));" \
		"SELECT '  entry alerts on tags that never entered:', COUNT(*) FROM alerts a
		   JOIN devices d ON d.id = a.device_id
		   WHERE a.kind = 'zone_entry' AND d.uid NOT IN (SELECT uid FROM ex);" \
		"SELECT '  an entry alerted after its fix: mean', CAST(AVG(opened_at - fix_at) / 1000 AS INTEGER), 's (the backlog is up to ' || $backlog || ' s old)' FROM got WHERE fix_at IS NOT NULL;"
	echo "  stored: $(sqlite3 "$db" 'SELECT COUNT(*) FROM fixes') fixes in the database"
	;;
*)
	echo "unknown part '$part' (rules, tcp, osmand, latency, reconnect)" >&2
	exit 2
	;;
esac
done
