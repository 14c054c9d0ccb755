// Roles and permissions: every route, every role.  A role lacking the route's
// permission gets 403 forbidden; no credentials get 401 unauthorized.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectError, ROLES, startServer, stopServer } from './lib/server.mjs';

let srv;
const clients = {};

before(async () => {
	srv = await startServer();
	for (const role of ROLES) clients[role] = await srv.login(role);
});
after(() => stopServer(srv));

// [method, path, body, roles allowed, status for an allowed role]
// Write bodies are deliberately invalid ({}) so that allowed roles get a 400
// from the handler and nothing changes, while the others get 403.
const ROUTES = [
	['GET', '/api/v1/me', undefined, ROLES, 200],
	['GET', '/api/v1/agencies', undefined, ROLES, 200],
	['POST', '/api/v1/agencies', {}, ['admin'], 400],
	['GET', '/api/v1/users', undefined, ['admin'], 200],
	['POST', '/api/v1/users', {}, ['admin'], 400],
	['GET', '/api/v1/users/officer', undefined, ['admin'], 200],
	['PATCH', '/api/v1/users/officer', {}, ['admin'], 400],
	['GET', '/api/v1/tokens', undefined, ['admin'], 200],
	['POST', '/api/v1/tokens', {}, ['admin'], 400],
	['DELETE', '/api/v1/tokens/999999', undefined, ['admin'], 404],
	['GET', '/api/v1/audit', undefined, ['admin', 'supervisor'], 200],
	['GET', '/api/v1/audit/verify', undefined, ['admin', 'supervisor'], 200],
	['GET', '/metrics', undefined, ['admin'], 200],
	['GET', '/api/v1/compliance', undefined, ['supervisor', 'analyst'], 200],
	['GET', '/api/v1/stats', undefined, ['supervisor', 'analyst'], 200],
	['GET', '/api/v1/cases/STAC-2026-999999/plan', undefined, ['officer', 'supervisor', 'operator', 'clinician', 'advocate', 'analyst'], 404],
	['PUT', '/api/v1/cases/STAC-2026-999999/plan', {}, ['officer', 'supervisor', 'clinician', 'advocate'], 400],
	['POST', '/api/v1/cases/STAC-2026-999999/orders', {}, ['officer', 'supervisor'], 400],
	['POST', '/api/v1/cases/STAC-2026-999999/victim-care/contacts', {}, ['officer', 'supervisor', 'advocate'], 400],
];

for (const [method, path, body, allowed, okStatus] of ROUTES) {
	describe(`${method} ${path}`, () => {
		for (const role of ROLES) {
			const may = allowed.includes(role);
			test(`${role} ${may ? `is allowed (${okStatus})` : 'is 403 forbidden'}`, async () => {
				const res = await clients[role].request(method, path, { body });
				if (may) assert.equal(res.status, okStatus, `${role} ${method} ${path}: ${res.status} ${res.text}`);
				else expectError(res, 403, 'forbidden');
			});
		}
		test('without credentials is 401 unauthorized', async () => {
			const res = await srv.client().request(method, path, { body });
			expectError(res, 401, 'unauthorized');
		});
	});
}

test('the officer example: GET /api/v1/users is 403 forbidden naming role and permission', async () => {
	const res = await clients.officer.get('/api/v1/users');
	expectError(res, 403, 'forbidden');
	assert.match(res.body.error.message, /officer/);
	assert.match(res.body.error.message, /users:manage/);
});

test('the operator example: GET /api/v1/audit is 403 forbidden', async () => {
	expectError(await clients.operator.get('/api/v1/audit'), 403, 'forbidden');
});

test('a forbidden write is refused before CSRF and body checks', async () => {
	// no CSRF token and a malformed body: the role check comes first
	const res = await clients.officer.post('/api/v1/users', '{broken', { csrf: false });
	expectError(res, 403, 'forbidden');
});

test('a forbidden write is audited as denied with the user\'s name', async () => {
	await clients.analyst.post('/api/v1/agencies', { code: 'nope', name: 'Nope', kind: 'other' });
	const res = await clients.admin.get('/api/v1/audit?user=analyst&action=agency.create&limit=5');
	assert.equal(res.status, 200);
	assert.ok(res.body.entries.length >= 1);
	const e = res.body.entries[0];
	assert.equal(e.outcome, 'denied');
	assert.equal(e.status, 403);
	assert.equal(e.agency, 'met');
});

test('the supervisor reads the audit trail but may not manage users', async () => {
	assert.equal((await clients.supervisor.get('/api/v1/audit?limit=1')).status, 200);
	expectError(await clients.supervisor.get('/api/v1/users'), 403, 'forbidden');
	expectError(await clients.supervisor.get('/metrics'), 403, 'forbidden');
});

test('every role lists the agencies', async () => {
	for (const role of ROLES) {
		const res = await clients[role].get('/api/v1/agencies');
		assert.equal(res.status, 200);
		assert.deepEqual(res.body.agencies.map((a) => a.code), ['met', 'nlft', 'sas']);
	}
});
