// Agencies: any signed-in user lists them; an administrator adds them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { expectError, startAs, stopServer } from './lib/server.mjs';

let srv;
let admin;

before(async () => ({ srv, admin } = await startAs('admin')));
after(() => stopServer(srv));

test('GET /api/v1/agencies lists the seeded agencies by code with name, kind and created_at', async () => {
	const c = await srv.login('advocate');
	const res = await c.get('/api/v1/agencies');
	assert.equal(res.status, 200);
	assert.deepEqual(Object.keys(res.body), ['agencies']);
	assert.deepEqual(
		res.body.agencies.map(({ code, name, kind }) => ({ code, name, kind })),
		[
			{ code: 'met', name: 'Metropolitan Police', kind: 'police' },
			{ code: 'nlft', name: 'North London NHS', kind: 'nhs' },
			{ code: 'sas', name: 'Stalking Advocacy', kind: 'charity' },
		],
	);
	for (const a of res.body.agencies) {
		assert.deepEqual(Object.keys(a).sort(), ['code', 'created_at', 'kind', 'name']);
		assert.match(a.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
	}
});

test('POST /api/v1/agencies adds an agency: 201 with the agency', async () => {
	const res = await admin.post('/api/v1/agencies', { code: 'probation', name: 'Probation Service', kind: 'other' });
	assert.equal(res.status, 201, res.text);
	assert.equal(res.body.code, 'probation');
	assert.equal(res.body.name, 'Probation Service');
	assert.equal(res.body.kind, 'other');
	const list = await admin.get('/api/v1/agencies');
	assert.ok(list.body.agencies.some((a) => a.code === 'probation'));
});

test('every kind is accepted: police, nhs, charity, contractor, other', async () => {
	for (const kind of ['police', 'nhs', 'charity', 'contractor', 'other']) {
		const res = await admin.post('/api/v1/agencies', { code: `k-${kind}`, name: `Kind ${kind}`, kind });
		assert.equal(res.status, 201, res.text);
	}
});

test('a taken code is 409 conflict on field code', async () => {
	expectError(await admin.post('/api/v1/agencies', { code: 'met', name: 'Another Met', kind: 'police' }), 409, 'conflict', 'code');
});

test('an unknown kind is 400 on field kind', async () => {
	expectError(await admin.post('/api/v1/agencies', { code: 'k1', name: 'K', kind: 'army' }), 400, 'bad_request', 'kind');
	expectError(await admin.post('/api/v1/agencies', { code: 'k2', name: 'K', kind: 'Police' }), 400, 'bad_request', 'kind');
});

test('an invalid code is 400 on field code', async () => {
	for (const code of ['X', 'a', 'Upper', 'with space', '-lead', 'x'.repeat(33), "o'brien"])
		expectError(await admin.post('/api/v1/agencies', { code, name: 'N', kind: 'other' }), 400, 'bad_request', 'code');
});

test('missing fields are 400 naming the field', async () => {
	expectError(await admin.post('/api/v1/agencies', { name: 'N', kind: 'other' }), 400, 'bad_request', 'code');
	expectError(await admin.post('/api/v1/agencies', { code: 'nn', kind: 'other' }), 400, 'bad_request', 'name');
	expectError(await admin.post('/api/v1/agencies', { code: 'nn', name: 'N' }), 400, 'bad_request', 'kind');
	expectError(await admin.post('/api/v1/agencies', { code: 'nn', name: '', kind: 'other' }), 400, 'bad_request', 'name');
});

test('a name with control characters is 400 on field name', async () => {
	expectError(await admin.post('/api/v1/agencies', { code: 'ctl', name: 'tab\there', kind: 'other' }), 400, 'bad_request', 'name');
	expectError(await admin.post('/api/v1/agencies', { code: 'ctl', name: 'c1\u0085ctl', kind: 'other' }), 400, 'bad_request', 'name');
});

test('a non-admin may not add agencies: 403 forbidden', async () => {
	const c = await srv.login('supervisor');
	expectError(await c.post('/api/v1/agencies', { code: 'sup', name: 'S', kind: 'other' }), 403, 'forbidden');
});

test('a user cannot be moved into another agency by an administrator: 403, the account stays', async () => {
	const u = (await admin.get('/api/v1/users/analyst')).body;
	const res = await admin.patch('/api/v1/users/analyst', { version: u.version, agency: 'probation' });
	expectError(res, 403, 'forbidden', 'agency');
	assert.equal((await admin.get('/api/v1/users/analyst')).body.agency.code, 'met');
});

test('agency creation is audited as agency.create with the code', async () => {
	const res = await admin.get('/api/v1/audit?action=agency.create&object=agency:probation');
	assert.equal(res.status, 200);
	assert.equal(res.body.entries.length, 1);
	assert.equal(res.body.entries[0].outcome, 'ok');
	assert.equal(res.body.entries[0].status, 201);
	assert.equal(res.body.entries[0].username, 'admin');
});
