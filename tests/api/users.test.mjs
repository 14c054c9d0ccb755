// User administration: list, create (with validation), read, update with a
// version, and the rules that stop an administrator locking herself out.  An
// administrator manages her own agency's accounts only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { AGENCY_OF, expectError, ROLES, startAs, stopServer } from './lib/server.mjs';

let srv;
let admin;

before(async () => ({ srv, admin } = await startAs('admin')));
after(() => stopServer(srv));

const PW = 'correct-horse-battery';

describe('listing and reading', () => {
	test('GET /api/v1/users lists every seeded account of her agency, sorted by username', async () => {
		const res = await admin.get('/api/v1/users');
		assert.equal(res.status, 200);
		const names = res.body.users.map((u) => u.username);
		assert.deepEqual(names, ROLES.filter((r) => AGENCY_OF[r] === 'met').sort());
		for (const u of res.body.users) {
			assert.equal(u.role, u.username);
			assert.equal(u.disabled, false);
			assert.equal(u.locked, false);
			assert.equal(u.version, 1);
			assert.equal(u.password_hash, undefined, 'no password hash in the answer');
			assert.equal(u.password, undefined);
		}
	});

	test('GET /api/v1/users/{username} answers the account', async () => {
		const res = await admin.get('/api/v1/users/operator');
		assert.equal(res.status, 200);
		assert.equal(res.body.username, 'operator');
		assert.equal(res.body.role, 'operator');
		assert.equal(res.body.service, false);
		assert.deepEqual(res.body.agency, { code: 'met', name: 'Metropolitan Police' });
	});

	test('another agency\'s account is not hers: 404 to read, to change, to reset its password', async () => {
		expectError(await admin.get('/api/v1/users/clinician'), 404, 'not_found');
		expectError(await admin.patch('/api/v1/users/advocate', { version: 1, password: 'taken-over-password' }), 404, 'not_found');
		expectError(await admin.patch('/api/v1/users/advocate', { version: 1, disabled: true }), 404, 'not_found');
		// the advocate still signs in with her own password
		await srv.login('advocate');
	});

	test('GET /api/v1/users/{username} for an unknown user is 404 not_found', async () => {
		expectError(await admin.get('/api/v1/users/nosuchuser'), 404, 'not_found');
	});

	test('PATCH /api/v1/users/{username} for an unknown user is 404 not_found', async () => {
		expectError(await admin.patch('/api/v1/users/nosuchuser', { version: 1, display_name: 'X' }), 404, 'not_found');
	});
});

describe('creating', () => {
	test('POST /api/v1/users creates an account: 201 with the user, version 1', async () => {
		const res = await admin.post('/api/v1/users', {
			username: 'jane.doe', display_name: 'Jane Doe', role: 'officer', agency: 'met', password: PW,
		});
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.username, 'jane.doe');
		assert.equal(res.body.display_name, 'Jane Doe');
		assert.equal(res.body.role, 'officer');
		assert.deepEqual(res.body.agency, { code: 'met', name: 'Metropolitan Police' });
		assert.equal(res.body.version, 1);
		assert.equal(res.body.disabled, false);
		assert.equal(res.body.password_hash, undefined);
		const login = await srv.client().login('jane.doe', PW);
		assert.equal(login.status, 200);
		assert.equal(login.body.user.role, 'officer');
	});

	test('display_name defaults to the username', async () => {
		const res = await admin.post('/api/v1/users', { username: 'no-name_1', role: 'analyst', agency: 'met', password: PW });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.display_name, 'no-name_1');
	});

	test('a taken username is 409 conflict on field username', async () => {
		const res = await admin.post('/api/v1/users', { username: 'jane.doe', role: 'analyst', agency: 'met', password: PW });
		expectError(res, 409, 'conflict', 'username');
	});

	test('usernames: 2 to 64 of [a-z0-9._-], starting with a letter or digit', async () => {
		const bad = ['a', 'x'.repeat(65), 'Upper', 'has space', '.dot', '-dash', '_under', 'semi;colon', "quo'te", 'é', ''];
		for (const username of bad) {
			const res = await admin.post('/api/v1/users', { username, role: 'officer', agency: 'met', password: PW });
			expectError(res, 400, 'bad_request', 'username');
		}
		for (const username of ['ab', '9lives', 'a.b-c_d', 'x'.repeat(64)]) {
			const res = await admin.post('/api/v1/users', { username, role: 'officer', agency: 'met', password: PW });
			assert.equal(res.status, 201, `${username}: ${res.text}`);
		}
	});

	// [title, the body refused, the field the 400 names]
	for (const [title, body, field] of [
		['a password under 12 characters is 400 on field password', { username: 'shortpw', role: 'officer', agency: 'met', password: 'elevenchars' }, 'password'],
		['a password equal to the username is 400 on field password', { username: 'samesame1234', role: 'officer', agency: 'met', password: 'samesame1234' }, 'password'],
		['a password of one repeated character is 400 on field password', { username: 'repeated', role: 'officer', agency: 'met', password: 'aaaaaaaaaaaaaaaa' }, 'password'],
		['a missing password is 400 on field password', { username: 'nopw', role: 'officer', agency: 'met' }, 'password'],
		['an unknown role is 400 on field role', { username: 'badrole', role: 'superuser', agency: 'met', password: PW }, 'role'],
		['a missing role is 400 on field role', { username: 'norole', agency: 'met', password: PW }, 'role'],
		['an unknown agency is 400 on field agency', { username: 'badagency', role: 'officer', agency: 'nowhere', password: PW }, 'agency'],
		['an unknown field is 400 naming it', { username: 'extra', role: 'officer', agency: 'met', password: PW, admin: true }, 'admin'],
	]) {
		test(title, async () => {
			expectError(await admin.post('/api/v1/users', body), 400, 'bad_request', field);
		});
	}

	test('a password of exactly 12 characters is accepted', async () => {
		const res = await admin.post('/api/v1/users', { username: 'twelvepw', role: 'officer', agency: 'met', password: 'twelve-chars' });
		assert.equal(res.status, 201, res.text);
	});

	test('an empty or control-character display_name is 400 on field display_name', async () => {
		expectError(await admin.post('/api/v1/users', { username: 'ctl1', display_name: '', role: 'officer', agency: 'met', password: PW }),
			400, 'bad_request', 'display_name');
		expectError(await admin.post('/api/v1/users', { username: 'ctl2', display_name: 'line\nbreak', role: 'officer', agency: 'met', password: PW }),
			400, 'bad_request', 'display_name');
		expectError(await admin.post('/api/v1/users', { username: 'ctl3', display_name: 'x'.repeat(201), role: 'officer', agency: 'met', password: PW }),
			400, 'bad_request', 'display_name');
	});

	test('an account is made in her own agency only: 403 for another agency', async () => {
		const res = await admin.post('/api/v1/users', { username: 'planted', role: 'supervisor', agency: 'sas', password: PW });
		expectError(res, 403, 'forbidden', 'agency');
		const made = await admin.post('/api/v1/users', { username: 'no-agency-given', role: 'officer', password: PW });
		assert.equal(made.status, 201, made.text);
		assert.equal(made.body.agency.code, 'met', 'her own agency by default');
	});

	test('every role can be given to a new account', async () => {
		for (const role of ROLES) {
			const res = await admin.post('/api/v1/users', { username: `new-${role}`, role, agency: 'met', password: PW });
			assert.equal(res.status, 201, res.text);
			assert.equal(res.body.role, role);
		}
	});

	test('refused creations leave no account behind', async () => {
		const res = await admin.get('/api/v1/users');
		const names = res.body.users.map((u) => u.username);
		for (const n of ['shortpw', 'samesame1234', 'repeated', 'nopw', 'badrole', 'norole', 'badagency', 'ctl1', 'ctl2', 'ctl3', 'extra', 'planted'])
			assert.ok(!names.includes(n), `${n} should not exist`);
	});
});

describe('updating', () => {
	test('PATCH changes display_name, role and agency and bumps the version', async () => {
		const u = (await admin.get('/api/v1/users/jane.doe')).body;
		const res = await admin.patch('/api/v1/users/jane.doe', {
			version: u.version, display_name: 'Jane Q. Doe', role: 'supervisor', agency: 'met',
		});
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.version, u.version + 1);
		assert.equal(res.body.display_name, 'Jane Q. Doe');
		assert.equal(res.body.role, 'supervisor');
		assert.deepEqual(res.body.agency, { code: 'met', name: 'Metropolitan Police' });
		assert.ok(Date.parse(res.body.updated_at) >= Date.parse(u.updated_at));
		const again = (await admin.get('/api/v1/users/jane.doe')).body;
		assert.deepEqual(again, res.body);
	});

	test('a role change takes effect on the user\'s next request', async () => {
		const jane = await srv.login('jane.doe', PW);
		assert.equal((await jane.get('/api/v1/audit?limit=1')).status, 200, 'a supervisor reads the audit trail');
		const u = (await admin.get('/api/v1/users/jane.doe')).body;
		assert.equal((await admin.patch('/api/v1/users/jane.doe', { version: u.version, role: 'officer' })).status, 200);
		expectError(await jane.get('/api/v1/audit?limit=1'), 403, 'forbidden');
	});

	test('PATCH without version is 400 on field version', async () => {
		expectError(await admin.patch('/api/v1/users/jane.doe', { display_name: 'X' }), 400, 'bad_request', 'version');
	});

	test('PATCH with version 0 or negative is 400 on field version', async () => {
		expectError(await admin.patch('/api/v1/users/jane.doe', { version: 0, display_name: 'X' }), 400, 'bad_request', 'version');
		expectError(await admin.patch('/api/v1/users/jane.doe', { version: -3, display_name: 'X' }), 400, 'bad_request', 'version');
	});

	test('PATCH with a stale version is 409 stale_version and changes nothing', async () => {
		const u = (await admin.get('/api/v1/users/jane.doe')).body;
		const res = await admin.patch('/api/v1/users/jane.doe', { version: u.version - 1, display_name: 'Overwritten' });
		expectError(res, 409, 'stale_version', 'version');
		const again = (await admin.get('/api/v1/users/jane.doe')).body;
		assert.deepEqual(again, u);
	});

	test('PATCH with a future version is 409 stale_version', async () => {
		const u = (await admin.get('/api/v1/users/jane.doe')).body;
		expectError(await admin.patch('/api/v1/users/jane.doe', { version: u.version + 5, display_name: 'Future' }), 409, 'stale_version', 'version');
	});

	test('two administrators editing at once: the second gets 409 stale_version', async () => {
		const other = await srv.login('admin');
		const u = (await admin.get('/api/v1/users/officer')).body;
		const first = await admin.patch('/api/v1/users/officer', { version: u.version, display_name: 'First Edit' });
		const second = await other.patch('/api/v1/users/officer', { version: u.version, display_name: 'Second Edit' });
		assert.equal(first.status, 200);
		expectError(second, 409, 'stale_version', 'version');
		assert.equal((await admin.get('/api/v1/users/officer')).body.display_name, 'First Edit');
	});

	// [title, the change refused, the field the 400 names]
	for (const [title, change, field] of [
		['PATCH with an unknown role is 400 on field role', { role: 'root' }, 'role'],
		['PATCH with an unknown agency is 400 on field agency', { agency: 'nowhere' }, 'agency'],
		['PATCH with an unknown field is 400 naming it', { username: 'renamed' }, 'username'],
	]) {
		test(title, async () => {
			const u = (await admin.get('/api/v1/users/jane.doe')).body;
			expectError(await admin.patch('/api/v1/users/jane.doe', { version: u.version, ...change }), 400, 'bad_request', field);
		});
	}

	test('PATCH cannot move an account to another agency (it would plant one there): 403', async () => {
		const u = (await admin.get('/api/v1/users/jane.doe')).body;
		expectError(await admin.patch('/api/v1/users/jane.doe', { version: u.version, agency: 'nlft' }), 403, 'forbidden', 'agency');
		assert.equal((await admin.get('/api/v1/users/jane.doe')).body.agency.code, 'met');
	});

	test('PATCH with a weak password is 400 on field password', async () => {
		const u = (await admin.get('/api/v1/users/jane.doe')).body;
		expectError(await admin.patch('/api/v1/users/jane.doe', { version: u.version, password: 'short' }), 400, 'bad_request', 'password');
		expectError(await admin.patch('/api/v1/users/jane.doe', { version: u.version, password: 'jane.doe' }), 400, 'bad_request', 'password');
	});

	test('an administrator cannot disable herself: 409 conflict on field disabled', async () => {
		const u = (await admin.get('/api/v1/users/admin')).body;
		const res = await admin.patch('/api/v1/users/admin', { version: u.version, disabled: true });
		expectError(res, 409, 'conflict', 'disabled');
		assert.equal((await admin.get('/api/v1/users/admin')).body.disabled, false);
	});

	test('an administrator cannot drop her own admin role: 409 conflict on field role', async () => {
		const u = (await admin.get('/api/v1/users/admin')).body;
		const res = await admin.patch('/api/v1/users/admin', { version: u.version, role: 'officer' });
		expectError(res, 409, 'conflict', 'role');
		assert.equal((await admin.get('/api/v1/users/admin')).body.role, 'admin');
	});

	test('an administrator may change her own display name', async () => {
		const u = (await admin.get('/api/v1/users/admin')).body;
		const res = await admin.patch('/api/v1/users/admin', { version: u.version, display_name: 'Chief Admin', role: 'admin' });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.display_name, 'Chief Admin');
	});

	test('one administrator may disable another', async () => {
		const created = await admin.post('/api/v1/users', { username: 'admin2', role: 'admin', agency: 'met', password: PW });
		assert.equal(created.status, 201);
		const a2 = await srv.login('admin2', PW);
		const u = (await a2.get('/api/v1/users/admin2')).body;
		expectError(await a2.patch('/api/v1/users/admin2', { version: u.version, disabled: true }), 409, 'conflict', 'disabled');
		const res = await admin.patch('/api/v1/users/admin2', { version: u.version, disabled: true });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.disabled, true);
	});
});
