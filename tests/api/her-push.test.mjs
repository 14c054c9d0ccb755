// Web Push to her app with the app closed: her browser's push endpoint (a
// local stand-in for the push service) is sent an empty push with each of her
// warnings, signed with VAPID as RFC 8292 says (ES256 over aud = the
// endpoint's origin, exp, sub; "Authorization: vapid t=..., k=..." with the
// key her browser was given); nothing of the warning is in it; a push
// service that says the subscription is gone (410) is not pushed to again.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createCase, ukMobile, unique, victim } from './lib/casekit.mjs';
import { API_KEY, TEMPLATE_ID, notifyStandIn } from './lib/govnotify.mjs';
import { circle, dest, startMonitoring, waitFor } from './lib/monitorkit.mjs';
import { sleep } from './lib/server.mjs';

const HOME = [51.5309, -0.1233];

/** Why a VAPID Authorization header is wrong for origin, or null. */
function checkVapid(header, origin) {
	const m = /^vapid t=([\w-]+)\.([\w-]+)\.([\w-]+), k=([\w-]+)$/.exec(header || '');
	if (!m) return `not a vapid header: ${header}`;
	const raw = Buffer.from(m[4], 'base64url');
	if (raw.length !== 65 || raw[0] !== 4) return 'k is not an uncompressed P-256 point';
	const key = crypto.createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') }, format: 'jwk' });
	const ok = crypto.verify('sha256', Buffer.from(`${m[1]}.${m[2]}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(m[3], 'base64url'));
	if (!ok) return 'bad ES256 signature';
	const head = JSON.parse(Buffer.from(m[1], 'base64url'));
	const claims = JSON.parse(Buffer.from(m[2], 'base64url'));
	if (head.alg !== 'ES256') return `alg ${head.alg}`;
	if (claims.aud !== origin) return `aud ${claims.aud}`;
	if (!(claims.exp > Date.now() / 1000 && claims.exp <= Date.now() / 1000 + 24 * 3600)) return `exp ${claims.exp}`;
	if (!/^(mailto:|https:)/.test(claims.sub)) return `sub ${claims.sub}`;
	return null;
}

describe("Web Push to her app", () => {
	let srv, notify, pushSvc, k, ref, phone, session, origin, keyPath;
	let c;
	const pushes = [];
	let answer = 201;

	before(async () => {
		notify = await notifyStandIn();
		pushSvc = http.createServer((req, res) => {
			let body = '';
			req.on('data', (d) => { body += d; });
			req.on('end', () => {
				pushes.push({ url: req.url, auth: req.headers.authorization, ttl: req.headers.ttl, body });
				res.writeHead(answer);
				res.end();
			});
		});
		await new Promise((r) => pushSvc.listen(0, '127.0.0.1', r));
		origin = `http://127.0.0.1:${pushSvc.address().port}`;
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-push-'));
		fs.writeFileSync(path.join(dir, 'key'), API_KEY);
		keyPath = path.join(dir, 'push.pem');
		({ srv, c, k } = await startMonitoring({ args: ['--sms-notify-url', notify.url, '--sms-notify-key-file', path.join(dir, 'key'), '--sms-notify-template', TEMPLATE_ID,
			'--push-key-file', keyPath, '--push-subject', 'mailto:centre@example.org', '--push-allow-http'] }));
		phone = ukMobile();
		ref = (await createCase(c.officer, { suspect: { name: `Suspect ${unique('s')}` }, victims: [victim({ identifiers: [{ kind: 'phone', value: phone.national }] })] })).ref;
		assert.equal((await c.officer.post(`/api/v1/cases/${ref}/her-app`, {})).status, 201);
		const anon = srv.client();
		await anon.post('/api/v1/her/code', { phone: phone.national });
		const sms = await waitFor('the code', () => notify.sent.find((s) => s.body.phone_number === phone.e164));
		const code = sms.body.personalisation.message.match(/(\d{6})/)[1];
		const v = await anon.post('/api/v1/her/verify', { phone: phone.national, code, pin: '2580' });
		const u = await anon.post('/api/v1/her/unlock', { device: v.body.device, pin: '2580' });
		session = u.body.session;
	});
	after(async () => {
		if (srv) assert.equal(await srv.stop(), 0);
		await notify?.close();
		await new Promise((r) => pushSvc.close(r));
	});

	const her = (method, p, body) => srv.client().request(method, p, { body, headers: { 'X-Her-Session': session } });

	test('the key her browser subscribes with is made once, kept in its file (0600), and given to anyone', async () => {
		const res = await srv.client().get('/api/v1/her/push-key');
		assert.equal(res.status, 200);
		assert.equal(Buffer.from(res.body.key, 'base64url').length, 65);
		assert.equal(fs.statSync(keyPath).mode & 0o777, 0o600);
	});

	test('a subscription needs her session and an https endpoint (http only where allowed)', async () => {
		assert.equal((await srv.client().post('/api/v1/her/push', { endpoint: `${origin}/push/1` })).status, 401);
		let res = await her('POST', '/api/v1/her/push', { endpoint: 'ftp://example.org/x' });
		assert.equal(res.status, 400);
		assert.equal(res.body.error.field, 'endpoint');
		res = await her('POST', '/api/v1/her/push', { endpoint: `${origin}/push/1`, keys: { p256dh: 'x', auth: 'y' }, expirationTime: null });
		assert.equal(res.status, 201, res.text);
	});

	test('her warning pushes an empty, VAPID-signed message to her browser', async () => {
		const key = (await srv.client().get('/api/v1/her/push-key')).body.key;
		const tag = await k.device('offender_tag');
		await k.assign(ref, tag, 'suspect');
		await k.zone(ref, circle(HOME, 100, { warning_m: 0 }));
		await k.trail(tag, [dest(HOME, 2000, 0), HOME]);
		const p = await waitFor('the push', () => pushes[0]);
		assert.equal(p.url, '/push/1');
		assert.equal(p.body, '', 'nothing of the warning crosses the push service');
		assert.equal(checkVapid(p.auth, origin), null);
		assert.ok(p.auth.endsWith(`k=${key}`));
		assert.ok(Number(p.ttl) > 0);
	});

	test('a push service that says the subscription is gone (410) is not pushed to again', async () => {
		answer = 410;
		const n = pushes.length;
		const tag = await k.device('offender_tag');
		const ref2 = ref;
		await k.assign(ref2, tag, 'suspect');
		await k.trail(tag, [dest(HOME, 2500, 180), HOME]);
		await waitFor('the push answered 410', () => pushes.length > n);
		answer = 201;
		const m = pushes.length;
		const tag3 = await k.device('offender_tag');
		await k.assign(ref2, tag3, 'suspect');
		await k.trail(tag3, [dest(HOME, 2500, 270), HOME]);
		await waitFor('a third warning', async () => (await k.alerts(ref2, 'zone_entry')).length >= 3);
		await sleep(500);
		assert.equal(pushes.length, m);
	});
});
