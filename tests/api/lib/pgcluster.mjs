// A PostgreSQL cluster of a test's own, for a test that stops and starts the
// server: the shared test cluster (scripts/pg-test.sh) must not be disturbed,
// since other test files use it meanwhile.  As pg-test.sh does: initdb as the
// postgres user (initdb refuses root), trust authentication, 127.0.0.1 only,
// on a port of its own (55500 and up, at random), its socket in its directory.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function pgBin() {
	const root = '/usr/lib/postgresql';
	const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
	if (!versions.length) throw new Error('the PostgreSQL server is not installed (apt-get install postgresql)');
	versions.sort((a, b) => Number(a) - Number(b));
	return path.join(root, versions.at(-1), 'bin');
}

/** Run a command line as the postgres user when we are root; throws on failure unless told not to. */
function asPostgres(line, { check = true } = {}) {
	const root = process.getuid && process.getuid() === 0;
	const r = root ? spawnSync('su', ['postgres', '-s', '/bin/sh', '-c', line], { encoding: 'utf8' })
		: spawnSync('/bin/sh', ['-c', line], { encoding: 'utf8' });
	if (check && r.status !== 0) throw new Error(`${line}: exit ${r.status}\n${r.stderr}${r.stdout}`);
	return r.stdout;
}

const live = new Set();
process.on('exit', () => {
	for (const c of live) c.destroy();
});

/**
 * Make and start a cluster: {port, admin (its maintenance database's URL),
 * createDatabase() (an empty database's URL), stop(mode), start(), destroy()}.
 */
export function privateCluster() {
	const bin = pgBin();
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-pg-own-'));
	if (process.getuid && process.getuid() === 0) spawnSync('chown', ['postgres', dir]);
	const data = path.join(dir, 'data');
	asPostgres(`${bin}/initdb -D ${data} -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null`);
	const cluster = {
		port: 0,
		admin: '',
		/** Start the server and wait until it takes connections (on the port it had, once it has one). */
		start() {
			asPostgres(`${bin}/pg_ctl -D ${data} -l ${dir}/log -w -o "-p ${cluster.port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null`);
		},
		/** Stop it: 'immediate' is a crash (no shutdown checkpoint, sessions cut), 'fast' a clean stop. */
		stop(mode = 'immediate') {
			asPostgres(`${bin}/pg_ctl -D ${data} -m ${mode} -w stop >/dev/null`);
		},
		createDatabase(name = 'vigil') {
			const r = spawnSync('psql', ['-qAtX', '-v', 'ON_ERROR_STOP=1', cluster.admin, '-c', `CREATE DATABASE ${name}`], { encoding: 'utf8' });
			if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
			return `postgres://postgres@127.0.0.1:${cluster.port}/${name}`;
		},
		/** Stop it if it runs, and remove its files. */
		destroy() {
			if (!live.has(cluster)) return;
			live.delete(cluster);
			asPostgres(`${bin}/pg_ctl -D ${data} -m immediate -w stop >/dev/null 2>&1`, { check: false });
			fs.rmSync(dir, { recursive: true, force: true });
		},
	};
	live.add(cluster);
	// a port at random, another if that one is taken (by another test's cluster)
	for (let attempt = 1; ; attempt++) {
		cluster.port = 55500 + Math.floor(Math.random() * 400);
		cluster.admin = `postgres://postgres@127.0.0.1:${cluster.port}/postgres`;
		try {
			cluster.start();
			return cluster;
		} catch (e) {
			const log = fs.existsSync(path.join(dir, 'log')) ? fs.readFileSync(path.join(dir, 'log'), 'utf8') : '';
			if (attempt < 5 && /could not bind|already in use/i.test(log))
				continue;
			cluster.destroy();
			throw new Error(`${e.message}\nits log:\n${log.slice(-2000)}`);
		}
	}
}
