// The status workflow of a case: every pair of statuses (legal moves answer
// 200, every illegal one 409 illegal_transition naming the allowed moves),
// reopening with a reason, and PATCH guarded by the version (a stale version
// is a 409, never a silent overwrite).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectError, startServer, stopServer } from './lib/server.mjs';
import { STATUSES, createCase, meetGates, moveTo, screening } from './lib/casekit.mjs';

let srv;
let officer;
let supervisor;

before(async () => {
	srv = await startServer({ roles: ['officer', 'supervisor', 'analyst'] });
	[officer, supervisor] = await Promise.all([srv.login('officer'), srv.login('supervisor')]);
});
after(() => stopServer(srv));

const LEGAL = {
	intake: ['screened'],
	screened: ['assessed'],
	assessed: ['managed'],
	managed: ['closed'],
	closed: ['managed'],
};

/** A case at the given status: created screened (or unscreened for intake), then moved. */
async function caseAt(status) {
	const c = await createCase(officer, status === 'intake' ? {} : { screening: screening(true) });
	return moveTo(officer, c.ref, status, 'reopened for the test');
}

describe('every status move', () => {
	const at = {};
	before(async () => {
		for (const s of STATUSES) at[s] = await caseAt(s);
	});

	for (const from of STATUSES) {
		test(`from ${from} the case offers exactly ${LEGAL[from].join(', ')}`, () => {
			assert.deepEqual(at[from].allowed_next, LEGAL[from]);
		});
		for (const to of STATUSES) {
			if (to === from) continue;
			const legal = LEGAL[from].includes(to);
			if (legal && !(from === 'intake' && to === 'screened')) {
				test(`${from} -> ${to} is allowed (200)`, async () => {
					const first = await caseAt(from);
					await meetGates(officer, first.ref, to);
					const c = (await officer.get(`/api/v1/cases/${first.ref}`)).body;
					const body = { version: c.version, status: to };
					if (from === 'closed') body.reason = 'new incidents reported';
					const res = await officer.patch(`/api/v1/cases/${c.ref}`, body);
					assert.equal(res.status, 200, res.text);
					assert.equal(res.body.status, to);
					assert.equal(res.body.version, c.version + 1);
					assert.deepEqual(res.body.allowed_next, LEGAL[to]);
				});
			} else if (legal) {
				test('intake -> screened by PATCH needs the screening first (409 illegal_transition)', async () => {
					const c = at.intake;
					const res = await officer.patch(`/api/v1/cases/${c.ref}`, { version: c.version, status: 'screened' });
					expectError(res, 409, 'illegal_transition', 'status');
					assert.match(res.body.error.message, /screening/);
				});
			} else {
				test(`${from} -> ${to} is 409 illegal_transition naming ${LEGAL[from].join(', ')}`, async () => {
					const c = at[from];
					const body = { version: c.version, status: to };
					if (from === 'closed') body.reason = 'trying anyway';
					const res = await officer.patch(`/api/v1/cases/${c.ref}`, body);
					expectError(res, 409, 'illegal_transition', 'status');
					const msg = res.body.error.message;
					assert.ok(msg.includes(`from ${from} to ${to}`), msg);
					assert.ok(msg.endsWith(`it may move to: ${LEGAL[from].join(', ')}`), msg);
					const now = (await officer.get(`/api/v1/cases/${c.ref}`)).body;
					assert.equal(now.status, from, 'the status is unchanged');
					assert.equal(now.version, c.version, 'the version is unchanged');
				});
			}
		}
	}

	test('an unknown status is 400 naming status', async () => {
		const c = at.screened;
		expectError(await officer.patch(`/api/v1/cases/${c.ref}`, { version: c.version, status: 'archived' }), 400, 'bad_request', 'status');
	});
});

describe('reopening', () => {
	test('closed -> managed without a reason is 400 naming reason', async () => {
		const c = await caseAt('closed');
		expectError(await officer.patch(`/api/v1/cases/${c.ref}`, { version: c.version, status: 'managed' }), 400, 'bad_request', 'reason');
		expectError(await officer.patch(`/api/v1/cases/${c.ref}`, { version: c.version, status: 'managed', reason: '' }), 400, 'bad_request', 'reason');
		assert.equal((await officer.get(`/api/v1/cases/${c.ref}`)).body.status, 'closed');
	});

	test('the reason for reopening is on the timeline', async () => {
		const c = await caseAt('closed');
		const res = await officer.patch(`/api/v1/cases/${c.ref}`, { version: c.version, status: 'managed', reason: 'he is back at her door' });
		assert.equal(res.status, 200, res.text);
		const tl = await officer.get(`/api/v1/cases/${c.ref}/timeline`);
		const item = tl.body.items.find((i) => i.kind === 'status' && /closed -> managed/.test(i.summary));
		assert.ok(item, JSON.stringify(tl.body.items));
		assert.match(item.summary, /he is back at her door/);
	});

	test('a closed case takes no new screening (409)', async () => {
		const c = await caseAt('closed');
		expectError(await officer.put(`/api/v1/cases/${c.ref}/screening`, { version: c.version, ...screening(true) }), 409, 'illegal_transition');
	});
});

describe('the version', () => {
	test('PATCH without a version is 400 naming version', async () => {
		const c = await createCase(officer);
		expectError(await officer.patch(`/api/v1/cases/${c.ref}`, { summary: 'x' }), 400, 'bad_request', 'version');
	});

	test('each change moves the version by one', async () => {
		const c = await createCase(officer);
		const res = await officer.patch(`/api/v1/cases/${c.ref}`, { version: c.version, summary: 'first edit' });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.version, c.version + 1);
		assert.equal(res.body.summary, 'first edit');
	});

	test('a stale version is 409 stale_version and the newer change stands', async () => {
		const c = await createCase(officer, { summary: 'original' });
		const a = await officer.patch(`/api/v1/cases/${c.ref}`, { version: c.version, summary: 'from the officer' });
		assert.equal(a.status, 200);
		const b = await supervisor.patch(`/api/v1/cases/${c.ref}`, { version: c.version, summary: 'from the supervisor' });
		expectError(b, 409, 'stale_version', 'version');
		assert.match(b.body.error.message, new RegExp(`you sent version ${c.version}, it is now ${c.version + 1}`));
		const now = (await officer.get(`/api/v1/cases/${c.ref}`)).body;
		assert.equal(now.summary, 'from the officer');
		assert.equal(now.version, c.version + 1);
	});

	test('a stale version is refused for a status move too', async () => {
		const c = await createCase(officer, { screening: screening(true) });
		await officer.patch(`/api/v1/cases/${c.ref}`, { version: c.version, summary: 'touch' });
		expectError(await officer.patch(`/api/v1/cases/${c.ref}`, { version: c.version, status: 'assessed' }), 409, 'stale_version', 'version');
		assert.equal((await officer.get(`/api/v1/cases/${c.ref}`)).body.status, 'screened');
	});

	test('a version from the future is stale too', async () => {
		const c = await createCase(officer);
		expectError(await officer.patch(`/api/v1/cases/${c.ref}`, { version: c.version + 5, summary: 'x' }), 409, 'stale_version', 'version');
	});

	test('of concurrent changes on the same version exactly one wins', async () => {
		const c = await createCase(officer);
		const results = await Promise.all(Array.from({ length: 6 }, (_, i) =>
			(i % 2 ? supervisor : officer).patch(`/api/v1/cases/${c.ref}`, { version: c.version, summary: `edit ${i}` })));
		const ok = results.filter((r) => r.status === 200);
		assert.equal(ok.length, 1, results.map((r) => r.status).join(','));
		for (const r of results.filter((x) => x.status !== 200)) expectError(r, 409, 'stale_version', 'version');
		const now = (await officer.get(`/api/v1/cases/${c.ref}`)).body;
		assert.equal(now.summary, ok[0].body.summary);
		assert.equal(now.version, c.version + 1);
	});

	test('an unknown field in a PATCH is 400 naming it', async () => {
		const c = await createCase(officer);
		expectError(await officer.patch(`/api/v1/cases/${c.ref}`, { version: c.version, agency: 'sas' }), 400, 'bad_request', 'agency');
	});
});

describe('who may change a case', () => {
	test('an officer may not reassign a case (403, field owner)', async () => {
		const c = await createCase(officer);
		expectError(await officer.patch(`/api/v1/cases/${c.ref}`, { version: c.version, owner: 'supervisor' }), 403, 'forbidden', 'owner');
	});

	test('an analyst may read but not change a case (403)', async () => {
		const analyst = await srv.login('analyst');
		const c = await createCase(officer);
		assert.equal((await analyst.get(`/api/v1/cases/${c.ref}`)).status, 200);
		expectError(await analyst.patch(`/api/v1/cases/${c.ref}`, { version: c.version, summary: 'x' }), 403, 'forbidden');
	});
});
