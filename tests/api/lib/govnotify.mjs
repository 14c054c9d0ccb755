// A stand-in for GOV.UK Notify's API, for the tests of her warnings: it
// speaks what Notify speaks (POST /v2/notifications/sms, GET
// /v2/notifications/{id}, a JSON Web Token signed HS256 with the API key's
// secret, iss the service id, iat within 30 seconds; errors as
// {status_code, errors: [{error, message}]}) and records what it was sent.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

export const SERVICE_ID = '26785a09-ab16-4eb0-8407-a37497a57506';
export const SECRET = '3d844edf-8d35-48ac-975b-e847b4f122b0';
export const API_KEY = `vigil_test-${SERVICE_ID}-${SECRET}`;
export const TEMPLATE_ID = 'f33517ff-2a88-4f6e-b855-c550268ce08a';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** Why a bearer token is not Notify's, or null when it is. */
export function checkToken(header, { service = SERVICE_ID, secret = SECRET, now = Date.now() } = {}) {
	const m = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(header || '');
	if (!m) return 'no bearer token';
	const head = JSON.parse(Buffer.from(m[1], 'base64url'));
	const claims = JSON.parse(Buffer.from(m[2], 'base64url'));
	if (head.alg !== 'HS256' || head.typ !== 'JWT') return `header ${JSON.stringify(head)}`;
	const sig = b64url(crypto.createHmac('sha256', secret).update(`${m[1]}.${m[2]}`).digest());
	if (sig !== m[3]) return 'Invalid token: signature, api token not found';
	if (claims.iss !== service) return 'Invalid token: service not found';
	if (typeof claims.iat !== 'number' || Math.abs(claims.iat - now / 1000) > 30) return 'Error: Your system clock must be accurate to within 30 seconds';
	return null;
}

/**
 * Start the stand-in on 127.0.0.1.  receipt(message, polls) gives the status
 * a GET reports (default: "sending" on the first poll, then "delivered");
 * refuse(body) may give [status, message] to refuse a POST.
 */
export async function notifyStandIn({ receipt = (m, polls) => (polls < 2 ? 'sending' : 'delivered'), refuse = () => null } = {}) {
	const sent = [];
	const polls = [];
	const bad = [];
	const fail = (res, status, error, message) => {
		res.writeHead(status, { 'Content-Type': 'application/json' });
		res.end(JSON.stringify({ status_code: status, errors: [{ error, message }] }));
	};
	const server = http.createServer((req, res) => {
		let text = '';
		req.setEncoding('utf8');
		req.on('data', (c) => { text += c; });
		req.on('end', () => {
			const why = checkToken(req.headers.authorization);
			if (why) {
				bad.push(why);
				return fail(res, 403, 'AuthError', why);
			}
			if (req.method === 'POST' && req.url === '/v2/notifications/sms') {
				let body;
				try { body = JSON.parse(text); } catch { return fail(res, 400, 'ValidationError', 'not JSON'); }
				if (typeof body.phone_number !== 'string' || !/^\+?[0-9 ]{10,15}$/.test(body.phone_number)) return fail(res, 400, 'ValidationError', 'phone_number Not enough digits');
				if (body.template_id !== TEMPLATE_ID) return fail(res, 400, 'BadRequestError', 'Template not found');
				if (!body.personalisation || typeof body.personalisation.message !== 'string') return fail(res, 400, 'BadRequestError', 'Missing personalisation: message');
				const refused = refuse(body);
				if (refused) return fail(res, refused[0], 'BadRequestError', refused[1]);
				const id = crypto.randomUUID();
				const m = { id, at: Date.now(), body, text, polls: 0 };
				sent.push(m);
				res.writeHead(201, { 'Content-Type': 'application/json' });
				return res.end(JSON.stringify({
					id, reference: body.reference ?? null,
					content: { body: body.personalisation.message, from_number: 'GOVUK' },
					uri: `http://${req.headers.host}/v2/notifications/${id}`,
					template: { id: TEMPLATE_ID, version: 1, uri: `http://${req.headers.host}/v2/template/${TEMPLATE_ID}` },
				}));
			}
			const g = /^\/v2\/notifications\/([0-9a-f-]{36})$/.exec(req.url);
			if (req.method === 'GET' && g) {
				const m = sent.find((x) => x.id === g[1]);
				if (!m) return fail(res, 404, 'NoResultFound', 'No result found');
				m.polls += 1;
				polls.push({ id: m.id, at: Date.now() });
				const status = receipt(m, m.polls);
				res.writeHead(200, { 'Content-Type': 'application/json' });
				return res.end(JSON.stringify({
					id: m.id, reference: m.body.reference, phone_number: m.body.phone_number, type: 'sms', status,
					body: m.body.personalisation.message, created_at: new Date(m.at).toISOString(),
				}));
			}
			return fail(res, 404, 'NotFound', `no ${req.method} ${req.url}`);
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${server.address().port}`,
		sent,
		polls,
		bad,
		set receipt(fn) { receipt = fn; },
		set refuse(fn) { refuse = fn; },
		async close() { await new Promise((resolve) => server.close(resolve)); server.closeAllConnections?.(); },
	};
}

/**
 * The server's options to send its SMS through the stand-in: its URL, the
 * API key (in a file of a directory of its own) and the template.
 */
export function notifyArgs(notify) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-notify-key-'));
	fs.writeFileSync(path.join(dir, 'key'), API_KEY, { mode: 0o600 });
	return ['--sms-notify-url', notify.url, '--sms-notify-key-file', path.join(dir, 'key'), '--sms-notify-template', TEMPLATE_ID];
}
