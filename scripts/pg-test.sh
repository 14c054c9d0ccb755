#!/bin/bash
# pg-test.sh start|stop|url — a throwaway PostgreSQL cluster for the tests, on
# 127.0.0.1 only, trust authentication, data in /tmp/vigil-pg (owned by the
# postgres user, as initdb refuses to run as root).  `start` prints the URL to
# export as VIGIL_TEST_PG.
set -euo pipefail
port=${VIGIL_PG_PORT:-55432}
dir=${VIGIL_PG_DIR:-/tmp/vigil-pg}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "pg-test.sh: PostgreSQL server not installed (apt-get install postgresql)" >&2; exit 1; }
url="postgres://postgres@127.0.0.1:$port/postgres"
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
case "${1:-}" in
start)
	if [ ! -f "$dir/PG_VERSION" ]; then
		mkdir -p "$dir"
		[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
		as_pg "$bin/initdb -D $dir -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
	fi
	if ! as_pg "$bin/pg_ctl -D $dir status" >/dev/null 2>&1; then
		as_pg "$bin/pg_ctl -D $dir -l $dir/log -w -o \"-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300\" start" >/dev/null
	fi
	echo "$url"
	;;
stop)
	as_pg "$bin/pg_ctl -D $dir -m fast stop" >/dev/null 2>&1 || true
	;;
url)
	echo "$url"
	;;
*)
	echo "usage: scripts/pg-test.sh start|stop|url" >&2
	exit 2
	;;
esac
