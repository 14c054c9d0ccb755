// GET /api/v1/vocabulary serves the lists the API validates against, so that
// the browser UI offers exactly what the API accepts.  Each list is checked
// against the validator that uses it: a value outside it is refused with a
// message naming the allowed values, and that list must be the served one,
// value for value and in order.  And the UI holds no copies of its own.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { newCase } from './lib/cases.mjs';
import { REPO, ROLES, startServer, stopServer } from './lib/server.mjs';

let srv;
let vocab;
let officer;
let supervisor;
let admin;
let ref;
let orderId;
let breachId;

before(async () => {
	srv = await startServer();
	officer = await srv.login('officer');
	supervisor = await srv.login('supervisor');
	admin = await srv.login('admin');
	ref = (await newCase(officer)).ref;
	let res = await officer.post(`/api/v1/cases/${ref}/orders`, { kind: 'spo_interim', status: 'granted', granted_at: new Date(Date.now() - 3600e3).toISOString() });
	assert.equal(res.status, 201, res.text);
	orderId = res.body.order.id;
	res = await officer.post(`/api/v1/cases/${ref}/orders/${orderId}/breaches`, { occurred_at: new Date(Date.now() - 600e3).toISOString(), description: 'he came to her door' });
	assert.equal(res.status, 201, res.text);
	breachId = res.body.order.breaches[0].id;
	res = await officer.get('/api/v1/vocabulary');
	assert.equal(res.status, 200, res.text);
	vocab = res.body.vocabularies;
});
after(() => stopServer(srv));

/* The values a refusal names: "kind must be one of: a, b, c", "step must be
 * a or b (...)", "kind must be 'x' or 'y'". */
function named(message) {
	const m = message.match(/must be (?:one of:?\s*)?(.*)$/);
	assert.ok(m, `no list in "${message}"`);
	return m[1].replace(/\s*\([^)]*\)/g, '').replace(/\.$/, '').split(/,\s*|\s+or\s+/).map((s) => s.replace(/'/g, '').trim()).filter(Boolean);
}

const values = (name) => vocab[name].map((v) => v.value);

/* [vocabulary, () => a request that sends a value outside it, the field] */
const PROBES = [
	['identifier_kinds', () => officer.post('/api/v1/cases', { relationship: 'stranger', channel: 'online', victims: [{ name: 'V' }], suspect: { name: 'S', identifiers: [{ kind: 'nope', value: 'x' }] } }), 'suspect.identifiers[0].kind'],
	['register_bases', () => supervisor.post('/api/v1/register', { name: 'S', basis: 'nope', basis_ref: 'r', category: 'serial', level: 1, next_review_at: new Date(Date.now() + 864e5).toISOString(), reason: 'a reason' }), 'basis'],
	['register_categories', () => supervisor.post('/api/v1/register', { name: 'S', basis: 'spo', basis_ref: 'r', category: 'nope', level: 1, next_review_at: new Date(Date.now() + 864e5).toISOString(), reason: 'a reason' }), 'category'],
	['relationships', () => officer.post('/api/v1/cases', { relationship: 'nope', channel: 'online', victims: [{ name: 'V' }] }), 'relationship'],
	['channels', () => officer.post('/api/v1/cases', { relationship: 'stranger', channel: 'nope', victims: [{ name: 'V' }] }), 'channel'],
	['classifications', () => officer.post('/api/v1/cases', { relationship: 'stranger', channel: 'online', victims: [{ name: 'V' }], classifications: ['nope'], classification_reason: 'x' }), undefined],
	['behaviours', () => officer.post(`/api/v1/cases/${ref}/incidents`, { occurred_at: new Date().toISOString(), behaviour: 'nope', description: 'x' }), 'behaviour'],
	['plan_categories', () => officer.post(`/api/v1/cases/${ref}/plan/actions`, { version: 1, category: 'nope', description: 'x' }), 'category'],
	['review_kinds', () => officer.post(`/api/v1/cases/${ref}/reviews`, { kind: 'nope', summary: 'x' }), 'kind'],
	['closing_outcomes', () => officer.post(`/api/v1/cases/${ref}/reviews`, { kind: 'closing', summary: 'x', outcome: 'nope' }), 'outcome'],
	['notify_events', () => officer.post(`/api/v1/cases/${ref}/tasks`, { event: 'nope' }), 'event'],
	['order_kinds', () => officer.post(`/api/v1/cases/${ref}/orders`, { kind: 'nope' }), 'kind'],
	['order_statuses', () => officer.post(`/api/v1/cases/${ref}/orders`, { kind: 'spo_full', status: 'nope' }), 'status'],
	['condition_kinds', () => officer.post(`/api/v1/cases/${ref}/orders`, { kind: 'spo_full', conditions: [{ kind: 'nope' }] }), undefined],
	['breach_outcomes', () => officer.patch(`/api/v1/cases/${ref}/breaches/${breachId}`, { version: 1, outcome: 'nope' }), 'outcome'],
	['contact_methods', () => officer.post(`/api/v1/cases/${ref}/victim-care/contacts`, { at: new Date().toISOString(), method: 'nope', told: 'x' }), 'method'],
	['services', () => officer.post(`/api/v1/cases/${ref}/victim-care/referrals`, { service: 'nope', agency: 'sas' }), 'service'],
	['referral_statuses', () => officer.post(`/api/v1/cases/${ref}/victim-care/referrals`, { service: 'advocacy', agency: 'sas', status: 'nope' }), 'status'],
	['device_kinds', () => supervisor.post('/api/v1/devices', { uid: 'PROBE-1', kind: 'nope', protocol: 'json' }), 'kind'],
	['device_protocols', () => supervisor.post('/api/v1/devices', { uid: 'PROBE-2', kind: 'offender_tag', protocol: 'nope' }), 'protocol'],
	['zone_kinds', () => officer.post(`/api/v1/cases/${ref}/zones`, { name: 'Probe', kind: 'nope' }), 'kind'],
	['alert_outcomes', () => supervisor.post('/api/v1/alerts/999999/resolve', { version: 1, outcome: 'nope', note: 'x' }), 'outcome'],
	['alert_steps', () => supervisor.post('/api/v1/alerts/999999/steps', { step: 'nope' }), 'step'],
	['signoff_decisions', () => supervisor.post(`/api/v1/cases/${ref}/signoff`, { decision: 'nope', note: 'probe' }), 'decision'],
	['agency_kinds', () => admin.post('/api/v1/agencies', { code: 'probe', name: 'Probe', kind: 'nope' }), 'kind'],
	['risk_levels', () => officer.get('/api/v1/cases?risk_level=nope'), 'risk_level'],
	['typologies', () => officer.get('/api/v1/cases?typology=nope'), 'typology'],
	['flags', () => officer.get('/api/v1/cases?flag=nope'), 'flag'],
	['statuses', () => officer.get('/api/v1/cases?status=nope'), 'status'],
];

describe('the vocabularies', () => {
	test('every signed-in role reads them; no one else', async () => {
		for (const role of ROLES) {
			const c = await srv.login(role);
			const res = await c.get('/api/v1/vocabulary');
			assert.equal(res.status, 200, `${role}: ${res.text}`);
		}
		assert.equal((await srv.client().get('/api/v1/vocabulary')).status, 401);
	});

	test('each value has the words shown for it', () => {
		for (const [name, list] of Object.entries(vocab)) {
			assert.ok(list.length > 0, name);
			for (const v of list) {
				assert.match(v.value, /^[a-z_]+$/, `${name}: ${v.value}`);
				assert.ok(typeof v.label === 'string' && v.label.length > 1, `${name}.${v.value} has a label`);
				assert.ok(!v.label.includes('_'), `${name}.${v.value}: "${v.label}" reads as words`);
			}
		}
		assert.equal(vocab.order_kinds.find((k) => k.value === 'spo_interim').label, 'Stalking Protection Order (interim)');
		assert.deepEqual(vocab.roles.map((r) => r.value), ROLES);
	});

	for (const [name, probe, field] of PROBES) {
		test(`${name}: exactly the values the API's validator accepts`, async () => {
			const res = await probe();
			assert.equal(res.status, 400, `${name}: ${res.text}`);
			if (field) assert.equal(res.body.error.field, field);
			assert.deepEqual(named(res.body.error.message), values(name), res.body.error.message);
		});
	}

	test('every vocabulary is checked by a probe (but roles, from the permission table, and task kinds, which no request names)', () => {
		const probed = new Set(PROBES.map(([n]) => n));
		const unprobed = Object.keys(vocab).filter((n) => !probed.has(n));
		assert.deepEqual(unprobed.sort(), ['action_statuses', 'roles', 'task_kinds']);
	});

	test('action statuses: each one is a status an action can be given', async () => {
		let res = await officer.put(`/api/v1/cases/${ref}/plan`, { version: 0, summary: 'keep her safe' });
		assert.equal(res.status, 201, res.text);
		let version = res.body.version;
		for (const status of values('action_statuses')) {
			res = await officer.post(`/api/v1/cases/${ref}/plan/actions`, { version, category: 'victim_safety', description: `an action ${status}`, status, reason: 'she declined' });
			assert.equal(res.status, 201, `${status}: ${res.text}`);
			version = res.body.version ?? res.body.plan_version ?? version + 1;
		}
		res = await officer.post(`/api/v1/cases/${ref}/plan/actions`, { version, category: 'victim_safety', description: 'x', status: 'nope' });
		assert.equal(res.status, 400, res.text);
	});

	test('task kinds: the kinds of the tasks the API lists', async () => {
		const res = await officer.get(`/api/v1/cases/${ref}/tasks`);
		assert.equal(res.status, 200, res.text);
		for (const t of res.body.tasks) assert.ok(values('task_kinds').includes(t.kind), t.kind);
		assert.ok(res.body.tasks.some((t) => t.kind === 'crime_record'), 'the breach raised a crime-record task');
	});
});

describe('the browser UI takes them from the API', () => {
	test('no list of values is copied into web/js', () => {
		const files = [];
		const walk = (dir) => {
			for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
				const p = path.join(dir, e.name);
				if (e.isDirectory()) walk(p);
				else if (e.name.endsWith('.js')) files.push(p);
			}
		};
		walk(path.join(REPO, 'web', 'js'));
		const copies = [];
		for (const f of files) {
			const src = fs.readFileSync(f, 'utf8');
			/* a copy is a list: three values of one vocabulary quoted in one array literal */
			for (const literal of src.match(/\[[^[\]]*\]/g) || []) {
				for (const [name, list] of Object.entries(vocab)) {
					if (list.length < 3) continue;
					const quoted = list.filter((v) => new RegExp(`['"\`]${v.value}['"\`]`).test(literal));
					if (quoted.length >= 3) copies.push(`${path.relative(REPO, f)}: ${name} (${quoted.map((v) => v.value).join(', ')})`);
				}
			}
		}
		assert.deepEqual(copies, []);
	});
});
