// The subject of a Stalking Protection Order must notify his name and home
// address within three days beginning with the day it was served.  A missed
// deadline raises a task: at once when the order is recorded after it, else
// when the housekeeping sweep finds it (here every second).  Recording his
// notification closes the task; nothing else does.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { daysAgo, newCase } from './lib/cases.mjs';
import { expectError, sleep, sqlite, startServer, stopServer } from './lib/server.mjs';

let srv;
let officer;
let supervisor;

before(async () => {
	srv = await startServer({ roles: ['officer', 'supervisor'], args: ['--housekeeping-secs', '1'] });
	officer = await srv.login('officer');
	supervisor = await srv.login('supervisor');
});
after(() => stopServer(srv));

const tasksOf = async (ref) => (await officer.get(`/api/v1/cases/${ref}/tasks`)).body.tasks;
const dutyTasks = async (ref) => (await tasksOf(ref)).filter((t) => t.kind === 'duty_to_notify');

/** Midnight UTC at the start of the day of iso, plus days. */
function dayStart(iso, days = 0) {
	const d = new Date(iso);
	d.setUTCHours(0, 0, 0, 0);
	return new Date(d.getTime() + days * 86400000).toISOString();
}

describe('the three-day duty to notify', () => {
	test('the deadline is midnight at the start of the fourth day from service', async () => {
		const { ref } = await newCase(officer);
		const served = daysAgo(1);
		const res = await officer.post(`/api/v1/cases/${ref}/orders`, { kind: 'spo_interim', status: 'granted', granted_at: served, served_at: served });
		assert.equal(res.status, 201, res.text);
		assert.deepEqual(res.body.order.duty_to_notify, { deadline: dayStart(served, 3), notified_at: null, missed: false });
		assert.deepEqual(await dutyTasks(ref), []);
	});

	test('an SPO served four days ago and not notified raises the task at once', async () => {
		const { ref } = await newCase(officer);
		const served = daysAgo(4);
		const res = await officer.post(`/api/v1/cases/${ref}/orders`, {
			kind: 'spo_full', status: 'granted', granted_at: served, served_at: served, until_further_order: true,
		});
		assert.equal(res.status, 201, res.text);
		const order = res.body.order;
		assert.equal(order.duty_to_notify.missed, true);
		const tasks = await dutyTasks(ref);
		assert.equal(tasks.length, 1);
		const t = tasks[0];
		assert.equal(t.order_id, order.id);
		assert.equal(t.opened_by, 'vigil');
		assert.equal(t.overdue, true);
		assert.equal(t.due_at, dayStart(served, 3));
		assert.match(t.detail, /did not notify his name and home address/);
		// the task is closed by the fact, not by hand
		expectError(await officer.patch(`/api/v1/cases/${ref}/tasks/${t.id}`, { version: t.version, done: true, note: 'chased' }), 409, 'conflict');
		// recording his notification (late) closes it
		const r2 = await officer.patch(`/api/v1/cases/${ref}/orders/${order.id}`, { version: order.version, notified_at: daysAgo(0.5) });
		assert.equal(r2.status, 200, r2.text);
		assert.equal(r2.body.order.duty_to_notify.missed, false);
		const after = (await dutyTasks(ref))[0];
		assert.equal(after.done, true);
		assert.equal(after.done_by, 'officer');
		assert.equal(after.overdue, false);
		// the sweep does not raise it again
		await sleep(1500);
		assert.equal((await dutyTasks(ref)).length, 1);
	});

	test('a notification within the three days raises nothing', async () => {
		const { ref } = await newCase(officer);
		const served = daysAgo(5);
		const res = await officer.post(`/api/v1/cases/${ref}/orders`, {
			kind: 'spo_interim', status: 'granted', granted_at: served, served_at: served, notified_at: daysAgo(4),
		});
		assert.equal(res.status, 201, res.text);
		await sleep(1500);
		assert.deepEqual(await dutyTasks(ref), []);
	});

	test('only SPOs carry the duty', async () => {
		const { ref } = await newCase(officer);
		const res = await officer.post(`/api/v1/cases/${ref}/orders`, { kind: 'non_molestation', status: 'granted', granted_at: daysAgo(10), served_at: daysAgo(10) });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.order.duty_to_notify, null);
		await sleep(1500);
		assert.deepEqual(await dutyTasks(ref), []);
	});

	test('when the deadline passes later, the sweep raises the task once, audited as vigil', async () => {
		const { ref } = await newCase(officer);
		const served = daysAgo(1);
		const res = await officer.post(`/api/v1/cases/${ref}/orders`, { kind: 'spo_interim', status: 'granted', granted_at: served, served_at: served });
		assert.equal(res.status, 201, res.text);
		const id = res.body.order.id;
		await sleep(1500);
		assert.deepEqual(await dutyTasks(ref), [], 'not before the deadline');
		// three days on: move the service back behind the server's back
		const back = 4 * 86400000;
		sqlite(srv.db, `UPDATE orders SET served_at = served_at - ${back}, granted_at = granted_at - ${back}, starts_at = starts_at - ${back}, notify_deadline = notify_deadline - ${back} WHERE id = ${id}`);
		let tasks = [];
		for (let i = 0; i < 50 && tasks.length === 0; i++) {
			await sleep(200);
			tasks = await dutyTasks(ref);
		}
		assert.equal(tasks.length, 1, 'the sweep raised it');
		await sleep(1500);
		assert.equal((await dutyTasks(ref)).length, 1, 'once');
		const audit = await supervisor.get(`/api/v1/audit?action=task.raise&object=case:${ref}`);
		assert.equal(audit.status, 200, audit.text);
		assert.equal(audit.body.entries.length, 1);
		assert.equal(audit.body.entries[0].username, 'vigil');
		assert.match(audit.body.entries[0].detail, new RegExp(`order ${id}`));
		const tl = JSON.stringify((await officer.get(`/api/v1/cases/${ref}/timeline`)).body);
		assert.match(tl, /duty_to_notify_missed/);
		assert.equal((await supervisor.get('/api/v1/audit/verify')).body.intact, true);
	});
});
