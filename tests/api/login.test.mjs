// Sign-in, sign-out and /api/v1/me.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Client, expectError, PERMISSIONS, startServer, stopServer } from './lib/server.mjs';

let srv;

before(async () => {
	srv = await startServer();
});
after(() => stopServer(srv));

test('login answers 200 with the user, CSRF token, permissions, expiry and idle timeout', async () => {
	const c = srv.client();
	const t0 = Date.now();
	const res = await c.login('officer', srv.passwords.officer);
	assert.equal(res.status, 200, res.text);
	const b = res.body;
	assert.deepEqual(Object.keys(b).sort(), ['csrf_token', 'idle_timeout_s', 'permissions', 'session_expires_at', 'user']);
	assert.deepEqual(Object.keys(b.user).sort(), [
		'agency', 'created_at', 'disabled', 'display_name', 'id', 'locked', 'role', 'service', 'updated_at', 'username', 'version',
	]);
	assert.equal(b.user.username, 'officer');
	assert.equal(b.user.display_name, 'officer');
	assert.equal(b.user.role, 'officer');
	assert.deepEqual(b.user.agency, { code: 'met', name: 'Metropolitan Police' });
	assert.equal(b.user.disabled, false);
	assert.equal(b.user.locked, false);
	assert.equal(b.user.version, 1);
	assert.equal(typeof b.user.id, 'number');
	assert.match(b.user.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
	assert.match(b.csrf_token, /^[A-Za-z0-9_-]{20,}$/);
	assert.deepEqual(b.permissions, PERMISSIONS.officer);
	assert.equal(b.idle_timeout_s, 1800);
	const exp = Date.parse(b.session_expires_at);
	assert.ok(Math.abs(exp - (t0 + 12 * 3600 * 1000)) < 60000, `session_expires_at ${b.session_expires_at} is 12 h ahead`);
});

test('login sets an HttpOnly, SameSite=Strict session cookie on / with Max-Age', async () => {
	const res = await srv.client().login('officer', srv.passwords.officer);
	const cookies = res.headers.getSetCookie();
	assert.equal(cookies.length, 1);
	const parts = cookies[0].split(/;\s*/);
	assert.match(parts[0], /^vigil_session=[A-Za-z0-9_-]{20,}$/);
	assert.ok(parts.includes('Path=/'), cookies[0]);
	assert.ok(parts.includes('HttpOnly'), cookies[0]);
	assert.ok(parts.includes('SameSite=Strict'), cookies[0]);
	assert.ok(parts.includes('Max-Age=43200'), cookies[0]);
});

test('each login makes a new session with its own cookie and CSRF token', async () => {
	const a = await srv.login('officer');
	const b = await srv.login('officer');
	assert.notEqual(a.cookie, b.cookie);
	assert.notEqual(a.csrf, b.csrf);
	assert.equal((await a.get('/api/v1/me')).status, 200);
	assert.equal((await b.get('/api/v1/me')).status, 200);
});

test('the login answer lists each role\'s permissions', async () => {
	const admin = await srv.client().login('admin', srv.passwords.admin);
	assert.deepEqual(admin.body.permissions, PERMISSIONS.admin);
	const sup = await srv.client().login('supervisor', srv.passwords.supervisor);
	assert.deepEqual(sup.body.permissions, PERMISSIONS.supervisor);
	const clin = await srv.client().login('clinician', srv.passwords.clinician);
	assert.deepEqual(clin.body.permissions, PERMISSIONS.clinician);
	assert.deepEqual(clin.body.user.agency, { code: 'nlft', name: 'North London NHS' });
});

test('a wrong password is 401 invalid_credentials and sets no cookie', async () => {
	const res = await srv.client().login('analyst', 'wrong-password-123');
	expectError(res, 401, 'invalid_credentials');
	assert.deepEqual(res.headers.getSetCookie(), []);
});

test('an unknown user gets the same 401 invalid_credentials answer as a wrong password', async () => {
	const wrong = await srv.client().login('operator', 'wrong-password-123');
	const unknown = await srv.client().login('nobody-here', 'wrong-password-123');
	expectError(wrong, 401, 'invalid_credentials');
	expectError(unknown, 401, 'invalid_credentials');
	assert.deepEqual(unknown.body, wrong.body);
});

test('login with an unknown body field is 400 naming the field', async () => {
	const res = await srv.client().post('/api/v1/login', { username: 'officer', password: srv.passwords.officer, remember: true });
	expectError(res, 400, 'bad_request', 'remember');
});

test('login without a password is 400 naming password', async () => {
	expectError(await srv.client().post('/api/v1/login', { username: 'officer' }), 400, 'bad_request', 'password');
	expectError(await srv.client().post('/api/v1/login', { username: 'officer', password: '' }), 400, 'bad_request', 'password');
});

test('login without a username is 400 naming username', async () => {
	expectError(await srv.client().post('/api/v1/login', { password: 'whatever-1234' }), 400, 'bad_request', 'username');
	expectError(await srv.client().post('/api/v1/login', { username: 5, password: 'whatever-1234' }), 400, 'bad_request', 'username');
});

test('login with no body is 400 bad_request', async () => {
	expectError(await srv.raw('/api/v1/login', { method: 'POST' }), 400, 'bad_request');
});

test('GET /api/v1/me shows the user, permissions, auth "session", CSRF token and expiry', async () => {
	const c = await srv.login('advocate');
	const res = await c.get('/api/v1/me');
	assert.equal(res.status, 200);
	assert.equal(res.body.user.username, 'advocate');
	assert.equal(res.body.user.role, 'advocate');
	assert.deepEqual(res.body.user.agency, { code: 'sas', name: 'Stalking Advocacy' });
	assert.deepEqual(res.body.permissions, PERMISSIONS.advocate);
	assert.equal(res.body.auth, 'session');
	assert.equal(res.body.csrf_token, c.csrf);
	assert.equal(res.body.idle_timeout_s, 1800);
	assert.match(res.body.session_expires_at, /^\d{4}-\d\d-\d\dT/);
});

test('GET /api/v1/me without credentials is 401 unauthorized', async () => {
	expectError(await srv.raw('/api/v1/me'), 401, 'unauthorized');
});

test('logout answers 200, clears the cookie, and the old session is then 401', async () => {
	const c = await srv.login('operator');
	const cookie = c.cookie;
	const res = await c.post('/api/v1/logout');
	assert.equal(res.status, 200, res.text);
	const set = res.headers.getSetCookie();
	assert.equal(set.length, 1);
	assert.match(set[0], /^vigil_session=;/);
	assert.match(set[0], /Max-Age=0/);
	assert.equal(c.cookie, null);
	// the old cookie no longer works
	const old = new Client(srv.url);
	old.cookie = cookie;
	expectError(await old.get('/api/v1/me'), 401, 'unauthorized');
});

test('logout ends only that session', async () => {
	const a = await srv.login('operator');
	const b = await srv.login('operator');
	assert.equal((await a.post('/api/v1/logout')).status, 200);
	assert.equal((await b.get('/api/v1/me')).status, 200);
});

test('logout without a session is 401 unauthorized', async () => {
	expectError(await srv.client().post('/api/v1/logout'), 401, 'unauthorized');
});

test('a changed password ends the user\'s sessions and only the new one works', async () => {
	const admin = await srv.login('admin');
	const victim = await srv.login('analyst');
	const u = await admin.get('/api/v1/users/analyst');
	const pw = 'brand-new-password-42';
	const res = await admin.patch('/api/v1/users/analyst', { version: u.body.version, password: pw });
	assert.equal(res.status, 200, res.text);
	assert.equal(res.body.version, u.body.version + 1);
	expectError(await victim.get('/api/v1/me'), 401, 'unauthorized');
	expectError(await srv.client().login('analyst', srv.passwords.analyst), 401, 'invalid_credentials');
	const again = await srv.client().login('analyst', pw);
	assert.equal(again.status, 200);
	srv.passwords.analyst = pw;
});

test('the session cookie is found among other cookies', async () => {
	const c = await srv.login('officer');
	const res = await srv.raw('/api/v1/me', { headers: { Cookie: `theme=dark; ${c.cookie}; lang=en` } });
	assert.equal(res.status, 200, res.text);
	assert.equal(res.body.user.username, 'officer');
});

test('a password over 1024 bytes is 400 on field password, not a slow hash', async () => {
	expectError(await srv.client().login('officer', 'x'.repeat(1025)), 400, 'bad_request', 'password');
});

test('a username over 64 bytes is 400 on field username', async () => {
	expectError(await srv.client().login('u'.repeat(65), 'whatever-password'), 400, 'bad_request', 'username');
});

test('usernames are case-sensitive: OFFICER is not officer', async () => {
	expectError(await srv.client().login('OFFICER', srv.passwords.officer), 401, 'invalid_credentials');
});

test('sign-in works even when the request carries a stale or garbage cookie', async () => {
	const c = srv.client();
	c.cookie = 'vigil_session=stale-garbage-value';
	const res = await c.login('officer', srv.passwords.officer);
	assert.equal(res.status, 200, res.text);
	assert.notEqual(c.cookie, 'vigil_session=stale-garbage-value');
	assert.equal((await c.get('/api/v1/me')).status, 200);
});
