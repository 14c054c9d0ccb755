// The `vigil` command line: help, usage errors (exit 2), failures (exit 1),
// user and agency administration, migrations, and refusing a database from a
// newer release.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { cli, randomPassword, seedDatabase, spawnServer, sqlite, SCHEMA_VERSION } from './lib/server.mjs';

let dir;

before(() => {
	dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cli-'));
});
after(() => {
	if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const dbPath = (name) => path.join(dir, name);

describe('help and usage errors', () => {
	test('`vigil --help` exits 0 listing the commands on stdout', () => {
		for (const arg of ['--help', '-h', 'help']) {
			const r = cli([arg]);
			assert.equal(r.status, 0, arg);
			assert.match(r.stdout, /^usage: vigil COMMAND/);
			for (const c of ['serve', 'migrate', 'user', 'agency', 'audit', 'key', 'permissions']) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
			assert.equal(r.stderr, '');
		}
	});

	test('`vigil` with no command exits 2 with the usage on stderr', () => {
		const r = cli([]);
		assert.equal(r.status, 2);
		assert.match(r.stderr, /usage: vigil COMMAND/);
		assert.equal(r.stdout, '');
	});

	test('`vigil --version` exits 0 with the version and schema', () => {
		const r = cli(['--version']);
		assert.equal(r.status, 0);
		assert.match(r.stdout, new RegExp(`^vigil \\d+\\.\\d+\\.\\d+ \\(schema ${SCHEMA_VERSION}\\)\\n$`));
	});

	test('`vigil nosuch` exits 2 with a message on stderr', () => {
		const r = cli(['nosuch']);
		assert.equal(r.status, 2);
		assert.match(r.stderr, /unknown command 'nosuch'/);
		assert.equal(r.stdout, '');
	});

	test('`vigil key` refuses what it cannot do: no command, no --key for init, no --id for retire, bad numbers (exit 2)', () => {
		for (const [args, why] of [
			[['key'], /say what to do: init, add, rotate, retire, encrypt or status/],
			[['key', 'init'], /'key init' needs --key FILE/],
			[['key', 'retire', '--db', dbPath('never.db')], /'key retire' needs --id N/],
			[['key', 'retire', '--id', '0'], /--id wants a key number/],
			[['key', 'rotate', '--batch', '0'], /--batch wants 1 to 100000 rows/],
			[['key', 'rotate', '--settle-ms', '-1'], /--settle-ms wants 0 to 600000/],
			[['key', 'spin'], /unknown command 'spin'/],
		]) {
			const r = cli(args);
			assert.equal(r.status, 2, args.join(' '));
			assert.match(r.stderr, why, args.join(' '));
		}
	});

	test('`vigil key init` makes a key file of mode 0600 and never overwrites one', () => {
		const key = dbPath('made.key');
		const r = cli(['key', 'init', '--key', key]);
		assert.equal(r.status, 0, r.stderr);
		assert.equal(fs.statSync(key).mode & 0o777, 0o600);
		const text = fs.readFileSync(key, 'utf8');
		assert.match(text, /^key 1 [0-9a-f]{64}$/m);
		const again = cli(['key', 'init', '--key', key]);
		assert.equal(again.status, 1);
		assert.match(again.stderr, /never overwritten/);
		assert.equal(fs.readFileSync(key, 'utf8'), text);
	});

	for (const cmd of ['serve', 'migrate', 'user', 'agency', 'audit', 'key', 'permissions']) {
		test(`\`vigil ${cmd} --help\` exits 0 with its usage on stdout`, () => {
			const r = cli([cmd, '--help']);
			assert.equal(r.status, 0, r.stderr);
			assert.match(r.stdout, new RegExp(`^usage: vigil ${cmd}\\b`));
			assert.equal(r.stderr, '');
		});
	}

	test('`vigil serve --bogus` exits 2 naming the option', () => {
		const r = cli(['serve', '--bogus', '--db', dbPath('never.db')]);
		assert.equal(r.status, 2);
		assert.match(r.stderr, /unknown option '--bogus'/);
		assert.ok(!fs.existsSync(dbPath('never.db')), 'no database is created on a usage error');
	});

	test('`vigil serve` with bad option values exits 2', () => {
		for (const args of [
			['--listen', 'nope'],
			['--listen', '127.0.0.1:99999'],
			['--threads', '0'],
			['--threads', '65'],
			['--session-idle', '0'],
			['--session-max', 'soon'],
			['--login-max-failures', '1'],
			['--login-backoff-ms', '-5'],
			['--login-lockout', '0'],
			['--addr-max-failures', '0'],
			['--log-level', 'loud'],
			['--db'],
			['stray-argument'],
		]) {
			const r = cli(['serve', ...args]);
			assert.equal(r.status, 2, `serve ${args.join(' ')}: ${r.stderr}`);
			assert.match(r.stderr, /^vigil serve: /, args.join(' '));
		}
	});

	test('`vigil user add` without --role exits 2 and adds nobody', () => {
		const r = cli(['user', 'add', 'bob', '--agency', 'met', '--db', dbPath('norole.db')], { input: 'a-good-password\n' });
		assert.equal(r.status, 2);
		assert.match(r.stderr, /--role/);
		assert.ok(!fs.existsSync(dbPath('norole.db')));
	});

	test('`vigil user add` with an unknown role or a bad username exits 2', () => {
		const r1 = cli(['user', 'add', 'bob', '--role', 'god', '--agency', 'met', '--db', dbPath('x.db')]);
		assert.equal(r1.status, 2);
		assert.match(r1.stderr, /unknown role 'god'/);
		const r2 = cli(['user', 'add', 'Bad Name', '--role', 'officer', '--agency', 'met', '--db', dbPath('x.db')]);
		assert.equal(r2.status, 2);
		const r3 = cli(['user', 'add', '--role', 'officer', '--agency', 'met', '--db', dbPath('x.db')]);
		assert.equal(r3.status, 2);
	});

	test("serve's webhook options are checked: a URL, and numbers in range, or exit 2 naming the option", () => {
		for (const [args, why] of [
			[['--webhook-victim', 'ftp://gateway/sms'], /--webhook-victim wants an http:\/\/ or https:\/\/ URL/],
			[['--webhook-attempts', '0'], /--webhook-attempts wants 1 to 20/],
			[['--webhook-attempts', '21'], /--webhook-attempts wants 1 to 20/],
			[['--webhook-attempts', 'six'], /--webhook-attempts wants 1 to 20/],
			[['--webhook-backoff-ms', '9'], /--webhook-backoff-ms wants 10 to 600000/],
			[['--webhook-timeout-ms', '99'], /--webhook-timeout-ms wants 100 to 60000/],
			[['--webhook-timeout-ms', '60001'], /--webhook-timeout-ms wants 100 to 60000/],
		]) {
			const r = cli(['serve', '--db', dbPath('never.db'), ...args]);
			assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
			assert.match(r.stderr, why);
		}
		assert.ok(!fs.existsSync(dbPath('never.db')), 'no database is created on a usage error');
	});

	test('usage errors of the other commands exit 2', () => {
		for (const args of [
			['user'],
			['user', 'frobnicate'],
			['user', 'list', 'extra'],
			['user', '--nope'],
			['agency'],
			['agency', 'add'],
			['agency', 'add', 'x1', '--name', 'X'],
			['agency', 'add', 'x1', '--name', 'X', '--kind', 'army'],
			['agency', 'add', 'Bad Code', '--name', 'X', '--kind', 'other'],
			['audit'],
			['audit', 'check'],
			['migrate', 'extra'],
			['permissions', '--bogus'],
		]) {
			const r = cli(args);
			assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
			assert.ok(r.stderr.length > 0, args.join(' '));
		}
	});
});

describe('users and agencies', () => {
	let db;
	before(async () => {
		({ db } = await seedDatabase({ users: false, dir: fs.mkdtempSync(path.join(dir, 'seed-')) }));
	});

	test('`vigil agency list` shows the seeded agencies', () => {
		const r = cli(['agency', 'list', '--db', db]);
		assert.equal(r.status, 0, r.stderr);
		const lines = r.stdout.trim().split('\n');
		assert.match(lines[0], /^CODE\s+KIND\s+NAME$/);
		assert.match(lines[1], /^met\s+police\s+Metropolitan Police$/);
		assert.match(lines[2], /^nlft\s+nhs\s+North London NHS$/);
		assert.match(lines[3], /^sas\s+charity\s+Stalking Advocacy$/);
	});

	test('`vigil agency add` with a taken code exits 1', () => {
		const r = cli(['agency', 'add', 'met', '--name', 'Again', '--kind', 'police', '--db', db]);
		assert.equal(r.status, 1);
		assert.match(r.stderr, /taken/);
	});

	test('`vigil user add` reads the password from stdin and adds the user', () => {
		const r = cli(['user', 'add', 'carol', '--role', 'supervisor', '--agency', 'met', '--name', 'Carol Smith', '--db', db], {
			input: 'carols-password-1\n',
		});
		assert.equal(r.status, 0, r.stderr);
		assert.equal(r.stdout, 'added user carol (supervisor, met)\n');
	});

	test('`vigil user add` with a weak password exits 1', () => {
		const r = cli(['user', 'add', 'dave', '--role', 'officer', '--agency', 'met', '--db', db], { input: 'short\n' });
		assert.equal(r.status, 1);
		assert.match(r.stderr, /at least 12/);
		const same = cli(['user', 'add', 'davedavedave', '--role', 'officer', '--agency', 'met', '--db', db], { input: 'davedavedave\n' });
		assert.equal(same.status, 1);
	});

	test('`vigil user add` with no password on stdin exits 1', () => {
		const r = cli(['user', 'add', 'erin', '--role', 'officer', '--agency', 'met', '--db', db], { input: '' });
		assert.equal(r.status, 1);
		assert.match(r.stderr, /no password/);
	});

	test('`vigil user add` with an unknown agency exits 1', () => {
		const r = cli(['user', 'add', 'frank', '--role', 'officer', '--agency', 'nowhere', '--db', db], { input: 'franks-password-1\n' });
		assert.equal(r.status, 1);
		assert.match(r.stderr, /unknown agency 'nowhere'/);
	});

	test('`vigil user add` with a taken username exits 1', () => {
		const r = cli(['user', 'add', 'carol', '--role', 'officer', '--agency', 'met', '--db', db], { input: 'another-password\n' });
		assert.equal(r.status, 1);
		assert.match(r.stderr, /taken/);
	});

	test('`vigil user list` shows each user with role, agency, state and name', () => {
		const r = cli(['user', 'list', '--db', db]);
		assert.equal(r.status, 0, r.stderr);
		const lines = r.stdout.trim().split('\n');
		assert.match(lines[0], /^USERNAME\s+ROLE\s+AGENCY\s+STATE\s+NAME$/);
		assert.equal(lines.length, 2, r.stdout);
		assert.match(lines[1], /^carol\s+supervisor\s+met\s+active\s+Carol Smith$/);
	});

	test('`vigil user disable NAME` exits 0 and the list shows disabled; enable reverses it', () => {
		const d = cli(['user', 'disable', 'carol', '--db', db]);
		assert.equal(d.status, 0, d.stderr);
		assert.equal(d.stdout, 'disabled user carol; their sessions are ended\n');
		assert.match(cli(['user', 'list', '--db', db]).stdout, /^carol\s+supervisor\s+met\s+disabled\s+Carol Smith$/m);
		const e = cli(['user', 'enable', 'carol', '--db', db]);
		assert.equal(e.status, 0, e.stderr);
		assert.equal(e.stdout, 'enabled user carol\n');
		assert.match(cli(['user', 'list', '--db', db]).stdout, /^carol\s+supervisor\s+met\s+active\s+/m);
	});

	test('`vigil user disable` of an unknown user exits 1', () => {
		const r = cli(['user', 'disable', 'nobody', '--db', db]);
		assert.equal(r.status, 1);
		assert.match(r.stderr, /no such user/);
	});

	test('`vigil user passwd` sets a password that then signs in', async () => {
		const pw = randomPassword();
		const r = cli(['user', 'passwd', 'carol', '--db', db], { input: `${pw}\n` });
		assert.equal(r.status, 0, r.stderr);
		const srv = await spawnServer(db);
		try {
			const ok = await fetch(`${srv.url}/api/v1/login`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({ username: 'carol', password: pw }),
			});
			assert.equal(ok.status, 200);
			const old = await fetch(`${srv.url}/api/v1/login`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify({ username: 'carol', password: 'carols-password-1' }),
			});
			assert.equal(old.status, 401);
		} finally {
			srv.child.kill('SIGTERM');
			assert.equal((await srv.exited).code, 0);
		}
	});

	test('command-line changes are in the audit trail, which verifies', () => {
		const rows = sqlite(db, "SELECT action || ' ' || object FROM audit_log ORDER BY id").trim().split('\n');
		assert.deepEqual(rows, [
			'agency.create agency:met',
			'agency.create agency:nlft',
			'agency.create agency:sas',
			'user.create user:carol',
			'user.disable user:carol',
			'user.enable user:carol',
			'user.password user:carol',
			'login user:carol',
			'login user:carol',
		]);
		const v = cli(['audit', 'verify', '--db', db]);
		assert.equal(v.status, 0, v.stdout);
		assert.equal(v.stdout, `audit trail intact: ${rows.length} entries verified\n`
			+ 'no signed checkpoints: entries cut from the end of the trail could not be detected (run the server with --audit-key)\n');
	});

	test('$VIGIL_DB names the database when --db is not given', () => {
		const r = cli(['agency', 'list'], { env: { VIGIL_DB: db } });
		assert.equal(r.status, 0, r.stderr);
		assert.match(r.stdout, /^met\s+police/m);
	});
});

describe('migrations', () => {
	test('`vigil migrate` creates a new database, then says the schema is up to date', () => {
		const db = dbPath('fresh.db');
		const r1 = cli(['migrate', '--db', db]);
		assert.equal(r1.status, 0, r1.stderr);
		assert.equal(r1.stdout, `migrated schema from version 0 to ${SCHEMA_VERSION}\n`);
		const r2 = cli(['migrate', '--db', db]);
		assert.equal(r2.status, 0, r2.stderr);
		assert.match(r2.stdout, /schema is up to date/);
		assert.equal(r2.stdout, `schema is up to date (version ${SCHEMA_VERSION})\n`);
		assert.equal(sqlite(db, 'SELECT MAX(version) FROM schema_version').trim(), String(SCHEMA_VERSION));
	});

	test('a database with schema version 999 is refused by `vigil migrate` (exit 1, "newer") and left unchanged', () => {
		const db = dbPath('future.db');
		assert.equal(cli(['migrate', '--db', db]).status, 0);
		sqlite(db, "INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'from the future', 0)");
		const dump = sqlite(db, '.dump');
		const r = cli(['migrate', '--db', db]);
		assert.equal(r.status, 1);
		assert.match(r.stderr, /newer/);
		assert.match(r.stderr, /999/);
		assert.equal(sqlite(db, '.dump'), dump, 'the database is not altered');
	});

	test('a database with schema version 999 is refused by `vigil serve` (exit 1, "newer")', () => {
		const db = dbPath('future.db');
		const r = cli(['serve', '--db', db, '--listen', '127.0.0.1:0']);
		assert.equal(r.status, 1);
		assert.match(r.stderr, /newer/);
		assert.doesNotMatch(r.stdout, /listening/);
	});

	test('a database with schema version 999 is refused by the other commands (exit 1)', () => {
		const db = dbPath('future.db');
		for (const args of [['user', 'list'], ['agency', 'list'], ['audit', 'verify']]) {
			const r = cli([...args, '--db', db]);
			assert.equal(r.status, 1, args.join(' '));
			assert.match(r.stderr, /newer/);
		}
	});

	test('a database path that cannot be opened is exit 1 with the reason', () => {
		const r = cli(['migrate', '--db', path.join(dir, 'no', 'such', 'dir', 'x.db')]);
		assert.equal(r.status, 1);
		assert.match(r.stderr, /cannot open/);
	});
});

describe('permissions', () => {
	test('`vigil permissions` prints the Markdown access table', () => {
		const r = cli(['permissions']);
		assert.equal(r.status, 0);
		assert.match(r.stdout, /^# Access: roles, permissions and routes\n/);
		assert.match(r.stdout, /^\| GET \| `\/api\/v1\/users` \| users:manage \| no \| list user accounts \|$/m);
		assert.match(r.stdout, /^\| PATCH \| `\/api\/v1\/users\/\{username\}` \| users:manage \| yes \| /m);
		assert.match(r.stdout, /^\| GET \| `\/api\/v1\/audit` \| audit:read \| yes \(read\) \| /m);
		assert.match(r.stdout, /^\| audit:read \| [^|]+ \|  \| yes \|  \|  \|  \|  \| yes \|$/m);
	});
});
