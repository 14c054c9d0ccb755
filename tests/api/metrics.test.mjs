// GET /metrics: Prometheus text for an administrator's session, a metrics
// token or an administrator's api token; 403 for everyone else; 401 without
// credentials.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { expectError, metricValue, parseMetrics, startAs, stopServer } from './lib/server.mjs';

let srv;
let admin;

before(async () => ({ srv, admin } = await startAs('admin')));
after(() => stopServer(srv));

test('an administrator\'s session reads /metrics as Prometheus text', async () => {
	const res = await admin.get('/metrics');
	assert.equal(res.status, 200);
	assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
	assert.match(res.text, /^# HELP vigil_http_requests_total /m);
	assert.match(res.text, /^# TYPE vigil_http_requests_total counter$/m);
	assert.match(res.text, /^# TYPE vigil_http_request_duration_seconds histogram$/m);
	assert.match(res.text, /^# TYPE vigil_db_errors_total counter$/m);
	const samples = parseMetrics(res.text); // every line parses
	assert.equal(metricValue(samples, 'vigil_http_requests_total', { route: 'login', status: '200' }), 1);
	assert.equal(typeof metricValue(samples, 'vigil_db_errors_total'), 'number');
});

test('request counters count by route and status', async () => {
	const m0 = parseMetrics((await admin.get('/metrics')).text);
	const n = (s, labels) => metricValue(s, 'vigil_http_requests_total', labels) ?? 0;
	await srv.raw('/healthz');
	await srv.raw('/healthz');
	await srv.raw('/api/v1/me'); // 401
	await admin.get('/api/v1/nosuch'); // 404, unmatched
	const m1 = parseMetrics((await admin.get('/metrics')).text);
	assert.equal(n(m1, { route: 'healthz', status: '200' }) - n(m0, { route: 'healthz', status: '200' }), 2);
	assert.equal(n(m1, { route: 'me', status: '401' }) - n(m0, { route: 'me', status: '401' }), 1);
	assert.equal(n(m1, { route: 'unmatched', status: '404' }) - n(m0, { route: 'unmatched', status: '404' }), 1);
	assert.equal(n(m1, { route: 'metrics', status: '200' }) - n(m0, { route: 'metrics', status: '200' }), 1);
});

test('the duration histogram has cumulative buckets ending in +Inf equal to the count', async () => {
	const s = parseMetrics((await admin.get('/metrics')).text);
	const buckets = s.filter((x) => x.name === 'vigil_http_request_duration_seconds_bucket' && x.labels.route === 'healthz');
	assert.ok(buckets.length >= 2);
	for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i].value >= buckets[i - 1].value, 'buckets are cumulative');
	assert.equal(buckets.at(-1).labels.le, '+Inf');
	assert.equal(buckets.at(-1).value, metricValue(s, 'vigil_http_request_duration_seconds_count', { route: 'healthz' }));
	assert.ok(metricValue(s, 'vigil_http_request_duration_seconds_sum', { route: 'healthz' }) >= 0);
});

test('a metrics-scope token reads /metrics', async () => {
	const t = await admin.post('/api/v1/tokens', { name: 'prometheus', scope: 'metrics' });
	assert.equal(t.status, 201, t.text);
	const res = await srv.bearer(t.body.token).get('/metrics');
	assert.equal(res.status, 200);
	assert.match(res.text, /vigil_http_requests_total/);
});

test('a metrics-scope token made for a non-admin service account reads /metrics too', async () => {
	const t = await srv.serviceToken(admin, 'operator', { name: 'prometheus-2', scope: 'metrics' });
	assert.equal((await srv.bearer(t.token).get('/metrics')).status, 200);
	expectError(await srv.bearer(t.token).get('/api/v1/me'), 403, 'forbidden');
});

test('an administrator\'s api token reads /metrics', async () => {
	const t = await admin.post('/api/v1/tokens', { name: 'admin-api', scope: 'api' });
	assert.equal((await srv.bearer(t.body.token).get('/metrics')).status, 200);
});

test('an officer\'s api token is 403 forbidden on /metrics', async () => {
	const t = await srv.serviceToken(admin, 'officer', { name: 'officer-api' });
	expectError(await srv.bearer(t.token).get('/metrics'), 403, 'forbidden');
});

test('non-admin sessions are 403 forbidden on /metrics', async () => {
	for (const role of ['officer', 'supervisor', 'analyst']) {
		const c = await srv.login(role);
		expectError(await c.get('/metrics'), 403, 'forbidden');
	}
});

test('/metrics without credentials is 401 unauthorized', async () => {
	expectError(await srv.raw('/metrics'), 401, 'unauthorized');
});

test('POST /metrics is 405 with Allow: GET', async () => {
	const res = await admin.post('/metrics', {});
	expectError(res, 405, 'method_not_allowed');
	assert.equal(res.headers.get('allow'), 'GET');
});

test('metrics reveal no secrets: no passwords, tokens or usernames', async () => {
	const text = (await admin.get('/metrics')).text;
	for (const pw of Object.values(srv.passwords)) assert.ok(!text.includes(pw));
	assert.ok(!/vgl_/.test(text));
	assert.ok(!/officer|admin/.test(text));
});
