// People and linking: identifiers normalised (phone numbers to E.164 with the
// UK by default, e-mail addresses case-folded, handles without '@' and case,
// vehicle registrations without spaces), a suspect shared with another case by
// any identifier kind (or by name or alias with the date of birth) links the
// cases, transitively; links show details only of the cases the caller may
// see; two distinct victims flag the whole linked set as a possible serial
// stalker's; the register search needs a purpose and is audited with it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectError, startServer, startServers } from './lib/server.mjs';
import { DAY, addIncident, ago, createCase, unique, ukMobile, victim } from './lib/casekit.mjs';

let srv;
let srv3; // --serial-victims 3
let officer;
let supervisor;
let analyst;
let admin;
let kentsup;

before(async () => {
	[srv, srv3] = await startServers({}, { args: ['--serial-victims', '3'], roles: ['supervisor'] });
	[officer, supervisor, analyst, admin] = await Promise.all(['officer', 'supervisor', 'analyst', 'admin'].map((u) => srv.login(u)));
	await admin.post('/api/v1/agencies', { code: 'kent', name: 'Kent Police', kind: 'police' });
	srv.addUser('kentsup', 'supervisor', 'kent', { password: 'kent-supervisor-pw-1' });
	kentsup = await srv.login('kentsup', 'kent-supervisor-pw-1');
});
after(async () => {
	await Promise.all([srv, srv3].filter(Boolean).map(async (s) => assert.equal(await s.stop(), 0)));
});

const flagsOf = (x) => x.flags.map((f) => f.flag);
const suspectWith = (kind, value, extra = {}) => ({ name: `Suspect ${unique('s')}`, identifiers: [{ kind, value }], ...extra });

async function links(client, ref) {
	const res = await client.get(`/api/v1/cases/${ref}/links`);
	assert.equal(res.status, 200, res.text);
	return res.body;
}

/** Case refs a case links to (those the caller may see). */
const linkedRefs = (l) => l.cases.map((x) => x.ref).sort();

describe('linking by each identifier kind, however it is typed', () => {
	const kinds = [
		['phone', ['07700 900456', '+447700900456', '+44 (0)7700 900456', '0044 7700 900456', '+44 07700-900.456'], '+447700900456'],
		['email', ['Stalker.One@Example.COM', '  stalker.one@example.com ', 'STALKER.ONE@EXAMPLE.COM'], 'stalker.one@example.com'],
		['handle', ['@Jane_Doe', 'jane_doe', ' @JANE_DOE'], 'jane_doe'],
		['handle', ['instagram:@Night.Owl', 'Instagram: night.owl'], 'instagram:night.owl'],
		['vehicle', ['ab12 cde', 'AB12-CDE', 'AB12CDE', ' ab 12 c d e '], 'AB12CDE'],
		['address', ["12 St John's Road, London", '12 st johns road london', '12  ST. JOHNS ROAD\nLONDON'], null],
	];
	for (const [kind, forms, normal] of kinds) {
		test(`${kind}: ${forms.map((f) => JSON.stringify(f)).join(' = ')}`, async () => {
			const made = [];
			for (const f of forms) made.push(await createCase(supervisor, { suspect: suspectWith(kind, f) }));
			if (normal) {
				for (const m of made) {
					const s = m.people.find((p) => p.role === 'suspect');
					assert.deepEqual(s.identifiers, [{ kind, value: normal }], 'stored normalised');
				}
			}
			for (const m of made) {
				const l = await links(supervisor, m.ref);
				const others = made.filter((x) => x !== m).map((x) => x.ref).sort();
				assert.equal(l.count, forms.length - 1, `${m.ref}: ${JSON.stringify(l)}`);
				assert.deepEqual(linkedRefs(l), others);
				assert.equal(l.hidden_count, 0);
			}
		});
	}

	test('a handle with a platform does not link to the same handle without one', async () => {
		const a = await createCase(supervisor, { suspect: suspectWith('handle', 'tiktok:lonely_heart') });
		const b = await createCase(supervisor, { suspect: suspectWith('handle', '@lonely_heart') });
		assert.equal((await links(supervisor, a.ref)).count, 0);
		assert.equal((await links(supervisor, b.ref)).count, 0);
	});

	test('different numbers do not link', async () => {
		const a = await createCase(supervisor, { suspect: suspectWith('phone', '07700 900461') });
		const b = await createCase(supervisor, { suspect: suspectWith('phone', '07700 900462') });
		assert.equal((await links(supervisor, a.ref)).count, 0);
		assert.equal((await links(supervisor, b.ref)).count, 0);
	});
});

describe('linking by name and date of birth', () => {
	test('the same name written differently, with the same date of birth, links', async () => {
		const a = await createCase(supervisor, { suspect: { name: "Sean O'Brien", dob: '1981-03-04' } });
		const b = await createCase(supervisor, { suspect: { name: 'SEAN  O-BRIEN', dob: '1981-03-04' } });
		assert.deepEqual(linkedRefs(await links(supervisor, a.ref)), [b.ref]);
	});

	test('the same name with another date of birth, or none, does not link', async () => {
		const a = await createCase(supervisor, { suspect: { name: 'Gareth Nolink', dob: '1970-01-01' } });
		const b = await createCase(supervisor, { suspect: { name: 'Gareth Nolink', dob: '1970-01-02' } });
		const c = await createCase(supervisor, { suspect: { name: 'Gareth Nolink' } });
		assert.equal((await links(supervisor, a.ref)).count, 0);
		assert.equal((await links(supervisor, b.ref)).count, 0);
		assert.equal((await links(supervisor, c.ref)).count, 0);
	});

	test('an alias with the same date of birth links to the name', async () => {
		const a = await createCase(supervisor, { suspect: { name: 'Robert Aliasman', aliases: ['Bobby Dazzler'], dob: '1975-06-07' } });
		const b = await createCase(supervisor, { suspect: { name: 'bobby dazzler', dob: '1975-06-07' } });
		const c = await createCase(supervisor, { suspect: { name: 'Someone Else', aliases: ['Bobby Dazzler'], dob: '1975-06-07' } });
		assert.deepEqual(linkedRefs(await links(supervisor, b.ref)), [a.ref, c.ref].sort());
		const d = await createCase(supervisor, { suspect: { name: 'Bobby Dazzler', dob: '1999-06-07' } });
		assert.equal((await links(supervisor, d.ref)).count, 0, 'not with another date of birth');
	});
});

describe('what links and what does not', () => {
	test('links are transitive: A and C share nothing but both share with B', async () => {
		const phone = ukMobile();
		const email = `${unique('t')}@example.net`;
		const a = await createCase(supervisor, { suspect: suspectWith('phone', phone.national) });
		const b = await createCase(supervisor, { suspect: { name: 'Bridge', identifiers: [{ kind: 'phone', value: phone.e164 }, { kind: 'email', value: email }] } });
		const c = await createCase(supervisor, { suspect: suspectWith('email', email.toUpperCase()) });
		assert.deepEqual(linkedRefs(await links(supervisor, a.ref)), [b.ref, c.ref].sort());
		assert.deepEqual(linkedRefs(await links(supervisor, c.ref)), [a.ref, b.ref].sort());
	});

	test("a victim sharing the suspect's phone does not link the cases", async () => {
		const phone = ukMobile();
		const a = await createCase(supervisor, { suspect: suspectWith('phone', phone.national) });
		const b = await createCase(supervisor, { victims: [victim({ identifiers: [{ kind: 'phone', value: phone.e164 }] })], suspect: { name: 'Unrelated Person' } });
		assert.equal((await links(supervisor, a.ref)).count, 0);
		assert.equal((await links(supervisor, b.ref)).count, 0);
	});

	test('a case without a suspect links to nothing', async () => {
		const a = await createCase(supervisor, { suspect: null });
		const l = await links(supervisor, a.ref);
		assert.equal(l.count, 0);
		assert.equal(l.possible_serial, false);
	});

	test('a suspect added later links the case, and a second suspect is 409', async () => {
		const phone = ukMobile();
		const a = await createCase(supervisor, { suspect: suspectWith('phone', phone.national) });
		const b = await createCase(supervisor);
		const res = await supervisor.post(`/api/v1/cases/${b.ref}/people`, { role: 'suspect', name: 'Late Suspect', identifiers: [{ kind: 'phone', value: phone.e164 }] });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.links.count, 1);
		assert.equal(res.body.links.cases[0].ref, a.ref);
		assert.ok(res.body.version > b.version);
		expectError(await supervisor.post(`/api/v1/cases/${b.ref}/people`, { role: 'suspect', name: 'Second Suspect' }), 409, 'conflict', 'role');
		expectError(await supervisor.post(`/api/v1/cases/${b.ref}/people`, { role: 'witness', name: 'Who' }), 400, 'bad_request', 'role');
		expectError(await supervisor.post(`/api/v1/cases/${b.ref}/people`, { role: 'victim' }), 400, 'bad_request', 'person');
	});
});

describe('what the links show', () => {
	test('cases the caller may not see are counted but not shown', async () => {
		const phone = ukMobile();
		const mine = await createCase(officer, { suspect: suspectWith('phone', phone.national) });
		const theirs = await createCase(supervisor, { summary: 'secret summary', suspect: suspectWith('phone', phone.e164) });
		const kent = await createCase(kentsup, { summary: 'kent summary', suspect: suspectWith('phone', `+44 (0)${phone.national.slice(1)}`) });
		// the officer sees neither of the others
		const lo = await links(officer, mine.ref);
		assert.equal(lo.count, 2);
		assert.equal(lo.hidden_count, 2);
		assert.deepEqual(lo.cases, []);
		// the supervisor sees her agency's, not Kent's
		const ls = await links(supervisor, theirs.ref);
		assert.equal(ls.count, 2);
		assert.equal(ls.hidden_count, 1);
		assert.deepEqual(linkedRefs(ls), [mine.ref]);
		assert.ok(!JSON.stringify(ls).includes('kent summary'));
		// Kent's supervisor sees the link to two met cases, neither in detail
		const lk = await links(kentsup, kent.ref);
		assert.equal(lk.count, 2);
		assert.equal(lk.hidden_count, 2);
		assert.ok(!JSON.stringify(lk).includes('secret summary'));
		// the case carries the same links
		const full = await supervisor.get(`/api/v1/cases/${theirs.ref}`);
		assert.deepEqual(full.body.links, ls);
	});

	test('a visible linked case is shown with its summary fields', async () => {
		const phone = ukMobile();
		const a = await createCase(supervisor, { summary: 'the first report', classifications: ['harassment'], suspect: suspectWith('phone', phone.national) });
		const b = await createCase(supervisor, { suspect: suspectWith('phone', phone.e164) });
		const l = await links(supervisor, b.ref);
		const shown = l.cases[0];
		assert.equal(shown.ref, a.ref);
		assert.equal(shown.summary, 'the first report');
		assert.deepEqual(shown.classifications, ['harassment']);
		assert.equal(shown.status, 'intake');
	});

	test('a new report matching a known suspect shows the prior incidents at intake', async () => {
		const phone = ukMobile();
		const a = await createCase(supervisor, { suspect: suspectWith('phone', phone.national) });
		const t1 = Date.now() - 30 * DAY;
		const t2 = Date.now() - 2 * DAY;
		await addIncident(supervisor, a.ref, { occurred_at: new Date(t1).toISOString(), behaviour: 'following' });
		await addIncident(supervisor, a.ref, { occurred_at: new Date(t2).toISOString(), behaviour: 'message' });
		await addIncident(supervisor, a.ref, { occurred_at: ago(5 * DAY), behaviour: 'message' });
		const b = await createCase(supervisor, { suspect: suspectWith('phone', phone.e164) });
		const pi = b.links.prior_incidents;
		assert.equal(pi.count, 3);
		assert.deepEqual(pi.behaviours, { following: 1, message: 2 });
		assert.equal(Date.parse(pi.first_at), new Date(new Date(t1).toISOString()).getTime());
		assert.equal(Date.parse(pi.last_at), new Date(new Date(t2).toISOString()).getTime());
	});
});

describe('the possible serial stalker flag', () => {
	/** Two cases of one victim (her phone, typed two ways) against one suspect (his phone, the same): the second not flagged. */
	async function oneVictimTwice() {
		const sp = ukMobile();
		const vp = ukMobile();
		const a = await createCase(supervisor, { victims: [victim({ identifiers: [{ kind: 'phone', value: vp.national }] })], suspect: suspectWith('phone', sp.national) });
		const b = await createCase(supervisor, { victims: [victim({ identifiers: [{ kind: 'phone', value: vp.e164 }] })], suspect: suspectWith('phone', sp.e164) });
		assert.deepEqual(flagsOf(b), []);
		return { sp, a, b };
	}

	test('the same victim in two linked cases counts once: no flag', async () => {
		const sp = ukMobile();
		const vp = ukMobile();
		const a = await createCase(supervisor, { victims: [victim({ identifiers: [{ kind: 'phone', value: vp.national }] })], suspect: suspectWith('phone', sp.national) });
		const b = await createCase(supervisor, { victims: [victim({ identifiers: [{ kind: 'phone', value: vp.e164 }] })], suspect: suspectWith('phone', sp.e164) });
		const l = await links(supervisor, b.ref);
		assert.equal(l.count, 1);
		assert.equal(l.distinct_victims, 1);
		assert.equal(l.possible_serial, false);
		for (const x of [a, b]) assert.deepEqual(flagsOf((await supervisor.get(`/api/v1/cases/${x.ref}`)).body), []);
	});

	test('a second distinct victim flags every case of the linked set', async () => {
		const { sp, a, b } = await oneVictimTwice();
		const c = await createCase(supervisor, { victims: [victim()], suspect: suspectWith('phone', sp.national) });
		assert.deepEqual(flagsOf(c), ['possible_serial']);
		assert.match(c.flags[0].note, /3 cases with 2 distinct victims/);
		assert.equal(c.links.distinct_victims, 2);
		assert.equal(c.links.possible_serial, true);
		for (const x of [a, b]) assert.deepEqual(flagsOf((await supervisor.get(`/api/v1/cases/${x.ref}`)).body), ['possible_serial'], x.ref);
		const list = await supervisor.get('/api/v1/cases?flag=possible_serial&limit=200');
		const flagged = list.body.cases.map((x) => x.ref);
		for (const x of [a, b, c]) assert.ok(flagged.includes(x.ref));
	});

	test('the flag reaches cases of another agency in the set too', async () => {
		const sp = ukMobile();
		const k = await createCase(kentsup, { suspect: suspectWith('phone', sp.national) });
		await createCase(supervisor, { suspect: suspectWith('phone', sp.e164) });
		assert.deepEqual(flagsOf((await kentsup.get(`/api/v1/cases/${k.ref}`)).body), ['possible_serial']);
	});

	test('a second distinct victim added later to a linked case flags every case of the set', async () => {
		const { sp, a, b } = await oneVictimTwice();
		const res = await supervisor.post(`/api/v1/cases/${b.ref}/people`, { role: 'victim', name: 'Second Victim' });
		assert.equal(res.status, 201, res.text);
		assert.equal(res.body.links.distinct_victims, 2);
		assert.equal(res.body.links.possible_serial, true);
		assert.deepEqual(flagsOf(res.body), ['possible_serial'], 'the links say possible_serial, so the case must carry the flag');
		assert.deepEqual(flagsOf((await supervisor.get(`/api/v1/cases/${a.ref}`)).body), ['possible_serial']);
	});

	test('the threshold is configurable: with --serial-victims 3, two victims do not flag and three do', async () => {
		const sup3 = await srv3.login('supervisor');
		const sp = ukMobile();
		const a = await createCase(sup3, { suspect: suspectWith('phone', sp.national) });
		const b = await createCase(sup3, { suspect: suspectWith('phone', sp.e164) });
		assert.equal(b.links.distinct_victims, 2);
		assert.equal(b.links.possible_serial, false);
		assert.deepEqual(flagsOf(b), []);
		const c = await createCase(sup3, { suspect: suspectWith('phone', sp.national) });
		assert.deepEqual(flagsOf(c), ['possible_serial']);
		assert.deepEqual(flagsOf((await sup3.get(`/api/v1/cases/${a.ref}`)).body), ['possible_serial']);
	});
});

describe('the register search', () => {
	const purpose = 'linking a new report to known suspects';
	const q = (s, p = purpose) => `/api/v1/people/search?q=${encodeURIComponent(s)}&purpose=${encodeURIComponent(p)}`;

	test('without a purpose, or with one under 5 characters, it is 400 naming purpose', async () => {
		expectError(await analyst.get('/api/v1/people/search?q=someone'), 400, 'bad_request', 'purpose');
		expectError(await analyst.get(q('someone', 'why')), 400, 'bad_request', 'purpose');
		expectError(await analyst.get(q('someone', 'x'.repeat(501))), 400, 'bad_request', 'purpose');
	});

	test('finds a suspect by a number typed another way, and says what matched', async () => {
		const phone = ukMobile();
		const a = await createCase(supervisor, { suspect: { name: 'Searchable Sid', dob: '1980-01-01', identifiers: [{ kind: 'phone', value: phone.national }] } });
		const res = await analyst.get(q(`+44 (0)${phone.national.slice(1)}`));
		assert.equal(res.status, 200, res.text);
		const hit = res.body.results.find((h) => h.case.ref === a.ref);
		assert.ok(hit, JSON.stringify(res.body));
		assert.equal(hit.matched, 'phone');
		assert.equal(hit.role, 'suspect');
		assert.equal(hit.name, 'Searchable Sid');
		assert.equal(hit.dob, '1980-01-01');
		assert.equal(hit.case.visible, true);
		assert.equal(hit.case.status, 'intake');
		assert.equal(typeof hit.person_id, 'number');
	});

	test('finds suspects by name, never victims', async () => {
		const tag = unique('Zed');
		const a = await createCase(supervisor, { victims: [{ name: `Victim ${tag}` }], suspect: { name: `Suspect ${tag}` } });
		const res = await supervisor.get(q(tag));
		assert.equal(res.status, 200, res.text);
		assert.deepEqual(res.body.results.map((h) => [h.case.ref, h.role, h.name, h.matched]), [[a.ref, 'suspect', `Suspect ${tag}`, 'name']]);
	});

	test("a hit in a case the searcher may not see names neither the case nor the person", async () => {
		const phone = ukMobile();
		await createCase(kentsup, { suspect: { name: 'Kentish Suspect', identifiers: [{ kind: 'phone', value: phone.national }] } });
		const res = await analyst.get(q(phone.e164));
		assert.equal(res.body.results.length, 1);
		const hit = res.body.results[0];
		assert.deepEqual(hit.case, { visible: false });
		assert.equal(hit.name, null);
		assert.equal(hit.dob, null);
		assert.ok(!res.text.includes('Kentish'));
	});

	test('each search is audited with its purpose', async () => {
		const p = `audit check ${unique('p')}`;
		await analyst.get(q('nobody in particular', p));
		const res = await admin.get('/api/v1/audit?action=people.search&user=analyst&limit=1');
		assert.match(res.body.entries[0].detail, new RegExp(`purpose: ${p}`));
	});

	for (const role of ['officer', 'advocate', 'clinician', 'operator', 'admin']) {
		test(`a ${role} may not search the register (403)`, async () => {
			const cl = role === 'officer' ? officer : role === 'admin' ? admin : await srv.login(role);
			expectError(await cl.get(q('someone')), 403, 'forbidden');
		});
	}
});
