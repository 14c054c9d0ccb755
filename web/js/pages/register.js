// The stalkers register (issue 19): the men a force manages as known
// stalkers, on a lawful basis, shared by every force on this Vigil.
//   #/register                 search it (with a stated purpose); supervisors
//                              enter a person, export and import signed files
//   #/register/ID?purpose=...  one entry: its facts, cases, recognitions and
//                              history; a supervisor's review and removal
//   #/register/oversight       who searched and viewed what, why, how often
// Every search and view states its purpose and is audited with it.  The
// older search of suspects in cases (people:search) stays below.
import { api, qs } from '../api.js';
import { actionButton, add, announce, clear, field, fmtDay, formError, h, input, onSubmit, select, textarea, timeEl } from '../dom.js';
import { label, options } from '../vocab.js';

const enc = encodeURIComponent;
const purposeCheck = (v) => (v.trim().length >= 5 ? null : 'Say a little more: at least 5 characters.');
const dayAhead = (n) => new Date(Date.now() + n * 864e5).toISOString().slice(0, 10);
const future = (what) => (v) => (v && v <= new Date().toISOString().slice(0, 10) ? `${what} must be a date in the future.` : null);

export async function render(main, ctx) {
	const [first] = ctx.params;
	if (first === 'oversight') return oversight(main, ctx);
	if (first) return entryPage(main, ctx, first);
	return home(main, ctx);
}

/* ---- the register's home ------------------------------------------------------------ */

function entryLine(e, purpose) {
	return h('li', { 'data-entry': e.id },
		h('a', { href: `#/register/${e.id}${qs({ purpose })}` }, e.name || `entry ${e.id}`),
		` — ${label('register_bases', e.basis)} ${e.basis_ref}; ${label('register_categories', e.category)}, level ${e.level}; officer ${e.responsible.name} (${e.responsible.agency})`,
		e.matched ? ` — matched by ${label('identifier_kinds', e.matched) || e.matched}` : '',
		e.overdue ? h('span', { class: 'badge overdue' }, ' review overdue') : null);
}

function searchForm(ctx) {
	const q = input('q', { autocomplete: 'off', placeholder: 'a name, phone, e-mail, handle or vehicle' });
	const purpose = input('purpose', { autocomplete: 'off', placeholder: 'e.g. checking a new report for a known stalker' });
	const results = h('div', { role: 'status', id: 'register-results' });
	const form = onSubmit(h('form', { class: 'card', role: 'search', 'aria-label': 'Search the stalkers register' },
		h('h2', {}, 'Search the register'),
		h('div', { class: 'row' }, field('Name or identifier (empty: list every entry)', q, { name: 'q' }),
			field('Purpose of the search', purpose, { name: 'purpose', required: 'State why you search: it is audited.', check: purposeCheck })),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Search the register')), async () => {
		const r = await api.get('/api/v1/register' + qs({ q: q.value.trim(), purpose: purpose.value.trim() }));
		clear(results, r.entries.length ? h('ul', { class: 'register-list' }, r.entries.map((e) => entryLine(e, purpose.value.trim())))
			: h('p', { class: 'muted' }, 'No entry on the register matches.'));
	});
	return [form, results];
}

function peopleSearch() {
	const q = input('q', { autocomplete: 'off', placeholder: 'a name, phone, e-mail, handle or vehicle' });
	const purpose = input('purpose', { autocomplete: 'off', placeholder: 'e.g. checking a new report for a serial stalker' });
	const results = h('div', { role: 'status' });
	return [onSubmit(h('form', { class: 'card', role: 'search', 'aria-label': 'Search the suspects in cases' },
		h('h2', {}, 'Suspects in cases'),
		h('div', { class: 'row' }, field('Name or identifier', q, { name: 'q', required: 'Enter what to search for.' }),
			field('Purpose of the search', purpose, { name: 'purpose', required: 'State why you search: it is audited.', check: purposeCheck })),
		formError(), h('button', { type: 'submit', class: 'secondary' }, 'Search the cases')), async () => {
		const r = await api.get('/api/v1/people/search' + qs({ q: q.value.trim(), purpose: purpose.value.trim() }));
		clear(results, r.results.length ? h('ul', {}, r.results.map((x) => h('li', {}, x.case.visible ? [h('strong', {}, x.name || 'unnamed'), ` (${x.role}, matched on ${label('identifier_kinds', x.matched)}) in `, h('a', { href: `#/cases/${enc(x.case.ref)}` }, x.case.ref), `, ${label('statuses', x.case.status)}`]
			: `A ${x.role} matched on ${label('identifier_kinds', x.matched)} in a case of another caseload, which you may not see.`))) : h('p', { class: 'muted' }, 'No one in a case matches.'));
	}), results];
}

/* The identifiers of a form: one field per kind, each optional. */
function idFields(prefix) {
	return options('identifier_kinds').map(([kind, text]) => {
		const control = input(`${prefix}${kind}`, { autocomplete: 'off' });
		return { kind, control, field: field(`${text} (optional)`, control, { name: `${prefix}${kind}` }) };
	});
}

function collectIds(list) {
	const ids = [];
	for (const x of list) {
		const v = x.control.value.trim();
		x.field.querySelector('.field-error').dataset.errorFor = v ? `identifiers[${ids.length}]` : x.control.name;
		if (v) ids.push({ kind: x.kind, value: v });
	}
	return ids;
}

function enterForm(ctx) {
	const el = {
		name: input('name', { autocomplete: 'off' }),
		dob: input('dob', { type: 'date' }),
		aliases: input('aliases', { autocomplete: 'off' }),
		basis: select('basis', options('register_bases'), { blank: 'Choose…' }),
		basisRef: input('basis_ref', { autocomplete: 'off' }),
		category: select('category', options('register_categories'), { blank: 'Choose…' }),
		level: select('level', [['1', 'Level 1: single agency'], ['2', 'Level 2: multi-agency'], ['3', 'Level 3: senior multi-agency']], { blank: 'Choose…' }),
		responsible: input('responsible', { autocomplete: 'off', value: ctx.session.me.user.username }),
		review: input('next_review_at', { type: 'date', value: dayAhead(90) }),
		cases: input('cases', { autocomplete: 'off' }),
		reason: textarea('reason', { rows: 3 }),
	};
	const ids = idFields('');
	const form = h('form', { class: 'card', 'aria-label': 'Enter a person on the register' },
		h('h2', {}, 'Enter a person on the register'),
		h('p', { class: 'hint' }, 'A supervisor’s decision, on a lawful basis, with its reason: it is kept in the entry’s history.'),
		h('div', { class: 'row' }, field('Name', el.name, { name: 'name', required: 'Enter his name.' }),
			field('Date of birth (optional)', el.dob, { name: 'dob' }),
			field('Other names he uses (optional)', el.aliases, { name: 'aliases', hint: 'separated by commas' })),
		h('div', { class: 'row' }, ids.slice(0, 3).map((x) => x.field)),
		h('div', { class: 'row' }, ids.slice(3).map((x) => x.field)),
		h('div', { class: 'row' }, field('Lawful basis', el.basis, { name: 'basis', required: 'Choose the lawful basis.' }),
			field('Its reference', el.basisRef, { name: 'basis_ref', required: 'Give the court’s or the panel’s reference.', hint: 'e.g. the order’s number and court' })),
		h('div', { class: 'row' }, field('Category', el.category, { name: 'category', required: 'Choose the category.' }),
			field('Level of management', el.level, { name: 'level', required: 'Choose the level of management.' })),
		h('div', { class: 'row' }, field('Responsible officer (username)', el.responsible, { name: 'responsible', required: 'Name the officer responsible.' }),
			field('Next review', el.review, { name: 'next_review_at', required: 'Choose the date of the next review.', check: future('The next review') })),
		field('Linked cases (optional)', el.cases, { name: 'cases', hint: 'case references, separated by commas' }),
		field('Reason for the decision', el.reason, { name: 'reason', required: 'Give the reason for entering him.', check: purposeCheck }),
		formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Enter on the register'));
	onSubmit(form, async () => {
		const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
		const e = await api.post('/api/v1/register', {
			name: el.name.value.trim(),
			dob: el.dob.value || undefined,
			aliases: list(el.aliases.value).length ? list(el.aliases.value) : undefined,
			identifiers: collectIds(ids),
			basis: el.basis.value || undefined,
			basis_ref: el.basisRef.value.trim(),
			category: el.category.value || undefined,
			level: Number(el.level.value) || undefined,
			responsible: el.responsible.value.trim(),
			next_review_at: el.review.value,
			cases: list(el.cases.value).length ? list(el.cases.value) : undefined,
			reason: el.reason.value.trim(),
		});
		announce(`${e.name} is on the register.`);
		ctx.navigate(`#/register/${e.id}${qs({ purpose: 'entered on the register' })}`);
	});
	return form;
}

function exchange() {
	const link = h('a', { class: 'button secondary', hidden: true }, 'Save the signed file');
	const exportError = h('p', { class: 'field-error', role: 'alert' });
	const file = h('input', { type: 'file', name: 'document', accept: 'application/json,.json' });
	const reason = input('reason', { autocomplete: 'off' });
	const outcome = h('p', { role: 'status' });
	const importForm = onSubmit(h('form', { 'aria-label': 'Import a signed register file' },
		h('h3', {}, 'Import another Vigil’s signed file'),
		field('Signed file', file, { name: 'document', required: 'Choose the file to import.' }),
		field('Reason', reason, { name: 'reason', required: 'Give the reason for importing.', check: purposeCheck }),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Verify and import')), async () => {
		let doc;
		try {
			doc = JSON.parse(await file.files[0].text());
		} catch {
			throw Object.assign(new Error('The file is not a register export (not JSON).'), { field: 'document' });
		}
		const r = await api.post('/api/v1/register/import', { document: doc, reason: reason.value.trim() });
		outcome.textContent = `Verified: signed by ${r.issuer}. ${r.added} added, ${r.updated} updated.`;
	});
	return h('section', { class: 'card', 'aria-label': 'Exchange with another Vigil' },
		h('h2', {}, 'Exchange with another Vigil'),
		h('p', { class: 'hint' }, 'The export is signed with this Vigil’s register key; an import is verified against the keys it trusts, and a file altered after signing is refused.'),
		actionButton('Export the register (signed)', async () => {
			const doc = await api.get('/api/v1/register/export');
			const blob = new Blob([JSON.stringify(doc, null, 1)], { type: 'application/json' });
			link.href = URL.createObjectURL(blob);
			link.download = `register-${new Date().toISOString().slice(0, 10)}.json`;
			link.hidden = false;
			announce(`Exported ${JSON.parse(doc.payload).count} entries, signed.`);
		}, { errorSlot: exportError }), ' ', link, exportError,
		importForm, outcome);
}

async function home(main, ctx) {
	const can = (p) => ctx.session.can(p);
	add(main, h('h1', {}, 'Stalkers register'),
		h('p', { class: 'hint' }, 'Shared by every force on this Vigil. Every search and every view is audited with its purpose.'),
		can('register:read') ? searchForm(ctx) : null,
		can('audit:read') ? h('p', {}, h('a', { href: '#/register/oversight' }, 'Oversight: who of your force searched and viewed the register, and why')) : null,
		can('register:manage') ? [enterForm(ctx), exchange()] : null,
		can('people:search') ? peopleSearch() : null);
}

/* ---- one entry ------------------------------------------------------------------------ */

function askPurpose(main, id, ctx) {
	const purpose = input('purpose', { autocomplete: 'off' });
	add(main, h('p', {}, h('a', { href: '#/register' }, '← The register')), h('h1', {}, `Register entry ${id}`),
		onSubmit(h('form', { class: 'card', 'aria-label': 'Purpose of the view' },
			field('Why do you open this entry?', purpose, { name: 'purpose', required: 'State the purpose: it is audited.', check: purposeCheck }),
			formError(), h('button', { type: 'submit', class: 'primary' }, 'Open the entry')), () => {
			ctx.navigate(`#/register/${id}${qs({ purpose: purpose.value.trim() })}`);
		}));
}

async function entryPage(main, ctx, id) {
	const purpose = ctx.query.get('purpose');
	if (!purpose) return askPurpose(main, id, ctx);
	const e = await api.get(`/api/v1/register/${enc(id)}${qs({ purpose })}`);
	const me = ctx.session.me.user.username;
	const reload = () => ctx.navigate(location.hash);
	const facts = (pairs) => h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
	add(main, h('p', {}, h('a', { href: '#/register' }, '← The register')),
		h('div', { class: 'page-head' }, h('h1', {}, `Register: ${e.name}`),
			h('span', {}, e.status === 'removed' ? h('span', { class: 'badge' }, 'removed') : e.overdue ? h('span', { class: 'badge overdue' }, 'review overdue') : h('span', { class: 'badge' }, 'active'))),
		h('p', { class: 'hint' }, `Opened for: ${purpose} (audited).`),
		h('div', { class: 'side-by-side' },
			h('div', { class: 'card' }, h('h2', {}, 'The person'), facts([
				['Name', e.name], e.dob && ['Date of birth', fmtDay(e.dob)],
				['Other names', e.aliases.length ? e.aliases.join(', ') : h('span', { class: 'muted' }, 'none')],
				['Identifiers', e.identifiers.length ? h('ul', {}, e.identifiers.map((i) => h('li', {}, `${label('identifier_kinds', i.kind)}: ${i.value}`))) : h('span', { class: 'muted' }, 'none')],
			])),
			h('div', { class: 'card' }, h('h2', {}, 'The entry'), facts([
				['Lawful basis', `${label('register_bases', e.basis)}: ${e.basis_ref}`],
				['Category', label('register_categories', e.category)],
				['Level of management', String(e.level)],
				['Responsible officer', `${e.responsible.name} (${e.responsible.agency})`],
				['Next review', [timeEl(e.next_review_at), e.overdue ? ' — overdue' : '']],
				e.retain_until && ['Kept until', timeEl(e.retain_until)],
				['Entered by', `${e.agency}, `, timeEl(e.entered_at)],
				e.origin && ['Imported from', `${e.origin.vigil} (ask ${e.origin.officer || 'its officer'})`],
				['Cases', e.cases.length ? h('ul', {}, e.cases.map((c) => h('li', {}, c.visible ? h('a', { href: `#/cases/${enc(c.ref)}` }, c.ref) : 'a case you may not see'))) : h('span', { class: 'muted' }, 'none linked')],
				['Victims', String(e.victims)],
			]))),
		recognitions(e, me, reload),
		ctx.session.can('register:manage') && e.status === 'active' ? decisions(e, reload) : null,
		h('section', { class: 'card' }, h('h2', {}, 'History'),
			h('table', {}, h('caption', { class: 'sr-only' }, 'Every decision on the entry'),
				h('thead', {}, h('tr', {}, ['Version', 'When', 'By', 'Decision', 'Reason'].map((t) => h('th', { scope: 'col' }, t)))),
				h('tbody', {}, e.history.map((x) => h('tr', { 'data-action': x.action }, h('td', {}, String(x.version)), h('td', {}, timeEl(x.at)), h('td', {}, x.by || ''), h('td', {}, x.action), h('td', {}, x.reason || '')))))));
}

function recognitions(e, me, reload) {
	if (!e.recognitions || !e.recognitions.length) return null;
	return h('section', { class: 'card', id: 'entry-recognitions' }, h('h2', {}, 'New cases he was recognised in'),
		h('ul', {}, e.recognitions.map((m) => h('li', { 'data-match': m.id },
			m.case ? h('a', { href: `#/cases/${enc(m.case.ref)}` }, m.case.ref) : `A case of ${m.agency}`,
			` — ask ${m.ask.name}; found `, timeEl(m.found_at),
			m.told_at ? [', acknowledged ', timeEl(m.told_at)] : e.responsible.username === me
				? [' ', actionButton('Acknowledge', async () => {
					await api.post(`/api/v1/register/matches/${m.id}/acknowledge`, {});
					announce('Acknowledged.');
					reload();
				}, { label: `Acknowledge the new case of ${m.agency} (recognition ${m.id})` })] : ' — not yet acknowledged by his officer'))));
}

function decisions(e, reload) {
	const review = input('next_review_at', { type: 'date', value: dayAhead(90) });
	const level = select('level', [['1', 'Level 1: single agency'], ['2', 'Level 2: multi-agency'], ['3', 'Level 3: senior multi-agency']], { value: String(e.level) });
	const why = textarea('reason', { rows: 2 });
	const reviewForm = onSubmit(h('form', { 'aria-label': 'Review the entry' }, h('h3', {}, 'Review'),
		h('div', { class: 'row' }, field('Next review', review, { name: 'next_review_at', required: 'Choose the date of the next review.', check: future('The next review') }),
			field('Level of management', level, { name: 'level' })),
		field('Reason', why, { name: 'reason', required: 'Give the reason for the review’s decision.', check: purposeCheck }),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Record the review')), async () => {
		await api.post(`/api/v1/register/${e.id}/review`, { version: e.version, next_review_at: review.value, level: Number(level.value), reason: why.value.trim() });
		announce('Review recorded.');
		reload();
	});
	const ids = idFields('add.');
	const idForm = onSubmit(h('form', { 'aria-label': 'Add identifiers to the entry' }, h('h3', {}, 'Add identifiers'),
		h('div', { class: 'row' }, ids.slice(0, 3).map((x) => x.field)), h('div', { class: 'row' }, ids.slice(3).map((x) => x.field)),
		formError(), h('button', { type: 'submit', class: 'secondary' }, 'Add')), async () => {
		await api.post(`/api/v1/register/${e.id}/identifiers`, { version: e.version, identifiers: collectIds(ids) });
		announce('Identifiers added.');
		reload();
	});
	const removeWhy = textarea('reason', { rows: 2 });
	const removeForm = onSubmit(h('form', { 'aria-label': 'Remove the entry' }, h('h3', {}, 'Remove from the register'),
		h('p', { class: 'hint' }, 'A removed entry is purged, with its history, at the next retention sweep.'),
		field('Reason for removal', removeWhy, { name: 'reason', required: 'Give the reason for removing him.', check: purposeCheck }),
		formError(), h('button', { type: 'submit', class: 'danger' }, 'Remove')), async () => {
		await api.post(`/api/v1/register/${e.id}/removal`, { version: e.version, reason: removeWhy.value.trim() });
		announce('Removed from the register.');
		reload();
	});
	return h('section', { class: 'card', 'aria-label': 'Decisions' }, h('h2', {}, 'Decisions'), reviewForm, idForm, removeForm);
}

/* ---- oversight ------------------------------------------------------------------------- */

async function oversight(main, ctx) {
	const from = ctx.query.get('from') || '';
	const r = await api.get('/api/v1/register/oversight' + qs({ from }));
	const users = Object.entries(r.by_user);
	add(main, h('p', {}, h('a', { href: '#/register' }, '← The register')),
		h('h1', {}, 'Register oversight'),
		h('p', {}, `${r.count} searches and views of the register by the staff of ${r.agency}`, from ? ' since ' : '', from ? timeEl(r.from) : '', '. Queries are kept as a keyed hash of what was typed, never as typed.'),
		h('section', { class: 'card' }, h('h2', {}, 'By person'),
			h('table', { id: 'oversight-users' }, h('caption', { class: 'sr-only' }, 'Searches and views per person'),
				h('thead', {}, h('tr', {}, ['Who', 'Force', 'Searches', 'Views', 'Other'].map((t) => h('th', { scope: 'col' }, t)))),
				h('tbody', {}, users.map(([u, x]) => h('tr', { 'data-user': u }, h('th', { scope: 'row' }, u), h('td', {}, x.agency || ''), h('td', {}, String(x.searches)), h('td', {}, String(x.views)), h('td', {}, String(x.other))))))),
		h('section', { class: 'card' }, h('h2', {}, 'Every search and view'),
			h('table', { id: 'oversight-accesses' }, h('caption', { class: 'sr-only' }, 'Every search and view of the register'),
				h('thead', {}, h('tr', {}, ['When', 'Who', 'What', 'Purpose', 'Found'].map((t) => h('th', { scope: 'col' }, t)))),
				h('tbody', {}, r.accesses.map((a) => h('tr', { 'data-action': a.action },
					h('td', {}, timeEl(a.at)), h('td', {}, `${a.user} (${a.agency || ''})`),
					h('td', {}, a.action === 'view' ? `viewed entry ${a.entry_id ?? '(purged)'}` : a.query_kind ? `searched by ${label('identifier_kinds', a.query_kind) || a.query_kind} (hash ${a.query_hash.slice(0, 12)}…)` : 'listed the register'),
					h('td', {}, a.purpose), h('td', {}, String(a.results))))))));
}
