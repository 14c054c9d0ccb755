// A breach is recorded against an order with its evidence; it creates a
// linked incident in the case's hash-chained log, prompts a crime record (a
// task closed by the crime reference) and makes a plan review due at once.
// (An alert resolved as breach_confirmed: tests/unit/test_store_orders.c.)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { assess, daysAgo, inDays, makePlan, moveCase, newCase } from './lib/cases.mjs';
import { expectError, startServer, stopServer } from './lib/server.mjs';

let srv;
let officer;
let ref;
let order;

before(async () => {
	srv = await startServer({ roles: ['officer', 'supervisor'] });
	officer = await srv.login('officer');
	const c = await newCase(officer);
	ref = c.ref;
	await assess(officer, ref, 'medium');
	await makePlan(officer, ref);
	assert.equal((await moveCase(officer, ref, 'assessed')).status, 200);
	assert.equal((await moveCase(officer, ref, 'managed')).status, 200);
	const res = await officer.post(`/api/v1/cases/${ref}/orders`, {
		kind: 'spo_full', status: 'granted', granted_at: daysAgo(20), served_at: daysAgo(20), notified_at: daysAgo(19), until_further_order: true,
		conditions: [{ kind: 'no_contact' }, { kind: 'exclusion_zone', zone: { type: 'Point', coordinates: [-0.1, 51.5] }, radius_m: 300 }],
	});
	assert.equal(res.status, 201, res.text);
	order = res.body.order;
	// an earlier incident the breach cites
	const inc = await officer.post(`/api/v1/cases/${ref}/incidents`, { occurred_at: daysAgo(2), behaviour: 'message', description: 'texted her twice' });
	assert.equal(inc.status, 201, inc.text);
	// a new incident brings the review forward: review it, next in 28 days
	const rv = await officer.post(`/api/v1/cases/${ref}/reviews`, { kind: 'review', summary: 'incident reviewed, plan stands' });
	assert.equal(rv.status, 201, rv.text);
});
after(() => stopServer(srv));

describe('recording a breach', () => {
	let breach;

	test('creates its incident, a crime-record task and a review due now', async () => {
		const reviewBefore = (await officer.get(`/api/v1/cases/${ref}/reviews`)).body.review_due_at;
		assert.ok(Date.parse(reviewBefore) > Date.now() + 20 * 86400000, 'medium risk: a review in about 28 days');
		const t0 = Date.now();
		const res = await officer.post(`/api/v1/cases/${ref}/orders/${order.id}/breaches`, {
			occurred_at: daysAgo(1),
			description: 'came to her door and rang the bell for ten minutes',
			evidence: { incidents: [1], alerts: [17], trail: { from: daysAgo(1.1), to: daysAgo(0.9) } },
		});
		assert.equal(res.status, 201, res.text);
		breach = res.body.order.breaches[0];
		assert.equal(res.body.breach_id, breach.id);
		assert.equal(breach.order_id, order.id);
		assert.deepEqual(breach.evidence.incidents, [1]);
		assert.deepEqual(breach.evidence.alerts, [17]);
		assert.ok(breach.evidence.trail.from);
		assert.equal(breach.crime_recorded, false);
		assert.equal(breach.incident.seq, 2);
		// the linked incident, in the log and its chain intact
		const log = await officer.get(`/api/v1/cases/${ref}/incidents`);
		const entries = log.body.incidents;
		const inc = entries.find((e) => e.seq === 2);
		assert.equal(inc.behaviour, 'breach_of_order');
		assert.match(inc.description, new RegExp(`Breach of order ${order.id}: came to her door`));
		const verify = await officer.get(`/api/v1/cases/${ref}/incidents/verify`);
		assert.equal(verify.status, 200);
		assert.equal(verify.body.intact, true, verify.text);
		// the crime record it prompts
		const tasks = (await officer.get(`/api/v1/cases/${ref}/tasks`)).body.tasks.filter((t) => t.kind === 'crime_record');
		assert.equal(tasks.length, 1);
		assert.equal(tasks[0].breach_id, breach.id);
		assert.equal(tasks[0].done, false);
		assert.ok(Date.parse(tasks[0].due_at) >= t0 + 23 * 3600000);
		// the review, due at once
		const reviews = (await officer.get(`/api/v1/cases/${ref}/reviews`)).body;
		assert.ok(Date.parse(reviews.review_due_at) >= t0 - 1000 && Date.parse(reviews.review_due_at) <= Date.now(), reviews.review_due_at);
		assert.equal(reviews.review_overdue, true);
		assert.match(JSON.stringify((await officer.get(`/api/v1/cases/${ref}/timeline`)).body), /review due now/);
	});

	test('the crime reference closes the task; a stale version is refused', async () => {
		let res = await officer.patch(`/api/v1/cases/${ref}/breaches/${breach.id}`, { version: breach.version + 1, crime_reference: 'CRIS 01/123456/26' });
		expectError(res, 409, 'stale_version', 'version');
		res = await officer.patch(`/api/v1/cases/${ref}/breaches/${breach.id}`, { version: breach.version, crime_reference: 'CRIS 01/123456/26' });
		assert.equal(res.status, 200, res.text);
		const b = res.body.order.breaches[0];
		assert.equal(b.crime_reference, 'CRIS 01/123456/26');
		assert.equal(b.crime_recorded, true);
		assert.ok(b.crime_recorded_at);
		const t = (await officer.get(`/api/v1/cases/${ref}/tasks`)).body.tasks.find((x) => x.kind === 'crime_record');
		assert.equal(t.done, true);
		assert.equal(t.done_note, 'CRIS 01/123456/26');
		res = await officer.patch(`/api/v1/cases/${ref}/breaches/${breach.id}`, { version: b.version, crime_reference: 'again' });
		expectError(res, 409, 'conflict', 'crime_reference');
		res = await officer.patch(`/api/v1/cases/${ref}/breaches/${breach.id}`, { version: b.version, outcome: 'charged' });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.order.breaches[0].outcome, 'charged');
		expectError(await officer.patch(`/api/v1/cases/${ref}/breaches/${breach.id}`, { version: b.version + 1, outcome: 'warned' }), 400, 'bad_request', 'outcome');
	});

	test('a review clears the overdue review', async () => {
		const res = await officer.post(`/api/v1/cases/${ref}/reviews`, { kind: 'review', summary: 'breach: bail opposed, tag considered', next_review_at: inDays(7) });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.review_overdue, false);
	});
});

describe('what cannot be a breach', () => {
	test('of an order never granted, of a PIN, outside the order\'s time, or with bad evidence', async () => {
		let res = await officer.post(`/api/v1/cases/${ref}/orders`, { kind: 'spo_full', applied_at: daysAgo(1) });
		const applied = res.body.order;
		expectError(await officer.post(`/api/v1/cases/${ref}/orders/${applied.id}/breaches`, { occurred_at: daysAgo(0.5), description: 'x' }), 409, 'conflict');
		res = await officer.post(`/api/v1/cases/${ref}/orders`, { kind: 'pin_historic', granted_at: '2022-01-01' });
		expectError(await officer.post(`/api/v1/cases/${ref}/orders/${res.body.order.id}/breaches`, { occurred_at: daysAgo(0.5), description: 'x' }), 409, 'conflict');
		const b = (body) => officer.post(`/api/v1/cases/${ref}/orders/${order.id}/breaches`, { occurred_at: daysAgo(0.5), description: 'x', ...body });
		expectError(await b({ occurred_at: daysAgo(30) }), 400, 'bad_request', 'occurred_at');
		expectError(await b({ occurred_at: inDays(1) }), 400, 'bad_request', 'occurred_at');
		expectError(await b({ description: undefined }), 400, 'bad_request', 'description');
		expectError(await b({ evidence: { incidents: [99] } }), 400, 'bad_request', 'evidence.incidents[0]');
		expectError(await b({ evidence: { alerts: ['a'] } }), 400, 'bad_request', 'evidence.alerts[0]');
		expectError(await b({ evidence: { trail: { from: daysAgo(1) } } }), 400, 'bad_request', 'evidence.trail.to');
		expectError(await b({ evidence: { trail: { from: daysAgo(1), to: daysAgo(2) } } }), 400, 'bad_request', 'evidence.trail.to');
		expectError(await b({ evidence: { photos: [] } }), 400, 'bad_request', 'evidence.photos');
		expectError(await officer.post(`/api/v1/cases/${ref}/orders/9999/breaches`, { occurred_at: daysAgo(0.5), description: 'x' }), 404, 'not_found');
		// nothing was recorded
		const orders = (await officer.get(`/api/v1/cases/${ref}/orders`)).body.orders;
		assert.equal(orders.find((o) => o.id === order.id).breaches.length, 1);
	});
});
