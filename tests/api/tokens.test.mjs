// API tokens: created by an administrator for herself or for a service
// account of her agency, shown once, never listed; an "api" token acts as its
// account, a "metrics" token reads /metrics only; revoked tokens stop at once;
// every request made with a token names it in the audit trail.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectError, PERMISSIONS, sqlite, startServer, stopServer } from './lib/server.mjs';

let srv;
let admin;

before(async () => {
	srv = await startServer();
	admin = await srv.login('admin');
	// service accounts of the administrator's agency (met), one per role used
	for (const [username, role] of [['svc-officer', 'officer'], ['svc-analyst', 'analyst'],
		['svc-advocate', 'advocate'], ['svc-clinician', 'clinician']]) {
		const res = await admin.post('/api/v1/users', { username, role, service: true });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.service, true);
	}
});
after(() => stopServer(srv));

let officerToken;
let metricsToken;

describe('creating and listing', () => {
	test('POST /api/v1/tokens creates an api token for a service account: 201, value shown once with vgl_', async () => {
		const res = await admin.post('/api/v1/tokens', { name: 'case-system', username: 'svc-officer', scope: 'api', expires_in_days: 30 });
		assert.equal(res.status, 201, res.text);
		const t = res.body;
		assert.match(t.token, /^vgl_[A-Za-z0-9_-]{40,}$/);
		assert.equal(t.name, 'case-system');
		assert.equal(t.username, 'svc-officer');
		assert.equal(t.scope, 'api');
		assert.equal(t.prefix, t.token.slice(0, 8));
		assert.equal(t.revoked_at, null);
		assert.equal(t.last_used_at, null);
		const days = (Date.parse(t.expires_at) - Date.parse(t.created_at)) / 86400000;
		assert.ok(Math.abs(days - 30) < 0.01, `expires ${t.expires_at} is 30 days after ${t.created_at}`);
		officerToken = t;
	});

	test('a token without a username acts as the administrator who made it; no expiry by default', async () => {
		const res = await admin.post('/api/v1/tokens', { name: 'scraper', scope: 'metrics' });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.username, 'admin');
		assert.equal(res.body.scope, 'metrics');
		assert.equal(res.body.expires_at, null);
		metricsToken = res.body;
	});

	test('scope defaults to api', async () => {
		const res = await admin.post('/api/v1/tokens', { name: 'default-scope', username: 'svc-analyst' });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.scope, 'api');
	});

	test('every token value is different', async () => {
		const a = await admin.post('/api/v1/tokens', { name: 'same', username: 'svc-analyst' });
		const b = await admin.post('/api/v1/tokens', { name: 'same', username: 'svc-analyst' });
		assert.notEqual(a.body.token, b.body.token);
		assert.notEqual(a.body.id, b.body.id);
	});

	test('GET /api/v1/tokens lists tokens without their values', async () => {
		const res = await admin.get('/api/v1/tokens');
		assert.equal(res.status, 200);
		assert.ok(res.body.tokens.length >= 4);
		for (const t of res.body.tokens) {
			assert.equal(t.token, undefined, 'no token value in the list');
			assert.equal(t.token_hash, undefined);
			assert.ok(!JSON.stringify(t).includes(officerToken.token));
		}
		assert.ok(!res.text.includes(officerToken.token), 'the list never shows a token value');
		assert.ok(!res.text.includes(metricsToken.token));
		const mine = res.body.tokens.find((t) => t.id === officerToken.id);
		assert.equal(mine.name, 'case-system');
		assert.equal(mine.prefix, officerToken.prefix);
	});

	test('an unknown scope is 400 on field scope', async () => {
		expectError(await admin.post('/api/v1/tokens', { name: 'x', scope: 'root' }), 400, 'bad_request', 'scope');
	});

	test('an unknown user is 400 on field username', async () => {
		expectError(await admin.post('/api/v1/tokens', { name: 'x', username: 'nobody' }), 400, 'bad_request', 'username');
	});

	test('a token is never made for another person, of her agency or of another: 403, 400', async () => {
		// a person of her own agency: acting as him is what a token would do
		expectError(await admin.post('/api/v1/tokens', { name: 'x', username: 'supervisor' }), 403, 'forbidden', 'username');
		expectError(await admin.post('/api/v1/tokens', { name: 'x', username: 'officer' }), 403, 'forbidden', 'username');
		// another agency's person or service account is not hers to name at all
		srv.addUser('kent-boss', 'supervisor', 'sas');
		srv.addUser('sas-feed', 'advocate', 'sas', { service: true });
		expectError(await admin.post('/api/v1/tokens', { name: 'x', username: 'kent-boss' }), 400, 'bad_request', 'username');
		expectError(await admin.post('/api/v1/tokens', { name: 'x', username: 'sas-feed' }), 400, 'bad_request', 'username');
		// and nothing was made
		const list = await admin.get('/api/v1/tokens');
		assert.ok(!list.body.tokens.some((t) => ['supervisor', 'officer', 'kent-boss', 'sas-feed'].includes(t.username)));
	});

	test('an administrator lists and revokes only her own agency\'s tokens', async () => {
		const other = srv.addUser('sas-admin', 'admin', 'sas');
		const sasAdmin = await srv.login('sas-admin', other);
		const theirs = await sasAdmin.post('/api/v1/tokens', { name: 'sas-own' });
		assert.equal(theirs.status, 201, theirs.text);
		const mine = await admin.get('/api/v1/tokens');
		assert.ok(!mine.body.tokens.some((t) => t.id === theirs.body.id), 'met does not list sas\'s token');
		expectError(await admin.del(`/api/v1/tokens/${theirs.body.id}`), 404, 'not_found');
		assert.equal((await srv.bearer(theirs.body.token).get('/api/v1/me')).status, 200, 'still live');
		const list = await sasAdmin.get('/api/v1/tokens');
		assert.deepEqual(list.body.tokens.map((t) => t.username), ['sas-admin']);
	});

	test('a service account never signs in, and has no password to set', async () => {
		const res = await srv.client().login('svc-officer', 'any-password-at-all');
		expectError(res, 401, 'invalid_credentials');
		const u = (await admin.get('/api/v1/users/svc-officer')).body;
		expectError(await admin.patch('/api/v1/users/svc-officer', { version: u.version, password: 'a-new-password-1' }), 400, 'bad_request', 'password');
		expectError(await admin.post('/api/v1/users', { username: 'svc-x', role: 'admin', service: true }), 400, 'bad_request', 'role');
		expectError(await admin.post('/api/v1/users', { username: 'svc-y', role: 'officer', service: true, password: 'a-password-here' }), 400, 'bad_request', 'password');
	});

	test('a missing name is 400 on field name', async () => {
		expectError(await admin.post('/api/v1/tokens', { scope: 'api' }), 400, 'bad_request', 'name');
	});

	test('expires_in_days outside 1..3650 is 400 on field expires_in_days', async () => {
		expectError(await admin.post('/api/v1/tokens', { name: 'x', expires_in_days: 0 }), 400, 'bad_request', 'expires_in_days');
		expectError(await admin.post('/api/v1/tokens', { name: 'x', expires_in_days: 3651 }), 400, 'bad_request', 'expires_in_days');
		expectError(await admin.post('/api/v1/tokens', { name: 'x', expires_in_days: 1.5 }), 400, 'bad_request', 'expires_in_days');
	});

	test('an unknown field is 400 naming it', async () => {
		expectError(await admin.post('/api/v1/tokens', { name: 'x', role: 'admin' }), 400, 'bad_request', 'role');
	});

	test('a non-admin may not create tokens: 403 forbidden', async () => {
		const sup = await srv.login('supervisor');
		expectError(await sup.post('/api/v1/tokens', { name: 'mine' }), 403, 'forbidden');
	});
});

describe('using tokens', () => {
	test('an api token for an officer service account acts as it: /api/v1/me shows officer and auth "token"', async () => {
		const res = await srv.bearer(officerToken.token).get('/api/v1/me');
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.user.username, 'svc-officer');
		assert.equal(res.body.user.role, 'officer');
		assert.equal(res.body.auth, 'token');
		assert.deepEqual(res.body.permissions, PERMISSIONS.officer);
		assert.equal(res.body.csrf_token, undefined, 'a token has no CSRF token');
		assert.equal(res.body.session_expires_at, undefined);
	});

	test('an officer api token gets the officer\'s 403 on GET /api/v1/users', async () => {
		expectError(await srv.bearer(officerToken.token).get('/api/v1/users'), 403, 'forbidden');
		expectError(await srv.bearer(officerToken.token).get('/metrics'), 403, 'forbidden');
	});

	test('an officer api token reads the agencies', async () => {
		const res = await srv.bearer(officerToken.token).get('/api/v1/agencies');
		assert.equal(res.status, 200);
	});

	test('every request made with a token records the token in the audit trail', async () => {
		await srv.bearer(officerToken.token).get('/api/v1/cases');
		const res = await admin.get('/api/v1/audit?action=case.list&user=svc-officer&limit=1');
		assert.equal(res.body.entries.length, 1);
		assert.equal(res.body.entries[0].token_id, officerToken.id);
		const bySession = await admin.get('/api/v1/audit?action=audit.list&user=admin&limit=1');
		assert.equal(bySession.body.entries[0].token_id, null, 'a session request names no token');
	});

	test('using a token records last_used_at', async () => {
		const res = await admin.get('/api/v1/tokens');
		const t = res.body.tokens.find((x) => x.id === officerToken.id);
		assert.match(t.last_used_at ?? '', /^\d{4}-/);
	});

	test('a metrics token reads /metrics', async () => {
		const res = await srv.bearer(metricsToken.token).get('/metrics');
		assert.equal(res.status, 200);
		assert.match(res.text, /vigil_http_requests_total/);
	});

	test('a metrics token gets 403 forbidden on /api/v1/me and everything else', async () => {
		const b = srv.bearer(metricsToken.token);
		expectError(await b.get('/api/v1/me'), 403, 'forbidden');
		expectError(await b.get('/api/v1/agencies'), 403, 'forbidden');
		// even though the token belongs to an administrator
		expectError(await b.get('/api/v1/users'), 403, 'forbidden');
		expectError(await b.post('/api/v1/agencies', { code: 'mt', name: 'M', kind: 'other' }), 403, 'forbidden');
	});

	test('an admin api token may write without a CSRF token', async () => {
		const t = await admin.post('/api/v1/tokens', { name: 'provisioning', scope: 'api' });
		const res = await srv.bearer(t.body.token).post('/api/v1/users', {
			username: 'made-by-token', role: 'operator', agency: 'met', password: 'token-made-password',
		});
		assert.equal(res.status, 201, res.text);
	});

	test('a token cannot sign out: POST /api/v1/logout is 400 bad_request', async () => {
		expectError(await srv.bearer(officerToken.token).post('/api/v1/logout'), 400, 'bad_request');
		assert.equal((await srv.bearer(officerToken.token).get('/api/v1/me')).status, 200);
	});

	test('an expired token is 401', async () => {
		const t = await admin.post('/api/v1/tokens', { name: 'expiring', username: 'svc-advocate', expires_in_days: 1 });
		assert.equal((await srv.bearer(t.body.token).get('/api/v1/me')).status, 200);
		// move its expiry into the past
		sqlite(srv.db, `UPDATE api_tokens SET expires_at = ${Date.now() - 1000} WHERE id = ${t.body.id}`);
		const res = await srv.bearer(t.body.token).get('/api/v1/me');
		assert.equal(res.status, 401, res.text);
		assert.equal(res.body.error.code, 'token_expired', res.text);
	});

	test('an unknown bearer token is 401 unauthorized', async () => {
		expectError(await srv.bearer('vgl_notarealtokenatallnotarealtokenatall123').get('/api/v1/me'), 401, 'unauthorized');
	});

	test('an Authorization header that is not Bearer is 401 unauthorized', async () => {
		const res = await srv.raw('/api/v1/me', { headers: { Authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` } });
		expectError(res, 401, 'unauthorized');
	});

	test('a bearer token wins over a session cookie: a bad token with a good cookie is 401', async () => {
		const res = await srv.raw('/api/v1/me', { headers: { Authorization: 'Bearer vgl_bogus', Cookie: admin.cookie } });
		expectError(res, 401, 'unauthorized');
	});
});

describe('revoking', () => {
	test('DELETE /api/v1/tokens/{id} revokes: 200, then the token is 401', async () => {
		const t = await admin.post('/api/v1/tokens', { name: 'short-lived', username: 'svc-clinician' });
		const b = srv.bearer(t.body.token);
		assert.equal((await b.get('/api/v1/me')).status, 200);
		const res = await admin.del(`/api/v1/tokens/${t.body.id}`);
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.body, { id: t.body.id, revoked: true });
		expectError(await b.get('/api/v1/me'), 401, 'unauthorized');
		const list = await admin.get('/api/v1/tokens');
		assert.match(list.body.tokens.find((x) => x.id === t.body.id).revoked_at ?? '', /^\d{4}-/);
	});

	test('revoking a revoked token is 404 not_found', async () => {
		const t = await admin.post('/api/v1/tokens', { name: 'twice', username: 'svc-clinician' });
		assert.equal((await admin.del(`/api/v1/tokens/${t.body.id}`)).status, 200);
		expectError(await admin.del(`/api/v1/tokens/${t.body.id}`), 404, 'not_found');
	});

	test('revoking an unknown or malformed id is 404 not_found', async () => {
		expectError(await admin.del('/api/v1/tokens/999999'), 404, 'not_found');
		expectError(await admin.del('/api/v1/tokens/abc'), 404, 'not_found');
		expectError(await admin.del('/api/v1/tokens/-1'), 404, 'not_found');
		expectError(await admin.del('/api/v1/tokens/0'), 404, 'not_found');
	});

	test('a revoked metrics token can no longer read /metrics', async () => {
		assert.equal((await admin.del(`/api/v1/tokens/${metricsToken.id}`)).status, 200);
		expectError(await srv.bearer(metricsToken.token).get('/metrics'), 401, 'unauthorized');
	});

	test('token creation and revocation are audited', async () => {
		const created = await admin.get('/api/v1/audit?action=token.create&outcome=ok&limit=500');
		assert.ok(created.body.entries.some((e) => e.object === `token:${officerToken.id}` && e.detail === 'scope api for user svc-officer'));
		const revoked = await admin.get('/api/v1/audit?action=token.revoke&outcome=ok&limit=500');
		assert.ok(revoked.body.entries.some((e) => e.object === `token:${metricsToken.id}` && e.username === 'admin'));
		const missing = await admin.get('/api/v1/audit?action=token.revoke&outcome=failed&limit=500');
		assert.ok(missing.body.entries.some((e) => e.status === 404));
	});

	test('no token value ever appears in the audit trail', async () => {
		const res = await admin.get('/api/v1/audit?limit=500');
		assert.ok(!res.text.includes(officerToken.token));
		assert.ok(!res.text.includes(metricsToken.token));
	});
});
