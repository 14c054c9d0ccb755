// Test harness for the Vigil API tests: starts a private server on a free
// port with a fresh database, seeds agencies and one user per role through the
// CLI, and gives clients that keep the session cookie and the CSRF token.
//
// Every test file starts its own server (in `before`) and stops it (in
// `after`), so files may run in parallel: nothing is shared between them.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '..', '..', '..');
// $VIGIL_BIN (relative to the working directory), else build/vigil in the repository
export const VIGIL_BIN = process.env.VIGIL_BIN ? path.resolve(process.env.VIGIL_BIN) : path.join(REPO, 'build', 'vigil');

function checkBinary() {
	if (!fs.existsSync(VIGIL_BIN))
		throw new Error(`the vigil binary is not at ${VIGIL_BIN}: run \`make\` in ${REPO}, or set VIGIL_BIN`);
}

export const AGENCIES = [
	{ code: 'met', name: 'Metropolitan Police', kind: 'police' },
	{ code: 'nlft', name: 'North London NHS', kind: 'nhs' },
	{ code: 'sas', name: 'Stalking Advocacy', kind: 'charity' },
];

export const ROLES = ['officer', 'supervisor', 'operator', 'clinician', 'advocate', 'analyst', 'admin'];

/* The schema version this release migrates to: a new migration changes it here. */
export const SCHEMA_VERSION = 21;

/*
 * What each role may do, as the API lists it (in the table's order).  Written
 * out by hand, not read from the server, so that a change to the permission
 * table (src/core/access.c) must be made here too, on purpose.
 */
export const PERMISSIONS = {
	officer: ['signed-in', 'agencies:read', 'cases:read', 'cases:create', 'cases:write', 'assessments:write', 'typology:write',
		'plans:write', 'orders:write', 'victims:write', 'devices:read', 'monitoring:write', 'register:read'],
	supervisor: ['signed-in', 'agencies:read', 'audit:read', 'cases:read', 'cases:create', 'cases:write', 'cases:signoff',
		'people:search', 'assessments:write', 'typology:write', 'plans:write', 'orders:write', 'victims:write',
		'compliance:read', 'devices:manage', 'devices:read', 'monitoring:write', 'fixes:post', 'alerts', 'register:read',
		'register:manage'],
	operator: ['signed-in', 'agencies:read', 'cases:read', 'devices:manage', 'devices:read', 'fixes:post', 'alerts'],
	clinician: ['signed-in', 'agencies:read', 'cases:read', 'typology:write', 'plans:write', 'programme'],
	advocate: ['signed-in', 'agencies:read', 'cases:read', 'plans:write', 'victims:write'],
	analyst: ['signed-in', 'agencies:read', 'cases:read', 'people:search', 'compliance:read', 'register:read'],
	admin: ['signed-in', 'agencies:read', 'agencies:manage', 'users:manage', 'tokens:manage', 'audit:read', 'metrics:read'],
};

export const AGENCY_OF = {
	officer: 'met',
	supervisor: 'met',
	operator: 'met',
	clinician: 'nlft',
	advocate: 'sas',
	analyst: 'met',
	admin: 'met',
};

/** A random password of 24 URL-safe characters. */
export function randomPassword() {
	return randomBytes(18).toString('base64url');
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/*
 * The engine the servers run on: SQLite files by default; PostgreSQL when
 * VIGIL_TEST_ENGINE=postgres and VIGIL_TEST_PG names a server's maintenance
 * database (postgres://user@host:port/postgres).  Each seeded database is then
 * a database of its own on that server, dropped afterwards.
 */
export const ENGINE = process.env.VIGIL_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
const PG_ADMIN = process.env.VIGIL_TEST_PG || '';
if (ENGINE === 'postgres' && !PG_ADMIN)
	throw new Error('VIGIL_TEST_ENGINE=postgres needs VIGIL_TEST_PG=postgres://user@host:port/postgres');
const livePgDatabases = new Set();

function psql(url, statement) {
	const r = spawnSync('psql', ['-qAtX', '-v', 'ON_ERROR_STOP=1', url, '-c', statement], { encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
	return r.stdout;
}

function pgCreateDatabase() {
	const name = `vigil_t_${randomBytes(6).toString('hex')}`;
	psql(PG_ADMIN, `CREATE DATABASE ${name}`);
	livePgDatabases.add(name);
	const url = new URL(PG_ADMIN);
	url.pathname = `/${name}`;
	return url.toString();
}

function pgDropDatabase(url) {
	const name = new URL(url).pathname.slice(1);
	if (!livePgDatabases.has(name))
		return;
	livePgDatabases.delete(name);
	try {
		psql(PG_ADMIN, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
	} catch {
		/* best effort at exit */
	}
}

// Servers and directories still live, so that a test process that dies (an
// uncaught error, a closed output pipe, a signal) leaves no server running
// and no temporary directory behind.
const liveChildren = new Set();
const liveDirs = new Set();
const dbOfDir = new Map(); // a seeded directory's PostgreSQL database

function cleanupNow() {
	for (const child of liveChildren) {
		try {
			child.kill('SIGKILL');
		} catch {
			/* already gone */
		}
	}
	liveChildren.clear();
	for (const dir of liveDirs) fs.rmSync(dir, { recursive: true, force: true });
	liveDirs.clear();
	for (const name of [...livePgDatabases]) {
		const url = new URL(PG_ADMIN);
		url.pathname = `/${name}`;
		pgDropDatabase(url.toString());
	}
}

process.on('exit', cleanupNow);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
	process.once(sig, () => {
		cleanupNow();
		process.kill(process.pid, sig);
	});
}

/*
 * The data key file that seals a database's victims' details (vigil key
 * init): for a SQLite file, the server's default beside it (DB.data-key, made
 * at its first start); for a PostgreSQL database, which has no "beside", a
 * file of its own in a temporary directory, made on first use and given to
 * every server on that database (spawnServer adds --data-key).
 */
const pgDataKeys = new Map(); // database URL -> key file
let pgKeyDir = null;

export function dataKeyOf(db) {
	if (!/^postgres(ql)?:\/\//.test(db))
		return `${db}.data-key`;
	if (!pgDataKeys.has(db)) {
		if (!pgKeyDir) {
			pgKeyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-pgkeys-'));
			liveDirs.add(pgKeyDir);
		}
		const file = path.join(pgKeyDir, `${randomBytes(6).toString('hex')}.data-key`);
		mustSucceed(cli(['key', 'init', '--key', file]), 'vigil key init');
		pgDataKeys.set(db, file);
	}
	return pgDataKeys.get(db);
}

/**
 * Let database `to` be opened with the data key file of database `from` (an
 * import: the values travel sealed): the file is copied where dataKeyOf(to)
 * looks.  Returns that path.
 */
export function shareDataKey(from, to) {
	const src = dataKeyOf(from);
	if (/^postgres(ql)?:\/\//.test(to)) {
		pgDataKeys.set(to, src);
		return src;
	}
	fs.copyFileSync(src, `${to}.data-key`);
	fs.chmodSync(`${to}.data-key`, 0o600);
	return `${to}.data-key`;
}

/** Run the binary synchronously: {status, stdout, stderr}. */
export function cli(args, { input, env } = {}) {
	checkBinary();
	const r = spawnSync(VIGIL_BIN, args, {
		input: input ?? '',
		encoding: 'utf8',
		env: { ...process.env, ...(env || {}) },
		timeout: 30000,
	});
	if (r.error) throw r.error;
	return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Run the binary asynchronously: a promise of {status, stdout, stderr}. */
export function cliAsync(args, { input } = {}) {
	checkBinary();
	return new Promise((resolve, reject) => {
		const child = spawn(VIGIL_BIN, args, { stdio: ['pipe', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => (stdout += d));
		child.stderr.on('data', (d) => (stderr += d));
		child.on('error', reject);
		child.on('close', (status) => resolve({ status, stdout, stderr }));
		child.stdin.on('error', () => {}); // it may exit without reading its input
		child.stdin.end(input ?? '');
	});
}

function mustSucceed(r, what) {
	if (r.status !== 0)
		throw new Error(`${what} failed (exit ${r.status}):\n${r.stderr}${r.stdout}`);
	return r;
}

/**
 * Make a temporary directory and a seeded database in it: the three agencies
 * and, unless users is false, one user per role (or only the given roles).
 * db: an empty database of the caller's to seed instead (a PostgreSQL URL on
 * a server of its own), which the caller drops.
 */
export async function seedDatabase({ users = true, roles = ROLES, dir, db: given } = {}) {
	if (!dir) {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-api-'));
		liveDirs.add(dir);
	}
	const db = given || (ENGINE === 'postgres' ? pgCreateDatabase() : path.join(dir, 'vigil.db'));
	if (ENGINE === 'postgres' && !given)
		dbOfDir.set(dir, db);
	const passwords = {};
	// agencies one at a time: the first creates and migrates the database
	for (const a of AGENCIES)
		mustSucceed(cli(['agency', 'add', a.code, '--name', a.name, '--kind', a.kind, '--db', db]),
			`vigil agency add ${a.code}`);
	if (users) {
		// Password hashing (about 100 ms of CPU and 64 MiB each) is the slow
		// part: two at a time, which is as fast as more on a small machine and
		// loads it less while other test files run their timing-sensitive tests.
		const queue = [...roles];
		const worker = async () => {
			for (let role; (role = queue.shift()); ) {
				const pw = randomPassword();
				passwords[role] = pw;
				const r = await cliAsync(['user', 'add', role, '--role', role, '--agency', AGENCY_OF[role], '--db', db], {
					input: `${pw}\n`,
				});
				mustSucceed(r, `vigil user add ${role}`);
			}
		};
		await Promise.all([worker(), worker()]);
	}
	return { dir, db, passwords };
}

/**
 * Spawn `vigil serve` on a database and wait for its "listening" line (cwd:
 * its working directory, where it writes files such as the demo passwords of
 * a PostgreSQL database).  Resolves to {child, url, port, stderr(), stdout(),
 * exited}.
 */
export function spawnServer(db, args = [], { timeoutMs = 10000, cwd } = {}) {
	// device ports only when a test asks for them: servers run side by side
	if (!args.includes('--osmand-listen')) args = [...args, '--osmand-listen', 'off'];
	if (!args.includes('--teltonika-listen')) args = [...args, '--teltonika-listen', 'off'];
	// on a server URL the default evidence store is ./vigil-attachments: keep it
	// out of the working tree, in a directory of its own removed on exit
	let scratch = null;
	if (!cwd && !args.includes('--attachments') && /^postgres(ql)?:\/\//.test(db)) {
		scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-test-att-'));
		args = [...args, '--attachments', scratch];
	}
	// a database on a server has no default data key file: its own
	if (!args.includes('--data-key') && /^postgres(ql)?:\/\//.test(db))
		args = [...args, '--data-key', dataKeyOf(db)];
	checkBinary();
	const child = spawn(VIGIL_BIN, ['serve', '--db', db, '--listen', '127.0.0.1:0', ...args], {
		stdio: ['ignore', 'pipe', 'pipe'],
		cwd,
	});
	let stdout = '';
	let stderr = '';
	child.stderr.setEncoding('utf8');
	child.stdout.setEncoding('utf8');
	child.stderr.on('data', (d) => (stderr += d));
	liveChildren.add(child);
	const exited = new Promise((resolve) =>
		child.on('exit', (code, signal) => {
			liveChildren.delete(child);
			if (scratch) removeDir(scratch);
			resolve({ code, signal });
		}),
	);
	return new Promise((resolve, reject) => {
		let done = false;
		const fail = (why) => {
			if (done) return;
			done = true;
			clearTimeout(timer);
			try {
				child.kill('SIGKILL');
			} catch {
				/* already gone */
			}
			// give stderr a moment to drain
			setTimeout(() => reject(new Error(`vigil serve did not start: ${why}\nstderr:\n${stderr}\nstdout:\n${stdout}`)), 50);
		};
		const timer = setTimeout(() => fail(`no "listening" line within ${timeoutMs} ms`), timeoutMs);
		child.on('error', (e) => fail(e.message));
		exited.then(({ code, signal }) => fail(`it exited (code ${code}, signal ${signal})`));
		child.stdout.on('data', (d) => {
			stdout += d;
			const m = stdout.match(/^vigil: listening on (https?:\/\/127\.0\.0\.1:(\d+)\/) \(database .*\)$/m);
			if (m && !done) {
				done = true;
				clearTimeout(timer);
				resolve({
					child,
					url: m[1].replace(/\/$/, ''),
					port: Number(m[2]),
					stderr: () => stderr,
					stdout: () => stdout,
					exited,
				});
			}
		});
	});
}

/**
 * A new, empty database of engine ('sqlite' or 'postgres'; by default the
 * engine under test) for dir: a file path or a PostgreSQL URL, dropped or
 * removed when the test process ends.  null for postgres without VIGIL_TEST_PG.
 */
export function emptyDatabase(dir, engine = ENGINE) {
	if (engine === 'postgres')
		return PG_ADMIN ? pgCreateDatabase() : null;
	return path.join(dir, `empty-${randomBytes(4).toString('hex')}.db`);
}

/** Remove a directory made by seedDatabase(). */
export function removeDir(dir) {
	fs.rmSync(dir, { recursive: true, force: true });
	liveDirs.delete(dir);
	if (dbOfDir.has(dir)) {
		pgDropDatabase(dbOfDir.get(dir));
		dbOfDir.delete(dir);
	}
}

/**
 * A test file's usual server: started with these options and signed in as
 * one role; returns {srv, [role]: client}, for
 * `before(async () => ({ srv, admin } = await startAs('admin')));`.
 */
export async function startAs(role, options) {
	const srv = await startServer(options);
	try {
		return { srv, [role]: await srv.login(role) };
	} catch (e) {
		await srv.stop();
		throw e;
	}
}

/** SIGTERM a server spawnServer() started, if it is still running, and wait for it to exit. */
export async function stopSpawned(node) {
	if (node && node.child.exitCode === null && node.child.signalCode === null) {
		node.child.kill('SIGTERM');
		await node.exited;
	}
}

/** Stop a test file's server (if it started) and check that it exited 0 on SIGTERM. */
export async function stopServer(srv) {
	if (srv) assert.equal(await srv.stop(), 0, 'the server exits 0 on SIGTERM');
}

/**
 * Start several servers side by side: an array of servers in the order of the
 * option objects.  If one fails to start, the others are stopped first.
 */
export async function startServers(...options) {
	const settled = await Promise.allSettled(options.map((o) => startServer(o)));
	const failed = settled.find((r) => r.status === 'rejected');
	if (failed) {
		await Promise.all(settled.filter((r) => r.status === 'fulfilled').map((r) => r.value.stop()));
		throw failed.reason;
	}
	return settled.map((r) => r.value);
}

/**
 * Start a seeded server (db: seed this empty database, as seedDatabase).  Returns {url, db, dir, attachments, passwords, stderr(), stop(),
 * login(username, password?), logins(usernames), osmandUrl(), teltonikaPort(), client(), bearer(token),
 * raw(path, init)}.
 */
export async function startServer({ args = [], users = true, roles = ROLES, db: given } = {}) {
	const { dir, db, passwords } = await seedDatabase({ users, roles, db: given });
	// evidence files in the test's own directory, whatever the engine
	const attachments = args.includes('--attachments') ? args[args.indexOf('--attachments') + 1]
		: path.join(dir, 'attachments');
	let srv;
	try {
		// the OsmAnd port only when a test asks for one (servers run side by side)
		const extra = [];
		if (!args.includes('--attachments')) extra.push('--attachments', attachments);
		srv = await spawnServer(db, [...args, ...extra]);
	} catch (e) {
		removeDir(dir);
		throw e;
	}
	let stopped = null;
	const server = {
		url: srv.url,
		port: srv.port,
		db,
		dir,
		attachments,
		passwords,
		child: srv.child,
		exited: srv.exited,
		stderr: srv.stderr,
		stdout: srv.stdout,
		/** SIGTERM, wait for the exit, remove the directory; the exit code. */
		async stop() {
			if (!stopped) {
				stopped = (async () => {
					if (srv.child.exitCode === null && srv.child.signalCode === null)
						srv.child.kill('SIGTERM');
					let timer;
					const timeout = new Promise((resolve) => {
						timer = setTimeout(() => {
							srv.child.kill('SIGKILL');
							resolve({ code: null, signal: 'SIGKILL (timeout)' });
						}, 15000);
					});
					const { code } = await Promise.race([srv.exited, timeout]);
					clearTimeout(timer);
					removeDir(dir);
					return code;
				})();
			}
			return stopped;
		},
		/** A client with no credentials. */
		client() {
			return new Client(srv.url);
		},
		/** A client that sends Authorization: Bearer TOKEN and no cookie. */
		bearer(token) {
			return new Client(srv.url, { bearer: token });
		},
		/** Sign in; throws unless the answer is 200.  The client keeps the session. */
		async login(username, password) {
			const c = new Client(srv.url);
			const res = await c.login(username, password ?? passwords[username]);
			if (res.status !== 200)
				throw new Error(`login ${username} answered ${res.status}: ${JSON.stringify(res.body)}`);
			return c;
		},
		/** Sign in as each of these users side by side (every role unless given): {username: client}. */
		async logins(usernames = ROLES) {
			const clients = await Promise.all(usernames.map((u) => server.login(u)));
			return Object.fromEntries(usernames.map((u, i) => [u, clients[i]]));
		},
		/** The OsmAnd port's base URL as the server announced it (--osmand-listen 127.0.0.1:0). */
		osmandUrl() {
			const m = srv.stdout().match(/vigil: OsmAnd devices on (http:\/\/127\.0\.0\.1:\d+)\//);
			assert.ok(m, `the OsmAnd port is announced: ${srv.stdout()}`);
			return m[1];
		},
		/** The Teltonika port as the server announced it (--teltonika-listen 127.0.0.1:0). */
		teltonikaPort() {
			const m = srv.stdout().match(/Teltonika devices on tcp:\/\/127\.0\.0\.1:(\d+)/);
			assert.ok(m, `the Teltonika port is announced: ${srv.stdout()}`);
			return Number(m[1]);
		},
		/** fetch() relative to the server with no client state. */
		raw(p, init = {}) {
			return rawRequest(srv.url, p, init);
		},
		/**
		 * Add an account on the command line (as a centre does for another
		 * agency's first staff: an administrator manages her own agency's
		 * accounts only).  Returns its password (none for a service account).
		 */
		addUser(username, role, agency, { service = false, password } = {}) {
			const pw = service ? '' : password ?? randomPassword();
			const args = ['user', 'add', username, '--role', role, '--agency', agency, '--db', db];
			if (service) args.push('--service');
			mustSucceed(cli(args, { input: service ? '' : `${pw}\n` }), `vigil user add ${username}`);
			if (!service) passwords[username] = pw;
			return pw;
		},
		/** Add an agency on the command line. */
		addAgency(code, kind, name) {
			mustSucceed(cli(['agency', 'add', code, '--name', name ?? `Agency ${code}`, '--kind', kind, '--db', db]),
				`vigil agency add ${code}`);
		},
		/** CLIENT grants PROVIDER the monitoring of its cases (the command line). */
		grant(client, provider) {
			mustSucceed(cli(['agency', 'grant', client, '--provider', provider, '--db', db]),
				`vigil agency grant ${client}`);
		},
		/**
		 * An API token acting with a role: a service account of the
		 * administrator's agency with that role, and a token made for it by
		 * the administrator (a token is never made for a person other than
		 * oneself).  Returns the POST /api/v1/tokens answer's body.
		 */
		async serviceToken(admin, role, { name, scope, devices, expires_in_days, username } = {}) {
			const user = username ?? `svc-${role}-${randomBytes(4).toString('hex')}`;
			let res = await admin.post('/api/v1/users', { username: user, role, service: true });
			if (res.status !== 201)
				throw new Error(`service account ${user}: ${res.status} ${JSON.stringify(res.body)}`);
			const body = { name: name ?? `${role} integration`, username: user };
			if (scope) body.scope = scope;
			if (devices) body.devices = devices;
			if (expires_in_days) body.expires_in_days = expires_in_days;
			res = await admin.post('/api/v1/tokens', body);
			if (res.status !== 201)
				throw new Error(`token for ${user}: ${res.status} ${JSON.stringify(res.body)}`);
			return res.body;
		},
	};
	return server;
}

async function parse(res) {
	const text = await res.text();
	let body = text;
	const type = res.headers.get('content-type') || '';
	if (type.startsWith('application/json') && text.length) {
		try {
			body = JSON.parse(text);
		} catch {
			body = text;
		}
	}
	return { status: res.status, body, text, headers: res.headers };
}

/** One request; resolves to {status, body, text, headers}. */
export async function rawRequest(base, p, init = {}) {
	const res = await fetch(base + p, { redirect: 'manual', ...init });
	return parse(res);
}

export class Client {
	constructor(base, { bearer } = {}) {
		this.base = base;
		this.cookie = null; // "vigil_session=..."
		this.csrf = null;
		this.bearerToken = bearer || null;
		this.user = null;
	}

	_take(res) {
		for (const c of res.headers.getSetCookie()) {
			const m = c.match(/^vigil_session=([^;]*)/);
			if (m) this.cookie = m[1] ? `vigil_session=${m[1]}` : null;
		}
	}

	/** A request with this client's credentials; init.headers may override. */
	async request(method, p, { body, headers = {}, csrf = true, json = true } = {}) {
		const h = {};
		if (this.cookie) h.Cookie = this.cookie;
		if (this.bearerToken) h.Authorization = `Bearer ${this.bearerToken}`;
		const write = method !== 'GET' && method !== 'HEAD';
		if (write && csrf && this.csrf) h['X-CSRF-Token'] = this.csrf;
		let payload;
		if (body !== undefined) {
			if (json && typeof body !== 'string' && !(body instanceof Uint8Array)) {
				payload = JSON.stringify(body);
			} else {
				payload = body;
			}
			if (json) h['Content-Type'] = 'application/json';
		}
		Object.assign(h, headers);
		for (const k of Object.keys(h)) if (h[k] === null || h[k] === undefined) delete h[k];
		const res = await fetch(this.base + p, { method, headers: h, body: payload, redirect: 'manual' });
		this._take(res);
		return parse(res);
	}

	get(p, opts) {
		return this.request('GET', p, opts);
	}
	post(p, body, opts = {}) {
		return this.request('POST', p, { body, ...opts });
	}
	patch(p, body, opts = {}) {
		return this.request('PATCH', p, { body, ...opts });
	}
	put(p, body, opts = {}) {
		return this.request('PUT', p, { body, ...opts });
	}
	del(p, opts = {}) {
		return this.request('DELETE', p, opts);
	}

	/** POST /api/v1/login; on 200 keeps the cookie and the CSRF token. */
	async login(username, password) {
		const res = await this.request('POST', '/api/v1/login', { body: { username, password }, csrf: false });
		if (res.status === 200) {
			this.csrf = res.body.csrf_token;
			this.user = res.body.user;
		}
		return res;
	}
}

/**
 * A POST whose Content-Length announces `size` bytes but that sends only the
 * first few, holding the rest until the answer has come: how to see the
 * server refuse an announced oversized body from its headers alone.  (Sending
 * the whole body races the server's early close, and the client may then see
 * a connection reset instead of the answer.)
 */
export async function postAnnounced(base, p, { size, headers = {}, start = '{"name":"' }) {
	let release;
	const hold = new Promise((resolve) => (release = resolve));
	const body = new ReadableStream({
		start(c) {
			c.enqueue(new TextEncoder().encode(start));
		},
		async pull(c) {
			await hold;
			c.close();
		},
	});
	try {
		return await rawRequest(base, p, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json', 'Content-Length': String(size), ...headers },
			body,
			duplex: 'half',
		});
	} finally {
		release();
	}
}

/** Parse Prometheus text into [{name, labels, value}]. */
export function parseMetrics(text) {
	const out = [];
	for (const line of text.split('\n')) {
		if (!line || line.startsWith('#')) continue;
		const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)$/);
		if (!m) throw new Error(`not a metrics line: ${line}`);
		const labels = {};
		if (m[2]) for (const kv of m[2].matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) labels[kv[1]] = kv[2];
		out.push({ name: m[1], labels, value: Number(m[3]) });
	}
	return out;
}

/** The single value of a metric with exactly these labels (or undefined). */
export function metricValue(samples, name, labels = {}) {
	const s = samples.find(
		(x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v),
	);
	return s ? s.value : undefined;
}

/** Run an SQL statement on a database with the sqlite3 tool. */
/** SQL for the bytes of a text column as upper-case hex, on either engine. */
export function sqlHex(column) {
	return ENGINE === 'postgres' ? `upper(encode(convert_to(${column}, 'UTF8'), 'hex'))` : `hex(${column})`;
}

/** The tables of a test database, sorted. */
export function tablesOf(db) {
	const q = db.startsWith('postgres')
		? 'SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename'
		: "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name";
	return sqlite(db, q).trim().split('\n');
}

/**
 * Run SQL straight on a test database, behind the server's back (to tamper
 * with it, or to read what was stored): sqlite3 for a file, psql for a
 * PostgreSQL URL.  Rows come back one per line, columns separated by '|'.
 */
export function sqlite(db, sql) {
	if (db.startsWith('postgres://') || db.startsWith('postgresql://'))
		return psql(db, sql);
	// wait for the server's write lock (its engine writes once a second) rather than fail at once
	const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', db, sql], { encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
	return r.stdout;
}

/**
 * Assert an error answer: the status, {"error":{"code","message"}} and, when
 * given, the field (null: no field at all).
 */
export function expectError(res, status, code, field) {
	const shown = `${res.status} ${typeof res.text === 'string' ? res.text.slice(0, 300) : ''}`;
	assert.equal(res.status, status, `expected status ${status} (${code}), got ${shown}`);
	assert.ok(res.body && typeof res.body === 'object' && res.body.error, `expected a JSON error body, got ${shown}`);
	assert.equal(res.body.error.code, code, `expected code ${code}, got ${shown}`);
	assert.equal(typeof res.body.error.message, 'string');
	assert.ok(res.body.error.message.length > 0, 'the error has a message');
	if (field === null) assert.equal(res.body.error.field, undefined, `expected no field, got ${shown}`);
	else if (field !== undefined) assert.equal(res.body.error.field, field, `expected field ${field}, got ${shown}`);
}
