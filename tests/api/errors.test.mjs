// The request pipeline's error answers: status codes, error codes, the Allow
// header, malformed, non-object, oversized and non-JSON bodies.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ENGINE, expectError, postAnnounced, SCHEMA_VERSION, startAs, stopServer } from './lib/server.mjs';

let srv;
let admin;

before(async () => ({ srv, admin } = await startAs('admin')));
after(() => stopServer(srv));

describe('health and routing', () => {
	test('GET /healthz answers 200 with the database status and no credentials', async () => {
		const res = await srv.raw('/healthz');
		assert.equal(res.status, 200);
		assert.deepEqual(res.body, {
			status: 'ok', database: ENGINE === 'postgres' ? 'postgresql' : 'sqlite', schema_version: SCHEMA_VERSION,
			engine: 'leader', // a node alone runs the monitoring engine
		});
		assert.match(res.headers.get('content-type'), /^application\/json/);
	});

	test('HEAD /healthz answers 200 with no body', async () => {
		const res = await srv.raw('/healthz', { method: 'HEAD' });
		assert.equal(res.status, 200);
		assert.equal(res.text, '');
	});

	test('API answers carry nosniff, no-referrer, DENY framing and no-store', async () => {
		const res = await admin.get('/api/v1/me');
		assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
		assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
		assert.equal(res.headers.get('x-frame-options'), 'DENY');
		assert.equal(res.headers.get('cache-control'), 'no-store');
	});

	test('an unknown API path is 404 not_found', async () => {
		expectError(await admin.get('/api/v1/nosuch'), 404, 'not_found', null);
		expectError(await srv.raw('/api/v1/nosuch'), 404, 'not_found', null);
	});

	test('an unknown path under a known prefix is 404 (no partial matches)', async () => {
		expectError(await admin.get('/api/v1/users/admin/extra'), 404, 'not_found');
		expectError(await admin.get('/api/v1/me/'), 404, 'not_found');
	});

	test('a POST to an unknown path is 404 not_found', async () => {
		expectError(await admin.post('/api/v1/nosuch', {}), 404, 'not_found');
	});

	test('PUT /api/v1/me is 405 method_not_allowed with Allow: GET', async () => {
		const res = await admin.put('/api/v1/me', {});
		expectError(res, 405, 'method_not_allowed');
		assert.equal(res.headers.get('allow'), 'GET');
	});

	test('DELETE /api/v1/users is 405 with Allow listing GET and POST', async () => {
		const res = await admin.del('/api/v1/users');
		expectError(res, 405, 'method_not_allowed');
		assert.equal(res.headers.get('allow'), 'GET, POST');
	});

	test('GET /api/v1/login is 405 with Allow: POST', async () => {
		const res = await srv.raw('/api/v1/login');
		expectError(res, 405, 'method_not_allowed');
		assert.equal(res.headers.get('allow'), 'POST');
	});

	test('PUT /api/v1/users/{username} is 405 with Allow: GET, PATCH', async () => {
		const res = await admin.put('/api/v1/users/officer', { version: 1 });
		expectError(res, 405, 'method_not_allowed');
		assert.equal(res.headers.get('allow'), 'GET, PATCH');
	});
});

describe('request bodies', () => {
	test('malformed JSON is 400 bad_json', async () => {
		expectError(await admin.post('/api/v1/agencies', '{"code": "x",'), 400, 'bad_json');
		expectError(await admin.post('/api/v1/agencies', '{bad'), 400, 'bad_json');
		expectError(await admin.post('/api/v1/agencies', 'not json at all'), 400, 'bad_json');
	});

	test('a JSON body that is not an object is 400 bad_json', async () => {
		expectError(await admin.post('/api/v1/agencies', '[1,2,3]'), 400, 'bad_json');
		expectError(await admin.post('/api/v1/agencies', '"a string"'), 400, 'bad_json');
		expectError(await admin.post('/api/v1/agencies', '42'), 400, 'bad_json');
		expectError(await admin.post('/api/v1/agencies', 'null'), 400, 'bad_json');
	});

	test('duplicate keys in a JSON object are 400 bad_json', async () => {
		const res = await admin.post('/api/v1/agencies', '{"code":"dup1","code":"dup2","name":"N","kind":"other"}');
		expectError(res, 400, 'bad_json');
	});

	test('malformed JSON on login is 400 bad_json', async () => {
		const res = await srv.client().post('/api/v1/login', '{"username":');
		expectError(res, 400, 'bad_json');
	});

	test('a body sent as text/plain is 415 unsupported_media_type', async () => {
		const res = await admin.post('/api/v1/agencies', JSON.stringify({ code: 'tp', name: 'T', kind: 'other' }), {
			headers: { 'Content-Type': 'text/plain' },
		});
		expectError(res, 415, 'unsupported_media_type');
	});

	test('a form-encoded login body is 415 unsupported_media_type', async () => {
		const res = await srv.raw('/api/v1/login', {
			method: 'POST',
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			body: 'username=admin&password=x',
		});
		expectError(res, 415, 'unsupported_media_type');
	});

	test('a look-alike media type (application/jsonx) is 415', async () => {
		const res = await admin.post('/api/v1/agencies', '{}', { headers: { 'Content-Type': 'application/jsonx' } });
		expectError(res, 415, 'unsupported_media_type');
	});

	test('application/json with a charset parameter is accepted', async () => {
		const res = await admin.post('/api/v1/agencies', JSON.stringify({ code: 'cs1', name: 'Charset Ltd', kind: 'contractor' }), {
			headers: { 'Content-Type': 'application/json; charset=utf-8' },
		});
		assert.equal(res.status, 201, res.text);
	});

	test('a body announced over 1 MiB by Content-Length is 413 payload_too_large before it is sent', async () => {
		const res = await postAnnounced(srv.url, '/api/v1/agencies', {
			size: 2 * 1024 * 1024,
			headers: { Cookie: admin.cookie, 'X-CSRF-Token': admin.csrf },
		});
		expectError(res, 413, 'payload_too_large');
	});

	test('a body announced at 1 MiB + 1 byte is 413', async () => {
		const res = await postAnnounced(srv.url, '/api/v1/agencies', {
			size: 1024 * 1024 + 1,
			headers: { Cookie: admin.cookie, 'X-CSRF-Token': admin.csrf },
		});
		expectError(res, 413, 'payload_too_large');
	});

	test('a chunked body growing past 1 MiB is 413 payload_too_large', async () => {
		const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
		let sent = 0;
		const stream = new ReadableStream({
			pull(controller) {
				if (sent === 0) controller.enqueue(new TextEncoder().encode('{"name":"'));
				if (sent < 1024 * 1024 + 128 * 1024) {
					controller.enqueue(chunk);
					sent += chunk.length;
				} else {
					controller.enqueue(new TextEncoder().encode('"}'));
					controller.close();
				}
			},
		});
		const res = await srv.raw('/api/v1/agencies', {
			method: 'POST',
			headers: { 'Content-Type': 'application/json', Cookie: admin.cookie, 'X-CSRF-Token': admin.csrf },
			body: stream,
			duplex: 'half',
		});
		expectError(res, 413, 'payload_too_large');
	});

	test('a body of exactly 1 MiB is not refused as too large', async () => {
		// a valid object padded with spaces to exactly 1 MiB: the limit is "over 1 MiB"
		const obj = JSON.stringify({ code: 'exact', name: 'Exactly One MiB', kind: 'other' });
		const body = obj + ' '.repeat(1024 * 1024 - obj.length);
		assert.equal(body.length, 1024 * 1024);
		const res = await admin.post('/api/v1/agencies', body);
		assert.equal(res.status, 201, res.text);
	});

	test('the server still answers after oversized bodies', async () => {
		const res = await admin.get('/api/v1/me');
		assert.equal(res.status, 200);
	});

	test('a POST that needs a body but has none is 400 bad_request', async () => {
		const res = await admin.request('POST', '/api/v1/agencies', {});
		expectError(res, 400, 'bad_request');
	});

	test('an unknown body field is 400 bad_request naming the field', async () => {
		const res = await admin.post('/api/v1/agencies', { code: 'uf', name: 'U', kind: 'other', colour: 'red' });
		expectError(res, 400, 'bad_request', 'colour');
	});

	test('a field of the wrong type is 400 naming the field', async () => {
		expectError(await admin.post('/api/v1/agencies', { code: 7, name: 'N', kind: 'other' }), 400, 'bad_request', 'code');
		expectError(await admin.patch('/api/v1/users/officer', { version: 'one' }), 400, 'bad_request', 'version');
		expectError(await admin.patch('/api/v1/users/officer', { version: 1, disabled: 'yes' }), 400, 'bad_request', 'disabled');
	});

	test('a string with an escaped NUL (\\u0000) is 400 bad_json', async () => {
		const res = await admin.post('/api/v1/agencies', '{"code":"nul","name":"a\\u0000b","kind":"other"}');
		expectError(res, 400, 'bad_json');
	});
});

describe('authentication errors', () => {
	test('no credentials is 401 unauthorized', async () => {
		expectError(await srv.raw('/api/v1/me'), 401, 'unauthorized');
		expectError(await srv.raw('/api/v1/users'), 401, 'unauthorized');
	});

	test('a garbage session cookie is 401 unauthorized', async () => {
		const res = await srv.raw('/api/v1/me', { headers: { Cookie: 'vigil_session=garbage-not-a-session' } });
		expectError(res, 401, 'unauthorized');
	});

	test('an over-long session cookie is 401 unauthorized', async () => {
		const res = await srv.raw('/api/v1/me', { headers: { Cookie: `vigil_session=${'a'.repeat(500)}` } });
		expectError(res, 401, 'unauthorized');
	});

	test('authentication is checked before the body is parsed', async () => {
		const res = await srv.raw('/api/v1/agencies', {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: '{bad json',
		});
		expectError(res, 401, 'unauthorized');
	});
});

describe('conflicts', () => {
	test('creating a taken username is 409 conflict', async () => {
		const res = await admin.post('/api/v1/users', {
			username: 'officer', role: 'officer', agency: 'met', password: 'a-long-enough-password',
		});
		expectError(res, 409, 'conflict', 'username');
	});

	test('a stale version is 409 stale_version on field version', async () => {
		const u = await admin.get('/api/v1/users/analyst');
		assert.equal(u.status, 200);
		const ok = await admin.patch('/api/v1/users/analyst', { version: u.body.version, display_name: 'Analyst One' });
		assert.equal(ok.status, 200, ok.text);
		const res = await admin.patch('/api/v1/users/analyst', { version: u.body.version, display_name: 'Analyst Two' });
		expectError(res, 409, 'stale_version', 'version');
	});
});
