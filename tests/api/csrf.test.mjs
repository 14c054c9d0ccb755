// CSRF: every POST/PUT/PATCH/DELETE made with a session cookie needs the
// X-CSRF-Token header from sign-in; bearer tokens need none.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { expectError, startAs, stopServer } from './lib/server.mjs';

let srv;
let admin;

before(async () => ({ srv, admin } = await startAs('admin')));
after(() => stopServer(srv));

const agency = (code) => ({ code, name: `Agency ${code}`, kind: 'other' });

test('a POST without X-CSRF-Token is 403 csrf and changes nothing', async () => {
	const res = await admin.post('/api/v1/agencies', agency('nocsrf'), { csrf: false });
	expectError(res, 403, 'csrf');
	const list = await admin.get('/api/v1/agencies');
	assert.ok(!list.body.agencies.some((a) => a.code === 'nocsrf'));
});

test('a POST with a wrong X-CSRF-Token is 403 csrf', async () => {
	const res = await admin.post('/api/v1/agencies', agency('badcsrf'), { headers: { 'X-CSRF-Token': 'not-the-token' } });
	expectError(res, 403, 'csrf');
});

test('a POST with an empty X-CSRF-Token is 403 csrf', async () => {
	const res = await admin.post('/api/v1/agencies', agency('emptycsrf'), { headers: { 'X-CSRF-Token': '' } });
	expectError(res, 403, 'csrf');
});

test('another session\'s CSRF token is refused with 403 csrf', async () => {
	const other = await srv.login('admin');
	const res = await admin.post('/api/v1/agencies', agency('crosscsrf'), { headers: { 'X-CSRF-Token': other.csrf } });
	expectError(res, 403, 'csrf');
});

test('a PATCH without X-CSRF-Token is 403 csrf', async () => {
	const u = await admin.get('/api/v1/users/officer');
	const res = await admin.patch('/api/v1/users/officer', { version: u.body.version, display_name: 'Changed' }, { csrf: false });
	expectError(res, 403, 'csrf');
	const again = await admin.get('/api/v1/users/officer');
	assert.equal(again.body.display_name, 'officer');
	assert.equal(again.body.version, u.body.version);
});

test('a DELETE without X-CSRF-Token is 403 csrf', async () => {
	const t = await admin.post('/api/v1/tokens', { name: 'csrf-test', scope: 'metrics' });
	assert.equal(t.status, 201, t.text);
	expectError(await admin.del(`/api/v1/tokens/${t.body.id}`, { csrf: false }), 403, 'csrf');
	// the token still works
	assert.equal((await srv.bearer(t.body.token).get('/metrics')).status, 200);
});

test('logout without X-CSRF-Token is 403 csrf and the session survives', async () => {
	const c = await srv.login('officer');
	expectError(await c.post('/api/v1/logout', undefined, { csrf: false }), 403, 'csrf');
	assert.equal((await c.get('/api/v1/me')).status, 200);
});

test('the same request with the right X-CSRF-Token succeeds', async () => {
	const res = await admin.post('/api/v1/agencies', agency('okcsrf'));
	assert.equal(res.status, 201, res.text);
});

test('the CSRF token from GET /api/v1/me works for writes', async () => {
	const c = await srv.login('admin');
	const me = await c.get('/api/v1/me');
	c.csrf = null;
	const res = await c.post('/api/v1/agencies', agency('mecsrf'), { headers: { 'X-CSRF-Token': me.body.csrf_token } });
	assert.equal(res.status, 201, res.text);
});

test('GET requests need no CSRF token', async () => {
	const res = await admin.get('/api/v1/users', { csrf: false });
	assert.equal(res.status, 200);
});

test('login needs no CSRF token', async () => {
	const res = await srv.client().login('officer', srv.passwords.officer);
	assert.equal(res.status, 200);
});

test('a bearer-token write needs no CSRF token', async () => {
	const t = await admin.post('/api/v1/tokens', { name: 'admin-api', scope: 'api' });
	assert.equal(t.status, 201, t.text);
	const res = await srv.bearer(t.body.token).post('/api/v1/agencies', agency('tokenwrite'));
	assert.equal(res.status, 201, res.text);
});

test('a CSRF refusal is audited as denied', async () => {
	await admin.post('/api/v1/agencies', agency('auditcsrf'), { csrf: false });
	const res = await admin.get('/api/v1/audit?action=agency.create&outcome=denied&limit=1');
	assert.equal(res.status, 200);
	const e = res.body.entries[0];
	assert.equal(e.status, 403);
	assert.equal(e.outcome, 'denied');
	assert.equal(e.username, 'admin');
});
