// Disabled accounts: disabling ends sessions at once, sign-in is refused with
// account_disabled (only to someone who knows the password), tokens stop
// working, and enabling restores access.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { cli, expectError, startAs, stopServer } from './lib/server.mjs';

let srv;
let admin;

before(async () => ({ srv, admin } = await startAs('admin')));
after(() => stopServer(srv));

async function setDisabled(username, disabled) {
	const u = (await admin.get(`/api/v1/users/${username}`)).body;
	const res = await admin.patch(`/api/v1/users/${username}`, { version: u.version, disabled });
	assert.equal(res.status, 200, res.text);
	assert.equal(res.body.disabled, disabled);
	assert.equal(res.body.version, u.version + 1);
	return res.body;
}

test('disabling a user ends their session: the next request is 401', async () => {
	const officer = await srv.login('officer');
	assert.equal((await officer.get('/api/v1/me')).status, 200);
	await setDisabled('officer', true);
	const res = await officer.get('/api/v1/me');
	assert.equal(res.status, 401, res.text);
	assert.ok(['account_disabled', 'unauthorized'].includes(res.body.error.code), res.text);
});

test('a disabled user with the right password is refused 401 account_disabled', async () => {
	const res = await srv.client().login('officer', srv.passwords.officer);
	expectError(res, 401, 'account_disabled');
	assert.deepEqual(res.headers.getSetCookie(), [], 'no session cookie');
});

test('a disabled user with a wrong password gets invalid_credentials, not account_disabled', async () => {
	expectError(await srv.client().login('officer', 'not-the-password'), 401, 'invalid_credentials');
});

test('the account shows disabled: true in the user list', async () => {
	const res = await admin.get('/api/v1/users');
	const u = res.body.users.find((x) => x.username === 'officer');
	assert.equal(u.disabled, true);
});

test('enabling the user again lets them sign in', async () => {
	await setDisabled('officer', false);
	const res = await srv.client().login('officer', srv.passwords.officer);
	assert.equal(res.status, 200, res.text);
	assert.equal(res.body.user.disabled, false);
});

test('an API token of a service account that is then disabled is 401 account_disabled', async () => {
	const t = await srv.serviceToken(admin, 'operator', { name: 'operator-int', username: 'svc-operator' });
	const bearer = srv.bearer(t.token);
	assert.equal((await bearer.get('/api/v1/me')).status, 200);
	await setDisabled('svc-operator', true);
	expectError(await bearer.get('/api/v1/me'), 401, 'account_disabled');
	await setDisabled('svc-operator', false);
	assert.equal((await bearer.get('/api/v1/me')).status, 200, 'the token works again once enabled');
});

test('a token cannot be created for a disabled user: 400 on field username', async () => {
	await setDisabled('svc-operator', true);
	const res = await admin.post('/api/v1/tokens', { name: 'x', username: 'svc-operator', scope: 'api' });
	expectError(res, 400, 'bad_request', 'username');
	await setDisabled('svc-operator', false);
});

test('disabling one user leaves other users\' sessions alone', async () => {
	const an = await srv.login('analyst');
	const op = await srv.login('operator');
	await setDisabled('analyst', true);
	assert.equal((await an.get('/api/v1/me')).status, 401);
	assert.equal((await op.get('/api/v1/me')).status, 200);
	await setDisabled('analyst', false);
});

test('`vigil user disable` on the command line ends a live session of the running server', async () => {
	const sup = await srv.login('supervisor');
	assert.equal((await sup.get('/api/v1/me')).status, 200);
	const r = cli(['user', 'disable', 'supervisor', '--db', srv.db]);
	assert.equal(r.status, 0, r.stderr);
	assert.match(r.stdout, /disabled user supervisor/);
	const res = await sup.get('/api/v1/me');
	assert.equal(res.status, 401, res.text);
	expectError(await srv.client().login('supervisor', srv.passwords.supervisor), 401, 'account_disabled');
	const e = cli(['user', 'enable', 'supervisor', '--db', srv.db]);
	assert.equal(e.status, 0, e.stderr);
	assert.match(e.stdout, /enabled user supervisor/);
	assert.equal((await srv.client().login('supervisor', srv.passwords.supervisor)).status, 200);
});

test('disabling and enabling are audited as user.update', async () => {
	const res = await admin.get('/api/v1/audit?action=user.update&object=user:officer&limit=10');
	assert.equal(res.status, 200);
	const details = res.body.entries.map((e) => e.detail);
	assert.ok(details.some((d) => /disabled/.test(d)), JSON.stringify(details));
	assert.ok(details.some((d) => /enabled/.test(d)), JSON.stringify(details));
	for (const e of res.body.entries) {
		assert.equal(e.outcome, 'ok');
		assert.equal(e.username, 'admin');
	}
});
