// Victim care: every contact logged (who, when, how, what she was told),
// events she must be told of as notification tasks overdue after
// --notify-hours, her single point of contact, and referrals to partner
// services with their status and her consent.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { assess, daysAgo, inDays, newCase } from './lib/cases.mjs';
import { expectError, startServer, stopServer } from './lib/server.mjs';

let srv;
let officer;
let advocate;
let analyst;
let ref;

before(async () => {
	srv = await startServer({ roles: ['officer', 'supervisor', 'advocate', 'analyst', 'admin'], args: ['--notify-hours', '12'] });
	({ officer, advocate, analyst } = await srv.logins(['officer', 'advocate', 'analyst']));
	ref = (await newCase(officer)).ref;
});
after(() => stopServer(srv));

const care = async (client = officer) => {
	const res = await client.get(`/api/v1/cases/${ref}/victim-care`);
	assert.equal(res.status, 200, res.text);
	return res.body;
};

describe('notification tasks', () => {
	test('an event she must be told of opens a task, overdue 12 hours after the event', async () => {
		let res = await officer.post(`/api/v1/cases/${ref}/tasks`, { event: 'arrest', occurred_at: daysAgo(1), detail: 'arrested at home' });
		assert.equal(res.status, 201, res.text);
		res = await officer.post(`/api/v1/cases/${ref}/tasks`, { event: 'release', occurred_at: daysAgo(0.25), detail: 'released under investigation' });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.notify_hours, 12);
		const [arrest, release] = res.body.tasks; // open tasks by due time: the arrest's is earlier
		assert.equal(arrest.event, 'arrest');
		assert.equal(release.event, 'release');
		assert.deepEqual([arrest.event, arrest.overdue], ['arrest', true]);
		assert.deepEqual([release.event, release.overdue], ['release', false]);
		assert.equal(Date.parse(arrest.due_at) - Date.parse(arrest.event_at), 12 * 3600000);
		assert.equal(res.body.open, 2);
		assert.equal(res.body.overdue, 1);
	});

	test('input is validated', async () => {
		expectError(await officer.post(`/api/v1/cases/${ref}/tasks`, { event: 'sentencing' }), 400, 'bad_request', 'event');
		expectError(await officer.post(`/api/v1/cases/${ref}/tasks`, { event: 'charge', occurred_at: inDays(1) }), 400, 'bad_request', 'occurred_at');
		expectError(await officer.post(`/api/v1/cases/${ref}/tasks`, { event: 'charge', who: 'x' }), 400, 'bad_request', 'who');
	});

	test('the contact that tells her completes it; a task is completed by hand with a note', async () => {
		let tasks = (await care()).notification_tasks;
		const arrest = tasks.find((t) => t.event === 'arrest');
		const release = tasks.find((t) => t.event === 'release');
		let res = await officer.post(`/api/v1/cases/${ref}/victim-care/contacts`, {
			at: daysAgo(0.1), method: 'phone', told: 'He was arrested yesterday and is in custody', tasks: [arrest.id],
		});
		assert.equal(res.status, 201, res.text);
		tasks = res.body.notification_tasks;
		const done = tasks.find((t) => t.id === arrest.id);
		assert.equal(done.done, true);
		assert.equal(done.overdue, false);
		assert.match(done.done_note, /told in contact \d+/);
		expectError(await officer.post(`/api/v1/cases/${ref}/victim-care/contacts`, { method: 'phone', told: 'x', tasks: [arrest.id] }), 400, 'bad_request', 'tasks[0]');
		expectError(await officer.patch(`/api/v1/cases/${ref}/tasks/${release.id}`, { version: release.version + 1, done: true, note: 'told' }), 409, 'stale_version', 'version');
		expectError(await officer.patch(`/api/v1/cases/${ref}/tasks/${release.id}`, { version: release.version, done: true }), 400, 'bad_request', 'note');
		res = await advocate.patch(`/api/v1/cases/${ref}/tasks/${release.id}`, { version: release.version, done: true, note: 'told her by text' });
		expectError(res, 403, 'forbidden'); // the advocate does not see this case (not referred yet)
		res = await officer.patch(`/api/v1/cases/${ref}/tasks/${release.id}`, { version: release.version, done: true, note: 'told her by text' });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.open, 0);
	});

	test('a change of risk level opens a task; the first level does not', async () => {
		const c = await newCase(officer);
		await assess(officer, c.ref, 'medium');
		let tasks = (await officer.get(`/api/v1/cases/${c.ref}/tasks`)).body.tasks;
		assert.deepEqual(tasks, []);
		await assess(officer, c.ref, 'high');
		tasks = (await officer.get(`/api/v1/cases/${c.ref}/tasks`)).body.tasks;
		assert.equal(tasks.length, 1);
		assert.equal(tasks[0].event, 'risk_level_changed');
		assert.equal(tasks[0].detail, 'risk level from medium to high');
	});
});

describe('contacts', () => {
	test('each contact is logged with who, when, how and what she was told', async () => {
		const res = await officer.post(`/api/v1/cases/${ref}/victim-care/contacts`, {
			at: daysAgo(0.05), method: 'in_person', told: 'The interim order was granted; he may not come within 500 m of the house', notes: 'she is moving her car', by: 'supervisor',
		});
		assert.equal(res.status, 201, res.text);
		const [last] = res.body.contacts;
		assert.equal(last.method, 'in_person');
		assert.equal(last.by, 'supervisor');
		assert.equal(last.recorded_by, 'officer');
		assert.match(last.told, /interim order was granted/);
		assert.equal(res.body.contact_overdue, false);
		assert.equal(res.body.last_contact_at, last.at);
	});

	test('a contact is not logged as made by someone who cannot see her case (400, by)', async () => {
		// the charity's advocate, before the case is referred to her charity
		expectError(await officer.post(`/api/v1/cases/${ref}/victim-care/contacts`, { method: 'phone', told: 'x', by: 'advocate' }), 400, 'bad_request', 'by');
	});

	test('her care is not open to an analyst (403 need_to_know), nor may she log a contact', async () => {
		const res = await analyst.get(`/api/v1/cases/${ref}/victim-care`);
		expectError(res, 403, 'need_to_know');
		assert.ok(!res.text.includes('interim order'));
		expectError(await analyst.post(`/api/v1/cases/${ref}/victim-care/contacts`, { method: 'phone', told: 'x' }), 403, 'forbidden');
	});

	test('input is validated', async () => {
		const post = (b) => officer.post(`/api/v1/cases/${ref}/victim-care/contacts`, { method: 'phone', told: 'x', ...b });
		expectError(await post({ method: 'pigeon' }), 400, 'bad_request', 'method');
		expectError(await post({ told: '' }), 400, 'bad_request', 'told');
		expectError(await post({ at: inDays(1) }), 400, 'bad_request', 'at');
		expectError(await post({ by: 'nobody' }), 400, 'bad_request', 'by');
		expectError(await post({ tasks: 'all' }), 400, 'bad_request', 'tasks');
	});
});

describe('single point of contact', () => {
	test('is named, and must be someone who works with her', async () => {
		let res = await officer.put(`/api/v1/cases/${ref}/victim-care/spoc`, { username: 'supervisor' });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.spoc, 'supervisor');
		// an advocate of a charity the case is not shared with (not yet referred)
		expectError(await officer.put(`/api/v1/cases/${ref}/victim-care/spoc`, { username: 'advocate' }), 400, 'bad_request', 'username');
		assert.equal((await care()).spoc, 'supervisor');
		expectError(await officer.put(`/api/v1/cases/${ref}/victim-care/spoc`, { username: 'admin' }), 400, 'bad_request', 'username');
		expectError(await officer.put(`/api/v1/cases/${ref}/victim-care/spoc`, { username: 'ghost' }), 400, 'bad_request', 'username');
		expectError(await officer.put(`/api/v1/cases/${ref}/victim-care/spoc`, {}), 400, 'bad_request', 'username');
	});
});

describe('referrals', () => {
	test('accepting a referral needs her consent', async () => {
		let res = await officer.post(`/api/v1/cases/${ref}/victim-care/referrals`, { service: 'advocacy', agency: 'sas', status: 'accepted' });
		expectError(res, 400, 'bad_request', 'consent');
		res = await officer.post(`/api/v1/cases/${ref}/victim-care/referrals`, { service: 'advocacy', agency: 'sas', status: 'accepted', consent: { given: false } });
		expectError(res, 400, 'bad_request', 'consent');
	});

	test('offered, then accepted with consent: the advocacy service then sees the case', async () => {
		expectError(await advocate.get(`/api/v1/cases/${ref}`), 403, 'forbidden');
		let res = await officer.post(`/api/v1/cases/${ref}/victim-care/referrals`, { service: 'advocacy', agency: 'sas', note: 'offered at the first visit' });
		assert.equal(res.status, 201, res.text);
		const r0 = res.body.referrals.find((r) => r.service === 'advocacy');
		assert.equal(r0.status, 'offered');
		assert.deepEqual(r0.consent, { given: null, note: null, at: null });
		expectError(await advocate.get(`/api/v1/cases/${ref}`), 403, 'forbidden');
		res = await officer.patch(`/api/v1/cases/${ref}/victim-care/referrals/${r0.id}`, { version: r0.version, status: 'completed' });
		expectError(res, 400, 'bad_request', 'status');
		res = await officer.patch(`/api/v1/cases/${ref}/victim-care/referrals/${r0.id}`, { version: r0.version, status: 'accepted' });
		expectError(res, 400, 'bad_request', 'consent');
		res = await officer.patch(`/api/v1/cases/${ref}/victim-care/referrals/${r0.id}`, { version: r0.version, status: 'accepted', consent: { given: true, note: 'agreed to share her details with the charity' } });
		assert.equal(res.status, 200, res.text);
		const r1 = res.body.referrals.find((r) => r.id === r0.id);
		assert.equal(r1.consent.given, true);
		assert.ok(r1.consent.at);
		expectError(await officer.patch(`/api/v1/cases/${ref}/victim-care/referrals/${r0.id}`, { version: r0.version, status: 'completed' }), 409, 'stale_version', 'version');
		const seen = await advocate.get(`/api/v1/cases/${ref}`);
		assert.equal(seen.status, 200, seen.text);
		assert.ok(seen.body.referred_to.includes('sas'));
		// and the advocate logs her own contact
		res = await advocate.post(`/api/v1/cases/${ref}/victim-care/contacts`, { method: 'video', told: 'what an SPO is and how to report a breach' });
		assert.equal(res.status, 201, res.text);
		// now shared with her charity, she may be the victim's point of contact
		res = await officer.put(`/api/v1/cases/${ref}/victim-care/spoc`, { username: 'advocate' });
		assert.equal(res.status, 200, res.text);
		assert.equal(res.body.spoc, 'advocate');
	});

	test('she withdraws (accepted -> declined): the advocacy service no longer sees the case, unless an officer referred it', async () => {
		const accept = async (r) => {
			let res = await officer.post(`/api/v1/cases/${r}/victim-care/referrals`, { service: 'advocacy', agency: 'sas' });
			assert.equal(res.status, 201, res.text);
			const o = res.body.referrals.find((x) => x.service === 'advocacy');
			res = await officer.patch(`/api/v1/cases/${r}/victim-care/referrals/${o.id}`, { version: o.version, status: 'accepted', consent: { given: true, note: 'agreed' } });
			assert.equal(res.status, 200, res.text);
			assert.equal((await advocate.get(`/api/v1/cases/${r}`)).status, 200);
			return res.body.referrals.find((x) => x.id === o.id);
		};
		const withdraw = async (r, a) => {
			const res = await officer.patch(`/api/v1/cases/${r}/victim-care/referrals/${a.id}`, { version: a.version, status: 'declined', note: 'she no longer wants the charity involved' });
			assert.equal(res.status, 200, res.text);
		};
		const one = (await newCase(officer)).ref;
		await withdraw(one, await accept(one));
		expectError(await advocate.get(`/api/v1/cases/${one}`), 403, 'forbidden');
		const tl = await officer.get(`/api/v1/cases/${one}/timeline`);
		assert.ok(tl.body.items.some((i) => i.kind === 'referral_withdrawn'), JSON.stringify(tl.body.items.map((i) => i.kind)));
		// an officer's own referral of the case to the agency is not hers to withdraw
		const two = (await newCase(officer)).ref;
		const a2 = await accept(two);
		const res = await officer.post(`/api/v1/cases/${two}/referrals`, { agency: 'sas' });
		assert.ok(res.status === 200 || res.status === 201, res.text);
		await withdraw(two, a2);
		assert.equal((await advocate.get(`/api/v1/cases/${two}`)).status, 200);
	});

	test('services outside Vigil are named by provider; declined and offered again', async () => {
		let res = await officer.post(`/api/v1/cases/${ref}/victim-care/referrals`, { service: 'housing', provider: 'Islington housing', status: 'declined', consent: { given: false, note: 'does not want to move' } });
		assert.equal(res.status, 201, res.text);
		const h = res.body.referrals.find((r) => r.service === 'housing');
		assert.equal(h.provider, 'Islington housing');
		assert.equal(h.consent.given, false);
		res = await officer.patch(`/api/v1/cases/${ref}/victim-care/referrals/${h.id}`, { version: h.version, status: 'offered', note: 'offered again after the breach' });
		assert.equal(res.status, 200, res.text);
		expectError(await officer.post(`/api/v1/cases/${ref}/victim-care/referrals`, { service: 'gym' }), 400, 'bad_request', 'service');
		expectError(await officer.post(`/api/v1/cases/${ref}/victim-care/referrals`, { service: 'health', agency: 'nhs-nowhere' }), 400, 'bad_request', 'agency');
		expectError(await officer.post(`/api/v1/cases/${ref}/victim-care/referrals`, { service: 'health', status: 'maybe' }), 400, 'bad_request', 'status');
		expectError(await officer.post(`/api/v1/cases/${ref}/victim-care/referrals`, { service: 'health', consent: 'yes' }), 400, 'bad_request', 'consent');
		expectError(await officer.patch(`/api/v1/cases/${ref}/victim-care/referrals/999`, { version: 1, status: 'accepted' }), 404, 'not_found');
	});

	test('the view lists every referral, the spoc and the contacts', async () => {
		const body = await care();
		assert.equal(body.spoc, 'advocate');
		assert.deepEqual(body.referrals.map((r) => r.service).sort(), ['advocacy', 'housing']);
		assert.ok(body.contacts.length >= 3);
		assert.equal(body.contact_days, 7);
	});
});
