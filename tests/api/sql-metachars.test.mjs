// SQL metacharacters and unicode: every text field is stored and read back
// byte for byte, never interpreted; fields with a restricted alphabet refuse
// them with a 400; the tables go on working afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { cli, expectError, sqlHex, sqlite, startAs, stopServer, tablesOf } from './lib/server.mjs';

let srv;
let admin;

before(async () => ({ srv, admin } = await startAs('admin')));
after(() => stopServer(srv));

const NASTY = `Robert'); DROP TABLE users;-- "x" \\ %_ `;
const NASTY2 = `'; DELETE FROM audit_log; SELECT '1' OR '1'='1' /* */ -- ; \`ticks\` [brackets] $1 ? :name @var`;
const AGENCY_NAME = `O'Brien & "Sons"; DROP TABLE agencies;-- 100% _under_`;
const UNICODE = 'Zoë Ångström — 東京 🛡️ עברית Привет ǅ';
const PASSWORD = `p'; DROP TABLE users;--"\\%_ ok`;

/** The bytes SQLite holds for a value, as upper-case hex. */
const hex = (s) => Buffer.from(s, 'utf8').toString('hex').toUpperCase();

function storedHex(sql) {
	return sqlite(srv.db, sql).trim();
}

function tablesIntact() {
	const tables = tablesOf(srv.db);
	for (const t of ['agencies', 'api_tokens', 'audit_log', 'chain_heads', 'sessions', 'users']) assert.ok(tables.includes(t), `table ${t} exists`);
}

describe('user fields', () => {
	test('a display_name full of SQL metacharacters is stored and read back byte-identical', async () => {
		const res = await admin.post('/api/v1/users', { username: 'bobby', display_name: NASTY, role: 'officer', agency: 'met', password: PASSWORD });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.display_name, NASTY);
		const got = await admin.get('/api/v1/users/bobby');
		assert.equal(got.body.display_name, NASTY);
		assert.equal(storedHex(`SELECT ${sqlHex('display_name')} FROM users WHERE username = 'bobby'`), hex(NASTY));
		tablesIntact();
	});

	test('the users table still works: list, count, sign-in with a metacharacter password', async () => {
		const list = await admin.get('/api/v1/users');
		assert.equal(list.status, 200);
		assert.equal(list.body.users.length, 6, 'met\'s accounts: five seeded and bobby');
		assert.equal(sqlite(srv.db, 'SELECT COUNT(*) FROM users').trim(), '8');
		const login = await srv.client().login('bobby', PASSWORD);
		assert.equal(login.status, 200, login.text);
		assert.equal(login.body.user.display_name, NASTY);
		const me = await srv.login('bobby', PASSWORD);
		assert.equal((await me.get('/api/v1/me')).body.user.display_name, NASTY);
	});

	test('a PATCHed display_name with other metacharacters is stored intact', async () => {
		const u = (await admin.get('/api/v1/users/bobby')).body;
		const res = await admin.patch('/api/v1/users/bobby', { version: u.version, display_name: NASTY2 });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.display_name, NASTY2);
		assert.equal((await admin.get('/api/v1/users/bobby')).body.display_name, NASTY2);
		assert.equal(storedHex(`SELECT ${sqlHex('display_name')} FROM users WHERE username = 'bobby'`), hex(NASTY2));
		// the audit trail is all still there
		const v = await admin.get('/api/v1/audit/verify');
		assert.equal(v.body.intact, true);
	});

	test('a unicode display_name is stored byte-identical', async () => {
		const res = await admin.post('/api/v1/users', { username: 'zoe', display_name: UNICODE, role: 'clinician', agency: 'met', password: 'unicode-user-pw' });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.display_name, UNICODE);
		assert.equal((await admin.get('/api/v1/users/zoe')).body.display_name, UNICODE);
		assert.equal(storedHex(`SELECT ${sqlHex('display_name')} FROM users WHERE username = 'zoe'`), hex(UNICODE));
	});

	test('display_name is limited to 200 bytes, not characters', async () => {
		const ok = await admin.post('/api/v1/users', { username: 'bytes200', display_name: 'é'.repeat(100), role: 'officer', agency: 'met', password: 'two-hundred-bytes' });
		assert.equal(ok.status, 201, ok.text);
		assert.equal(ok.body.display_name, 'é'.repeat(100));
		const bad = await admin.post('/api/v1/users', { username: 'bytes202', display_name: 'é'.repeat(101), role: 'officer', agency: 'met', password: 'two-hundred-bytes' });
		expectError(bad, 400, 'bad_request', 'display_name');
	});

	test('a lone UTF-16 surrogate in JSON is refused with 400 bad_json', async () => {
		const res = await admin.post('/api/v1/users', '{"username":"lone","display_name":"a\\ud800b","role":"officer","agency":"met","password":"lone-surrogate-pw"}');
		expectError(res, 400, 'bad_json');
	});

	test('usernames with SQL metacharacters are refused with 400 on field username', async () => {
		for (const username of ["bob'--", 'bob";', 'bob%', "x' or '1'='1", 'a b', 'bob\\']) {
			const res = await admin.post('/api/v1/users', { username, role: 'officer', agency: 'met', password: 'metachar-user-pw' });
			expectError(res, 400, 'bad_request', 'username');
		}
		tablesIntact();
	});

	test('a metacharacter agency code on a user is an unknown agency (400 on field agency)', async () => {
		const res = await admin.post('/api/v1/users', { username: 'agencyinj', role: 'officer', agency: "met' OR '1'='1", password: 'metachar-user-pw' });
		expectError(res, 400, 'bad_request', 'agency');
	});

	test('a metacharacter role is an unknown role (400 on field role)', async () => {
		const res = await admin.post('/api/v1/users', { username: 'roleinj', role: "admin'--", agency: 'met', password: 'metachar-user-pw' });
		expectError(res, 400, 'bad_request', 'role');
	});

	test('a metacharacter username in the path is 404, not a match', async () => {
		for (const p of ["bobby'%20OR%20'1'='1", 'bobby%27--', '%25', 'bob_y', 'bobb%25']) {
			const res = await admin.get(`/api/v1/users/${p}`);
			expectError(res, 404, 'not_found');
		}
	});
});

describe('agency fields', () => {
	test('an agency name with quotes and semicolons is stored and read back byte-identical', async () => {
		const res = await admin.post('/api/v1/agencies', { code: 'obrien', name: AGENCY_NAME, kind: 'contractor' });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.name, AGENCY_NAME);
		const list = await admin.get('/api/v1/agencies');
		assert.equal(list.body.agencies.find((a) => a.code === 'obrien').name, AGENCY_NAME);
		assert.equal(storedHex(`SELECT ${sqlHex('name')} FROM agencies WHERE code = 'obrien'`), hex(AGENCY_NAME));
		tablesIntact();
	});

	test('a user in that agency shows its name intact', async () => {
		srv.addUser('contractor1', 'operator', 'obrien', { password: 'contractor-pw-1' });
		const me = await (await srv.login('contractor1', 'contractor-pw-1')).get('/api/v1/me');
		assert.equal(me.status, 200, me.text);
		assert.deepEqual(me.body.user.agency, { code: 'obrien', name: AGENCY_NAME });
	});

	test('a unicode agency name is stored byte-identical', async () => {
		const res = await admin.post('/api/v1/agencies', { code: 'unicode', name: UNICODE, kind: 'other' });
		assert.equal(res.status, 201, res.text);
		const list = await admin.get('/api/v1/agencies');
		assert.equal(list.body.agencies.find((a) => a.code === 'unicode').name, UNICODE);
	});

	test('metacharacter agency codes and kinds are refused with 400 naming the field', async () => {
		expectError(await admin.post('/api/v1/agencies', { code: "x'); DROP TABLE agencies;--", name: 'N', kind: 'other' }), 400, 'bad_request', 'code');
		expectError(await admin.post('/api/v1/agencies', { code: 'kindinj', name: 'N', kind: "other' OR '1'='1" }), 400, 'bad_request', 'kind');
		const list = await admin.get('/api/v1/agencies');
		assert.equal(list.status, 200);
		assert.ok(!list.body.agencies.some((a) => a.code === 'kindinj'));
	});
});

describe('token and audit fields', () => {
	test('a token name with SQL metacharacters and unicode is stored intact', async () => {
		const name = `${NASTY}${UNICODE}`.slice(0, 60);
		const svc = await admin.post('/api/v1/users', { username: 'bobby-svc', display_name: NASTY2, role: 'officer', service: true });
		assert.equal(svc.status, 201, svc.text);
		const res = await admin.post('/api/v1/tokens', { name, username: 'bobby-svc', scope: 'api' });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.name, name);
		const list = await admin.get('/api/v1/tokens');
		assert.equal(list.body.tokens.find((t) => t.id === res.body.id).name, name);
		assert.equal(storedHex(`SELECT ${sqlHex('name')} FROM api_tokens WHERE id = ${res.body.id}`), hex(name));
		// the token works and acts as its service account
		const me = await srv.bearer(res.body.token).get('/api/v1/me');
		assert.equal(me.body.user.display_name, NASTY2);
	});

	test('a sign-in attempt with a metacharacter username is 401 and audited with the name intact', async () => {
		const username = "admin' OR '1'='1' --";
		const res = await srv.client().login(username, 'whatever-password');
		expectError(res, 401, 'invalid_credentials');
		const q = encodeURIComponent(`user:${username}`);
		const audit = await admin.get(`/api/v1/audit?action=login&object=${q}`);
		assert.equal(audit.status, 200);
		assert.equal(audit.body.entries.length, 1);
		assert.equal(audit.body.entries[0].object, `user:${username}`);
		assert.equal(audit.body.entries[0].outcome, 'denied');
	});

	test('a failed creation with a metacharacter agency keeps it intact in the audit detail', async () => {
		const agency = `x"; DROP TABLE audit_log;--`;
		await admin.post('/api/v1/users', { username: 'detailinj', role: 'officer', agency, password: 'detail-inject-pw' });
		const audit = await admin.get('/api/v1/audit?action=user.create&object=user:detailinj');
		assert.equal(audit.body.entries.length, 1);
		assert.equal(audit.body.entries[0].detail, `role officer, agency ${agency}`);
		assert.equal(audit.body.entries[0].outcome, 'failed');
		assert.equal(audit.body.entries[0].status, 400);
	});

	test('audit filters with metacharacters match literally, not as SQL or LIKE patterns', async () => {
		const all = await admin.get('/api/v1/audit?limit=500');
		assert.ok(all.body.entries.length > 10);
		for (const [key, value] of [
			['user', "admin' OR '1'='1"],
			['user', "' OR 1=1 --"],
			['user', '%'],
			['user', '_____'], // "admin" has five letters
			['object', 'user:%'],
			['action', "login' --"],
			['outcome', "ok' OR 'a'='a"],
		]) {
			const res = await admin.get(`/api/v1/audit?${new URLSearchParams({ [key]: value })}`);
			assert.equal(res.status, 200, `${key}=${value}: ${res.text}`);
			assert.deepEqual(res.body.entries, [], `${key}=${value} matches nothing`);
		}
	});

	test('the audit chain verifies after all the metacharacter traffic', async () => {
		const v = await admin.get('/api/v1/audit/verify');
		assert.equal(v.status, 200);
		assert.equal(v.body.intact, true);
		tablesIntact();
	});
});

describe('command line', () => {
	test('`vigil agency add` and `vigil user add --name` store metacharacters intact', async () => {
		const a = cli(['agency', 'add', 'cliagency', '--name', AGENCY_NAME, '--kind', 'other', '--db', srv.db]);
		assert.equal(a.status, 0, a.stderr);
		const u = cli(['user', 'add', 'cliuser', '--role', 'analyst', '--agency', 'cliagency', '--name', NASTY, '--db', srv.db], { input: `${PASSWORD}\n` });
		assert.equal(u.status, 0, u.stderr);
		const me = await (await srv.login('cliuser', PASSWORD)).get('/api/v1/me');
		assert.equal(me.body.user.display_name, NASTY);
		assert.deepEqual(me.body.user.agency, { code: 'cliagency', name: AGENCY_NAME });
		const list = cli(['user', 'list', '--db', srv.db]);
		assert.equal(list.status, 0);
		assert.ok(list.stdout.includes(NASTY.trimEnd()), list.stdout);
		const agencies = cli(['agency', 'list', '--db', srv.db]);
		assert.ok(agencies.stdout.includes(AGENCY_NAME.trimEnd()));
	});
});
