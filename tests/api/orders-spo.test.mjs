// Orders: the Stalking Protection Order's two-year minimum seen both ways,
// "until further order", historic Police Information Notices only, the life
// of an order, structured conditions with exclusion zones as GeoJSON (shown
// only to the roles that protect the victim), and the victim told when an
// order is granted or changed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { daysAgo, newCase } from './lib/cases.mjs';
import { expectError, startServer, stopServer } from './lib/server.mjs';

let srv;
let officer;
let analyst;
let ref;

const ZONE = { kind: 'exclusion_zone', zone: { type: 'Point', coordinates: [-0.1062, 51.5394] }, radius_m: 500, warning_m: 250 };

before(async () => {
	srv = await startServer({ roles: ['officer', 'supervisor', 'analyst'] });
	officer = await srv.login('officer');
	analyst = await srv.login('analyst');
	ref = (await newCase(officer)).ref;
});
after(() => stopServer(srv));

function addYears(iso, n) {
	const d = new Date(iso);
	d.setUTCFullYear(d.getUTCFullYear() + n);
	return d.toISOString();
}

const post = (body) => officer.post(`/api/v1/cases/${ref}/orders`, body);

// dates relative to today, so that the orders stay in force whenever this runs
const day = (iso) => iso.slice(0, 10);
const midnight = (offsetDays) => `${day(new Date(Date.now() + offsetDays * 86400000).toISOString())}T00:00:00Z`;
const dayBefore = (iso) => new Date(Date.parse(iso) - 86400000).toISOString();

describe('the SPO duration rule', () => {
	const start = midnight(-100);

	test('a full SPO for a fixed term one day short of two years is refused', async () => {
		const res = await post({ kind: 'spo_full', status: 'granted', granted_at: start, ends_at: dayBefore(addYears(start, 2)) });
		expectError(res, 400, 'bad_request', 'ends_at');
		assert.equal(res.body.error.message, `a Stalking Protection Order made for a fixed period lasts at least two years: from ${day(start)} it may end on ${day(addYears(start, 2))} or later; or make it until_further_order`);
	});

	test('six months is refused; exactly two years is accepted', async () => {
		expectError(await post({ kind: 'spo_full', status: 'granted', granted_at: start, ends_at: midnight(80) }), 400, 'bad_request', 'ends_at');
		const res = await post({ kind: 'spo_full', status: 'granted', granted_at: start, ends_at: addYears(start, 2), reference: 'SPO/1' });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.order.ends_at, addYears(start, 2));
		assert.equal(res.body.order.in_force, true);
	});

	test('"until further order" is allowed; a full SPO with no term is not; both at once is refused', async () => {
		let res = await post({ kind: 'spo_full', status: 'granted', granted_at: start, until_further_order: true });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.order.until_further_order, true);
		assert.equal(res.body.order.ends_at, null);
		res = await post({ kind: 'spo_full', status: 'granted', granted_at: start });
		expectError(res, 400, 'bad_request', 'ends_at');
		assert.match(res.body.error.message, /states its term/);
		expectError(await post({ kind: 'spo_full', status: 'granted', granted_at: start, ends_at: '2030-01-01', until_further_order: true }), 400, 'bad_request', 'until_further_order');
	});

	test('the minimum counts from the start, not the grant', async () => {
		const later = midnight(-70);
		const res = await post({ kind: 'spo_full', status: 'granted', granted_at: start, starts_at: later, ends_at: dayBefore(addYears(later, 2)) });
		expectError(res, 400, 'bad_request', 'ends_at');
		assert.match(res.body.error.message, new RegExp(`from ${day(later)} it may end on ${day(addYears(later, 2))}`));
	});

	test('an interim SPO has no minimum; an application may be recorded before the grant', async () => {
		let res = await post({ kind: 'spo_interim', status: 'granted', granted_at: start, ends_at: midnight(-60) });
		assert.equal(res.status, 201, res.text);
		res = await post({ kind: 'spo_full', applied_at: daysAgo(1) });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.order.status, 'applied');
		assert.equal(res.body.order.in_force, false);
	});

	test('granting an application later is held to the same rule', async () => {
		let res = await post({ kind: 'spo_full', applied_at: daysAgo(2) });
		const o = res.body.order;
		res = await officer.patch(`/api/v1/cases/${ref}/orders/${o.id}`, { version: o.version, status: 'granted', granted_at: daysAgo(1), ends_at: addYears(daysAgo(1), 1) });
		expectError(res, 400, 'bad_request', 'ends_at');
		res = await officer.patch(`/api/v1/cases/${ref}/orders/${o.id}`, { version: o.version, status: 'granted', granted_at: daysAgo(1), until_further_order: true });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.order.status, 'granted');
		// a stale version is refused
		expectError(await officer.patch(`/api/v1/cases/${ref}/orders/${o.id}`, { version: o.version, notes: 'x' }), 409, 'stale_version', 'version');
		// and a granted order may only be discharged
		res = await officer.patch(`/api/v1/cases/${ref}/orders/${o.id}`, { version: o.version + 1, status: 'refused' });
		expectError(res, 409, 'illegal_transition', 'status');
	});
});

describe('Police Information Notices', () => {
	test('one issued before this report is recorded as history', async () => {
		const res = await post({ kind: 'pin_historic', granted_at: '2023-05-01', notes: 'issued by another force' });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.order.status, 'granted');
		assert.equal(res.body.order.in_force, false);
		assert.equal(res.body.order.title, 'Police Information Notice (historic)');
	});

	test('a new one is never recorded', async () => {
		let res = await post({ kind: 'pin_historic', granted_at: new Date().toISOString() });
		expectError(res, 400, 'bad_request', 'granted_at');
		assert.match(res.body.error.message, /Vigil never records a new one/);
		expectError(await post({ kind: 'pin_historic', status: 'applied', applied_at: daysAgo(1) }), 400, 'bad_request', 'granted_at');
		expectError(await post({ kind: 'pin_historic', granted_at: '2023-05-01', ends_at: '2024-01-01' }), 400, 'bad_request', 'ends_at');
		expectError(await post({ kind: 'pin_historic', granted_at: '2023-05-01', conditions: [{ kind: 'no_contact' }] }), 400, 'bad_request', 'conditions');
	});
});

describe('conditions and zones', () => {
	let order;

	test('structured conditions are stored and shown', async () => {
		const res = await post({
			kind: 'non_molestation', status: 'granted', granted_at: daysAgo(3), ends_at: midnight(200),
			conditions: [
				{ kind: 'no_contact', detail: 'directly or through anyone else' },
				ZONE,
				{ kind: 'exclusion_zone', zone: { type: 'Polygon', coordinates: [[[-0.11, 51.53], [-0.10, 51.53], [-0.10, 51.54], [-0.11, 51.53]]] }, warning_m: 100 },
				{ kind: 'keep_away', distance_m: 100 },
				{ kind: 'attend_programme', detail: 'the behaviour-change programme' },
				{ kind: 'wear_tag' },
			],
		});
		assert.equal(res.status, 201, res.text);
		order = res.body.order;
		assert.deepEqual(order.conditions.map((c) => c.kind), ['no_contact', 'exclusion_zone', 'exclusion_zone', 'keep_away', 'attend_programme', 'wear_tag']);
		assert.deepEqual(order.conditions[1].zone, ZONE.zone);
		assert.equal(order.conditions[1].radius_m, 500);
		assert.equal(order.conditions[1].warning_m, 250);
		assert.equal(order.conditions[3].distance_m, 100);
	});

	test('the analyst sees that a zone exists, never where', async () => {
		const res = await analyst.get(`/api/v1/cases/${ref}/orders`);
		assert.equal(res.status, 200);
		const o = res.body.orders.find((x) => x.id === order.id);
		assert.equal(o.conditions[1].zone_withheld, true);
		assert.equal(o.conditions[1].zone, undefined);
		assert.equal(o.conditions[1].radius_m, undefined);
		assert.doesNotMatch(res.text, /51\.539/);
	});

	test('bad conditions are refused naming the field', async () => {
		const c = (conditions) => post({ kind: 'bail_conditions', status: 'granted', granted_at: daysAgo(1), conditions });
		expectError(await c([{ kind: 'curfew' }]), 400, 'bad_request', 'conditions[0].kind');
		expectError(await c([{ kind: 'exclusion_zone' }]), 400, 'bad_request', 'conditions[0].zone');
		expectError(await c([{ kind: 'exclusion_zone', zone: { type: 'Point', coordinates: [-0.1, 51.5] } }]), 400, 'bad_request', 'conditions[0].radius_m');
		expectError(await c([{ kind: 'exclusion_zone', zone: { type: 'Point', coordinates: [51.5, -200] }, radius_m: 10 }]), 400, 'bad_request', 'conditions[0].zone.coordinates');
		expectError(await c([{ kind: 'exclusion_zone', zone: { type: 'Polygon', coordinates: [[[0, 0], [0, 1], [1, 1], [1, 0]]] } }]), 400, 'bad_request', 'conditions[0].zone.coordinates[0]');
		expectError(await c([{ kind: 'keep_away' }]), 400, 'bad_request', 'conditions[0].distance_m');
		expectError(await c([{ kind: 'no_contact', distance_m: 5 }]), 400, 'bad_request', 'conditions[0].distance_m');
		expectError(await c([{ kind: 'no_contact', zone: ZONE.zone }]), 400, 'bad_request', 'conditions[0]');
		expectError(await c([{ kind: 'attend_programme' }]), 400, 'bad_request', 'conditions[0].detail');
		expectError(await c([{ kind: 'wear_tag', colour: 'black' }]), 400, 'bad_request', 'conditions[0].colour');
		expectError(await c('none'), 400, 'bad_request', 'conditions');
	});

	test('other fields are validated too', async () => {
		expectError(await post({ kind: 'curfew_order' }), 400, 'bad_request', 'kind');
		expectError(await post({ kind: 'spo_full', status: 'pending' }), 400, 'bad_request', 'status');
		expectError(await post({ kind: 'spo_full', status: 'granted' }), 400, 'bad_request', 'granted_at');
		expectError(await post({ kind: 'spo_full', status: 'granted', granted_at: '2099-01-01', until_further_order: true }), 400, 'bad_request', 'granted_at');
		expectError(await post({ kind: 'spo_full', applied_at: 'last week' }), 400, 'bad_request', 'applied_at');
		expectError(await post({ kind: 'spo_full', status: 'discharged' }), 400, 'bad_request', 'status');
		expectError(await post({ kind: 'bail_conditions', status: 'granted', granted_at: daysAgo(1), notified_at: daysAgo(1) }), 400, 'bad_request', 'notified_at');
		expectError(await post({ kind: 'spo_full', judge: 'x' }), 400, 'bad_request', 'judge');
	});
});

describe('the victim is told', () => {
	test('of a granted order and of bail conditions, each a notification task', async () => {
		const c = await newCase(officer);
		let res = await officer.post(`/api/v1/cases/${c.ref}/orders`, { kind: 'bail_conditions', status: 'granted', granted_at: daysAgo(0.1), conditions: [{ kind: 'no_contact' }] });
		assert.equal(res.status, 201, res.text);
		res = await officer.post(`/api/v1/cases/${c.ref}/orders`, { kind: 'spo_interim', applied_at: daysAgo(0.1) });
		const o = res.body.order;
		let tasks = (await officer.get(`/api/v1/cases/${c.ref}/tasks`)).body.tasks;
		assert.deepEqual(tasks.map((t) => [t.kind, t.event]), [['notify_victim', 'bail_conditions']]);
		res = await officer.patch(`/api/v1/cases/${c.ref}/orders/${o.id}`, { version: o.version, status: 'granted', granted_at: daysAgo(0.05) });
		assert.equal(res.status, 200, res.text);
		res = await officer.patch(`/api/v1/cases/${c.ref}/orders/${o.id}`, { version: o.version + 1, conditions: [ZONE] });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.order.conditions.length, 1);
		// notes alone are not a change she is told of
		res = await officer.patch(`/api/v1/cases/${c.ref}/orders/${o.id}`, { version: o.version + 2, notes: 'served at his flat' });
		assert.equal(res.status, 200, res.text);
		tasks = (await officer.get(`/api/v1/cases/${c.ref}/tasks`)).body.tasks;
		assert.deepEqual(tasks.map((t) => t.event).sort(), ['bail_conditions', 'order_changed', 'order_granted']);
		assert.ok(tasks.every((t) => t.done === false && t.order_id));
		const orders = (await officer.get(`/api/v1/cases/${c.ref}/orders`)).body.orders;
		assert.equal(orders.length, 2);
	});
});
