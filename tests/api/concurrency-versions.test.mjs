// Optimistic concurrency on every route that takes a version: writers that
// read the same version and write at once are one winner and the rest 409
// stale_version, never two winners (a lost update).  Issue 15 found PUT
// .../screening checking the version outside its transaction with an UPDATE
// "WHERE id = ?": of 8 such PUTs more than one got 200 in 22 of 100 trials.
// Run on SQLite and, with VIGIL_TEST_ENGINE=postgres, on PostgreSQL, where
// writers do not queue for one lock and only the version in the UPDATE's
// WHERE keeps them apart.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { screening, victim } from './lib/casekit.mjs';
import { assess, daysAgo, inDays, newCase } from './lib/cases.mjs';
import { startServer, stopServer } from './lib/server.mjs';

const WRITERS = 8;
const TRIALS = Number(process.env.CONCURRENCY_TRIALS || 12);

let srv;
let officer;
let supervisor;
let admin;

before(async () => {
	srv = await startServer({ args: ['--threads', '8'] });
	officer = await srv.login('officer');
	supervisor = await srv.login('supervisor');
	admin = await srv.login('admin');
});
after(() => stopServer(srv));

/**
 * Fire WRITERS requests at once (write(i) returns a response promise) and
 * check that exactly one succeeded and every other was refused as stale.
 */
async function race(what, write) {
	const results = await Promise.all(Array.from({ length: WRITERS }, (_, i) => write(i)));
	const won = results.filter((r) => r.status === 200 || r.status === 201);
	const stale = results.filter((r) => r.status === 409 && r.body?.error?.code === 'stale_version');
	const other = results.filter((r) => !won.includes(r) && !stale.includes(r));
	assert.deepEqual(other.map((r) => `${r.status} ${r.text}`), [], `${what}: answers other than success or stale_version`);
	assert.equal(won.length, 1, `${what}: ${won.length} of ${WRITERS} writers on one version succeeded`);
	assert.equal(stale.length, WRITERS - 1);
	return won[0];
}

async function ok(res, status = 200) {
	assert.equal(res.status, status, res.text);
	return res.body;
}

/** A case with an accepted advocacy referral and a plan with one action. */
async function caseWithPlan() {
	const c = await newCase(officer);
	await assess(officer, c.ref, 'medium');
	const plan = await ok(await officer.put(`/api/v1/cases/${c.ref}/plan`, { version: 0, summary: 'first' }), 201);
	const added = await ok(await officer.post(`/api/v1/cases/${c.ref}/plan/actions`, {
		version: plan.version, category: 'victim_safety', description: 'Fit new locks', owner: 'officer', due_at: inDays(7),
	}), 201);
	return { ref: c.ref, plan: added };
}

async function caseWithOrder() {
	const c = await newCase(officer);
	const order = await ok(await officer.post(`/api/v1/cases/${c.ref}/orders`, {
		kind: 'spo_interim', status: 'granted', granted_at: daysAgo(2), served_at: daysAgo(2),
	}), 201);
	return { ref: c.ref, order: order.order ?? order };
}

describe(`${WRITERS} writers on one version, ${TRIALS} trials a route`, () => {
	test('PATCH /cases/{ref}', async () => {
		for (let t = 0; t < TRIALS; t++) {
			const c = await newCase(officer);
			const won = await race('PATCH case', (i) => officer.patch(`/api/v1/cases/${c.ref}`, { version: c.version, summary: `summary ${i}` }));
			assert.equal(won.body.version, c.version + 1);
		}
	});

	test('PUT /cases/{ref}/screening', async () => {
		for (let t = 0; t < TRIALS; t++) {
			const c = await ok(await officer.post('/api/v1/cases', {
				relationship: 'stranger', channel: 'in_person', victims: [victim()],
			}), 201);
			const won = await race('PUT screening', (i) => officer.put(`/api/v1/cases/${c.ref}/screening`, {
				version: c.version, ...screening(i % 2 === 0),
			}));
			// the winner's answer is the case as its write left it
			const now = await ok(await officer.get(`/api/v1/cases/${c.ref}`));
			assert.equal(now.version, won.body.version);
			assert.equal(now.status, 'screened');
		}
	});

	test('PUT /cases/{ref}/plan: making it (version 0) and changing it', async () => {
		for (let t = 0; t < TRIALS; t++) {
			const c = await newCase(officer);
			await assess(officer, c.ref, 'medium');
			const made = await race('PUT plan version 0', (i) => officer.put(`/api/v1/cases/${c.ref}/plan`, { version: 0, summary: `plan ${i}` }));
			assert.equal(made.body.version, 1);
			const changed = await race('PUT plan', (i) => officer.put(`/api/v1/cases/${c.ref}/plan`, { version: 1, summary: `change ${i}` }));
			assert.equal(changed.body.version, 2);
		}
	});

	test('POST /cases/{ref}/plan/actions', async () => {
		for (let t = 0; t < TRIALS; t++) {
			const c = await newCase(officer);
			await assess(officer, c.ref, 'medium');
			const plan = await ok(await officer.put(`/api/v1/cases/${c.ref}/plan`, { version: 0, summary: 'first' }), 201);
			await race('POST plan action', (i) => officer.post(`/api/v1/cases/${c.ref}/plan/actions`, {
				version: plan.version, category: 'victim_safety', description: `action ${i}`,
			}));
			const now = await ok(await officer.get(`/api/v1/cases/${c.ref}/plan`));
			assert.equal(now.actions.length, 1, 'one action added');
		}
	});

	test('PATCH /cases/{ref}/plan/actions/{id}', async () => {
		for (let t = 0; t < TRIALS; t++) {
			const { ref, plan } = await caseWithPlan();
			const id = plan.actions[0].id;
			await race('PATCH plan action', (i) => officer.patch(`/api/v1/cases/${ref}/plan/actions/${id}`, {
				version: plan.version, description: `locks ${i}`,
			}));
		}
	});

	test('PATCH /cases/{ref}/orders/{id}', async () => {
		for (let t = 0; t < TRIALS; t++) {
			const { ref, order } = await caseWithOrder();
			await race('PATCH order', (i) => officer.patch(`/api/v1/cases/${ref}/orders/${order.id}`, {
				version: order.version, notes: `note ${i}`,
			}));
		}
	});

	test('PATCH /cases/{ref}/breaches/{id}', async () => {
		for (let t = 0; t < TRIALS; t++) {
			const { ref, order } = await caseWithOrder();
			const res = await ok(await officer.post(`/api/v1/cases/${ref}/orders/${order.id}/breaches`, {
				occurred_at: daysAgo(1), description: 'came to her door',
			}), 201);
			const breach = res.order.breaches[0];
			await race('PATCH breach', (i) => officer.patch(`/api/v1/cases/${ref}/breaches/${breach.id}`, {
				version: breach.version, crime_reference: `CR/${i}`,
			}));
		}
	});

	test('PATCH /cases/{ref}/tasks/{id}', async () => {
		for (let t = 0; t < TRIALS; t++) {
			const c = await newCase(officer);
			const task = await ok(await officer.post(`/api/v1/cases/${c.ref}/tasks`, { event: 'arrest', occurred_at: daysAgo(1) }), 201);
			const row = task.tasks ? task.tasks.find((k) => k.event === 'arrest') : task;
			await race('PATCH task', (i) => officer.patch(`/api/v1/cases/${c.ref}/tasks/${row.id}`, {
				version: row.version, done: true, note: `told her ${i}`,
			}));
		}
	});

	test('PATCH /cases/{ref}/victim-care/referrals/{id}', async () => {
		for (let t = 0; t < TRIALS; t++) {
			const c = await newCase(officer);
			const res = await ok(await officer.post(`/api/v1/cases/${c.ref}/victim-care/referrals`, {
				service: 'helpline', status: 'offered',
			}), 201);
			const referral = res.referrals ? res.referrals[0] : res;
			await race('PATCH referral', (i) => officer.patch(`/api/v1/cases/${c.ref}/victim-care/referrals/${referral.id}`, {
				version: referral.version, note: `note ${i}`,
			}));
		}
	});

	test('PATCH /users/{username}', async () => {
		for (let t = 0; t < TRIALS; t++) {
			const u = await ok(await admin.get('/api/v1/users/analyst'));
			await race('PATCH user', (i) => admin.patch('/api/v1/users/analyst', { version: u.version, display_name: `Analyst ${t}-${i}` }));
		}
	});

	test('a supervisor and an officer changing one case at once: one wins', async () => {
		for (let t = 0; t < TRIALS; t++) {
			const c = await newCase(officer);
			const results = await Promise.all([
				officer.patch(`/api/v1/cases/${c.ref}`, { version: c.version, summary: 'the officer' }),
				supervisor.patch(`/api/v1/cases/${c.ref}`, { version: c.version, owner: 'supervisor' }),
				officer.put(`/api/v1/cases/${c.ref}/screening`, { version: c.version, ...screening(true) }),
			]);
			assert.equal(results.filter((r) => r.status === 200).length, 1, results.map((r) => `${r.status}`).join(' '));
		}
	});
});
