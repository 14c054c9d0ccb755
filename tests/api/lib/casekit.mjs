// Helpers shared by the tests of cases, incidents and assessments: request
// bodies (FOUR screening, people, checklist answers), a case-creating
// shortcut, times, and a BLAKE2b written out in JavaScript so that a test can
// recompute the incident chain from an export the way a court would (Node's
// crypto has blake2b512 only, and BLAKE2b-256 is not a truncation of it).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { REPO } from './server.mjs';

export const STATUSES = ['intake', 'screened', 'assessed', 'managed', 'closed'];
export const FOUR = ['fixated', 'obsessive', 'unwanted', 'repeated'];

/**
 * A FOUR screening body: answers is one boolean for all four, or an object
 * {fixated, obsessive, unwanted, repeated} of booleans (missing ones false).
 */
export function screening(answers = true, note = 'as the victim described it') {
	const out = {};
	for (const q of FOUR) {
		const a = typeof answers === 'boolean' ? answers : Boolean(answers[q]);
		out[q] = { answer: a, note: `${q}: ${note}` };
	}
	return out;
}

let uniq = 0;
/** A short unique token for names and identifiers that must not collide. */
export function unique(prefix = 'u') {
	uniq += 1;
	return `${prefix}${process.pid % 1000}x${uniq}`;
}

/** A victim that links to nobody: a unique name and nothing else. */
export function victim(extra = {}) {
	return { name: `Victim ${unique('v')}`, ...extra };
}

/** A UK mobile number unique to this process and call: "07700 9xxxxx". */
let phoneSeq = 0;
export function ukMobile() {
	phoneSeq += 1;
	const n = String((process.pid * 37 + phoneSeq) % 100000).padStart(5, '0');
	return { national: `07700 9${n}`, e164: `+4477009${n}` };
}

/**
 * POST /api/v1/cases with sensible defaults; asserts 201 and returns the
 * case.  body overrides the defaults (victims, relationship, channel...).
 */
export async function createCase(client, body = {}) {
	const res = await client.post('/api/v1/cases', {
		relationship: 'stranger',
		channel: 'in_person',
		summary: 'test case',
		victims: [victim()],
		...body,
	});
	assert.equal(res.status, 201, `create case: ${res.status} ${res.text}`);
	return res.body;
}

/** An RFC 3339 time ms milliseconds ago (negative: in the future). */
export function ago(ms) {
	return new Date(Date.now() - ms).toISOString();
}

export const MINUTE = 60 * 1000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** POST an incident; asserts 201 and returns it. */
export async function addIncident(client, ref, body = {}) {
	const res = await client.post(`/api/v1/cases/${ref}/incidents`, {
		occurred_at: ago(HOUR),
		behaviour: 'message',
		description: 'an unwanted message',
		...body,
	});
	assert.equal(res.status, 201, `add incident: ${res.status} ${res.text}`);
	return res.body;
}

/**
 * Meet issue 5's gates for a move to status: `assessed` needs a plan with an
 * owned, dated action (and an advocacy referral at high risk); `closed` needs
 * a closing review with its outcome.  Only what is missing is added.
 */
export async function meetGates(client, ref, status) {
	if (status === 'assessed') {
		const plan = await client.get(`/api/v1/cases/${ref}/plan`);
		if (plan.status !== 200 || !(plan.body.actions || []).length) {
			let res = await client.put(`/api/v1/cases/${ref}/plan`, { version: 0, summary: 'keep her safe' });
			assert.equal(res.status, 201, `plan: ${res.text}`);
			res = await client.post(`/api/v1/cases/${ref}/plan/actions`, {
				version: res.body.version, category: 'victim_safety', description: 'Fit new locks',
				owner: 'officer', due_at: new Date(Date.now() + 7 * 86400000).toISOString(),
			});
			assert.equal(res.status, 201, `action: ${res.text}`);
		}
		const c = (await client.get(`/api/v1/cases/${ref}`)).body;
		if (c.risk_level === 'high') {
			const res = await client.post(`/api/v1/cases/${ref}/victim-care/referrals`, { service: 'advocacy', agency: 'sas', status: 'offered' });
			assert.ok(res.status === 201 || res.status === 409, `referral: ${res.text}`);
		}
	}
	if (status === 'closed') {
		const res = await client.post(`/api/v1/cases/${ref}/reviews`, { kind: 'closing', summary: 'order made; she feels safe', outcome: 'convicted' });
		assert.equal(res.status, 201, `closing review: ${res.text}`);
	}
}

/** Move a case along the workflow to status (from its current status); the case. */
export async function moveTo(client, ref, status, reason) {
	let c = (await client.get(`/api/v1/cases/${ref}`)).body;
	const path = { intake: [], screened: [], assessed: ['assessed'], managed: ['assessed', 'managed'], closed: ['assessed', 'managed', 'closed'] };
	for (const s of path[status]) {
		if (STATUSES.indexOf(c.status) >= STATUSES.indexOf(s)) continue;
		await meetGates(client, ref, s);
		c = (await client.get(`/api/v1/cases/${ref}`)).body;
		const res = await client.patch(`/api/v1/cases/${ref}`, { version: c.version, status: s, ...(reason ? { reason } : {}) });
		assert.equal(res.status, 200, `move ${ref} to ${s}: ${res.text}`);
		c = res.body;
	}
	assert.equal(c.status, status);
	return c;
}

// ---- instruments -----------------------------------------------------------

function readInstrument(id) {
	return JSON.parse(fs.readFileSync(path.join(REPO, 'instruments', `${id}.json`), 'utf8'));
}

export const RIC_ITEMS = readInstrument('ric').items.map((i) => i.id);
export const SCREEN_ITEMS = readInstrument('stalking-screen').items.map((i) => i.id);
export const SJ_ITEMS = readInstrument('structured-judgement').items.map((i) => i.id);

/**
 * Answers for the ric checklist: `yes` items answered yes (a count: the
 * first ones that are not excluded; or a list of ids), `unknown` more items
 * unknown, the rest no.  exclude keeps items (e.g. stalking, fear) out of the
 * yes and unknown answers so that a test controls the screen offer.
 */
export function ricAnswers(yes, { unknown = 0, exclude = ['stalking', 'fear'] } = {}) {
	const answers = Object.fromEntries(RIC_ITEMS.map((id) => [id, 'no']));
	if (Array.isArray(yes)) {
		for (const id of yes) answers[id] = 'yes';
		yes = 0;
	}
	const pool = RIC_ITEMS.filter((id) => !exclude.includes(id) && answers[id] === 'no');
	// 25 items outside the two excluded: past that, take the excluded too
	const order = [...pool, ...RIC_ITEMS.filter((id) => exclude.includes(id))];
	let i = 0;
	for (; i < yes; i++) answers[order[i]] = 'yes';
	for (let k = 0; k < unknown; k++, i++) answers[order[i]] = 'unknown';
	return answers;
}

export function screenAnswers(yes = []) {
	return Object.fromEntries(SCREEN_ITEMS.map((id) => [id, yes.includes(id) ? 'yes' : 'no']));
}

export function sjAnswers(rating = 'low') {
	return Object.fromEntries(SJ_ITEMS.map((id) => [id, { rating, reason: `${id} rated ${rating}` }]));
}

/** Assert that an ISO time is within toleranceMs of the expected epoch ms. */
export function assertNear(iso, expectedMs, toleranceMs, what = 'time') {
	assert.equal(typeof iso, 'string', `${what} should be a time, got ${iso}`);
	const t = Date.parse(iso);
	assert.ok(Math.abs(t - expectedMs) <= toleranceMs,
		`${what} ${iso} should be within ${toleranceMs} ms of ${new Date(expectedMs).toISOString()}`);
}

// ---- BLAKE2b (RFC 7693), unkeyed, any output length up to 64 bytes ----------

const M64 = (1n << 64n) - 1n;
const IV = [
	0x6a09e667f3bcc908n, 0xbb67ae8584caa73bn, 0x3c6ef372fe94f82bn, 0xa54ff53a5f1d36f1n,
	0x510e527fade682d1n, 0x9b05688c2b3e6c1fn, 0x1f83d9abfb41bd6bn, 0x5be0cd19137e2179n,
];
const SIGMA = [
	[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
	[14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
	[11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
	[7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
	[9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
	[2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
	[12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
	[13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
	[6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
	[10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];
const rotr = (x, n) => ((x >> n) | (x << (64n - n))) & M64;

/** BLAKE2b of data (a Uint8Array), outlen bytes, as lowercase hex. */
export function blake2bHex(data, outlen = 32) {
	const h = IV.slice();
	h[0] ^= 0x01010000n ^ BigInt(outlen);
	const blocks = Math.max(1, Math.ceil(data.length / 128));
	const v = new Array(16);
	const m = new Array(16);
	const G = (a, b, c, d, x, y) => {
		v[a] = (v[a] + v[b] + x) & M64;
		v[d] = rotr(v[d] ^ v[a], 32n);
		v[c] = (v[c] + v[d]) & M64;
		v[b] = rotr(v[b] ^ v[c], 24n);
		v[a] = (v[a] + v[b] + y) & M64;
		v[d] = rotr(v[d] ^ v[a], 16n);
		v[c] = (v[c] + v[d]) & M64;
		v[b] = rotr(v[b] ^ v[c], 63n);
	};
	for (let blk = 0; blk < blocks; blk++) {
		const last = blk === blocks - 1;
		const block = new Uint8Array(128);
		block.set(data.subarray(blk * 128, Math.min(data.length, (blk + 1) * 128)));
		for (let i = 0; i < 16; i++) {
			let w = 0n;
			for (let k = 7; k >= 0; k--) w = (w << 8n) | BigInt(block[i * 8 + k]);
			m[i] = w;
		}
		const t = BigInt(last ? data.length : (blk + 1) * 128);
		for (let i = 0; i < 8; i++) {
			v[i] = h[i];
			v[i + 8] = IV[i];
		}
		v[12] ^= t & M64;
		v[13] ^= t >> 64n;
		if (last) v[14] ^= M64;
		for (let r = 0; r < 12; r++) {
			const s = SIGMA[r % 10];
			G(0, 4, 8, 12, m[s[0]], m[s[1]]);
			G(1, 5, 9, 13, m[s[2]], m[s[3]]);
			G(2, 6, 10, 14, m[s[4]], m[s[5]]);
			G(3, 7, 11, 15, m[s[6]], m[s[7]]);
			G(0, 5, 10, 15, m[s[8]], m[s[9]]);
			G(1, 6, 11, 12, m[s[10]], m[s[11]]);
			G(2, 7, 8, 13, m[s[12]], m[s[13]]);
			G(3, 4, 9, 14, m[s[14]], m[s[15]]);
		}
		for (let i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
	}
	const out = Buffer.alloc(outlen);
	for (let i = 0; i < outlen; i++) out[i] = Number((h[i >> 3] >> BigInt(8 * (i & 7))) & 0xffn);
	return out.toString('hex');
}
