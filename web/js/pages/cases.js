// Cases: the list with the cases API's filters and the compliance flags, and
// the form for a new case (intake).
import { api, qs } from '../api.js';
import { actionButton, add, badge, choice, clear, field, formError, h, input, onSubmit, select, showError, textarea, timeEl } from '../dom.js';
import { FOUR, label, options } from '../vocab.js';

export function riskBadge(level) {
	return level ? badge(label('risk_levels', level), `risk-${level}`) : h('span', { class: 'muted' }, 'not assessed');
}

export async function render(main, ctx) {
	if (ctx.params[0] === 'new') return newCase(main, ctx);
	const q = Object.fromEntries(new URLSearchParams(location.hash.split('?')[1] || ''));
	const filters = {
		status: select('status', options('statuses'), { value: q.status, blank: 'Any status' }),
		risk_level: select('risk_level', options('risk_levels'), { value: q.risk_level, blank: 'Any risk level' }),
		typology: select('typology', options('typologies'), { value: q.typology, blank: 'Any typology' }),
		classification: select('classification', options('classifications'), { value: q.classification, blank: 'Any classification' }),
		flag: select('flag', options('flags'), { value: q.flag, blank: 'Any flag' }),
		owner: input('owner', { value: q.owner || '', placeholder: 'username' }),
		created_from: h('input', { type: 'date', name: 'created_from', value: q.created_from || '' }),
		created_to: h('input', { type: 'date', name: 'created_to', value: q.created_to || '' }),
	};
	const form = h('form', { class: 'card filters', role: 'search', 'aria-label': 'Filter cases' },
		h('div', { class: 'row' },
			field('Status', filters.status, { name: 'status' }),
			field('Risk level', filters.risk_level, { name: 'risk_level' }),
			field('Typology', filters.typology, { name: 'typology' }),
			field('Classification', filters.classification, { name: 'classification' }),
			field('Compliance flag', filters.flag, { name: 'flag' }),
			field('Owner', filters.owner, { name: 'owner' }),
			field('Opened from', filters.created_from, { name: 'created_from' }),
			field('Opened before', filters.created_to, { name: 'created_to' })),
		formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Apply filters'), ' ',
		h('button', { type: 'button', class: 'secondary', onclick: () => ctx.navigate('#/cases') }, 'Clear'));
	const results = h('div', { class: 'table-wrap' });
	const more = h('p');
	add(main, 
		h('div', { class: 'page-head' }, h('h1', {}, 'Cases'),
			ctx.session.can('cases:create') ? h('a', { href: '#/cases/new', class: 'button primary' }, 'New case') : null),
		form, results, more);

	/* the form's values; dates are the user's local midnight, sent as RFC 3339 */
	const params = (forApi = true) => Object.fromEntries(Object.entries(filters).map(([k, el]) => {
		const v = el.value.trim();
		return [k, forApi && el.type === 'date' && v ? new Date(`${v}T00:00`).toISOString() : v];
	}));
	let rows = [];
	async function load(cursor) {
		const res = await api.get('/api/v1/cases' + qs({ ...params(), limit: 50, cursor }));
		rows = cursor ? rows.concat(res.cases) : res.cases;
		draw();
		const err = h('span', { class: 'form-error', role: 'alert' });
		clear(more, res.next_cursor ? [actionButton('Show more', () => load(res.next_cursor), { errorSlot: err }), ' ', err] : null);
	}
	function draw() {
		clear(results, rows.length ? h('table', {},
			h('caption', { class: 'sr-only' }, 'Cases'),
			h('thead', {}, h('tr', {}, ['Reference', 'Status', 'Risk', 'Typology', 'Summary', 'Owner', 'Flags', 'Opened'].map((t) => h('th', { scope: 'col' }, t)))),
			h('tbody', {}, rows.map((c) => h('tr', { 'data-ref': c.ref },
				h('td', {}, h('a', { href: `#/cases/${encodeURIComponent(c.ref)}` }, c.ref)),
				h('td', {}, label('statuses', c.status)),
				h('td', {}, riskBadge(c.risk_level)),
				h('td', {}, c.typology ? label('typologies', c.typology) : h('span', { class: 'muted' }, '—')),
				h('td', {}, c.summary),
				h('td', {}, c.owner),
				h('td', {}, c.flags.length ? c.flags.map((f) => badge(label('flags', f.flag).replace(/:.*/, ''), 'flag')) : h('span', { class: 'muted' }, 'none')),
				h('td', {}, timeEl(c.created_at)))))) : h('p', { class: 'muted' }, 'No cases match these filters.'));
	}
	onSubmit(form, async () => {
		history.replaceState(null, '', '#/cases' + qs(params(false)));
		await load();
	});
	try {
		await load();
	} catch (err) {
		showError(form, err);
	}
}

/** The intake form: who she is, who he is, how it came in, and the FOUR screening. */
function newCase(main, ctx) {
	if (!ctx.session.can('cases:create')) {
		add(main, h('h1', {}, 'New case'), h('p', {}, 'Your role does not create cases.'));
		return;
	}
	const el = {
		relationship: select('relationship', options('relationships'), { blank: 'Choose…' }),
		channel: select('channel', options('channels'), { blank: 'Choose…' }),
		summary: textarea('summary', { rows: 4 }),
		victim: input('victims[0].name', { autocomplete: 'off' }),
		phone: input('victims[0].phone', { autocomplete: 'off', inputmode: 'tel' }),
		suspect: input('suspect.name', { autocomplete: 'off' }),
		suspectDesc: input('suspect.description', { autocomplete: 'off' }),
	};
	/* the screening is optional now, but once begun all four are answered, each with a note */
	const begun = () => four.some((f) => f.fs.value() || f.note.value.trim());
	const four = FOUR.map(([key, text, question]) => {
		const fs = choice(`${text}: ${question}`, `four-${key}`, [['yes', 'Yes'], ['no', 'No']], { errorFor: `screening.${key}.answer` });
		const note = input(`screening.${key}.note`);
		fs.classList.add('four');
		add(fs, field(`What she said (${text.toLowerCase()})`, note, { name: `screening.${key}.note`, errorFor: `screening.${key}` }));
		fs._check = (v) => (begun() && !v ? `Answer “${text.toLowerCase()}” too: once the screening is begun, all four are answered.` : null);
		return { key, fs, note };
	});
	for (const f of four) {
		f.note.dataset.label = `What she said (${f.key})`;
		const check = () => (begun() && !f.note.value.trim() ? `Write what she said about it being ${f.key}.` : null);
		f.note._check = check;
		f.note._checkEmpty = true;
	}
	const form = h('form', { class: 'card', novalidate: true },
		h('h2', {}, 'The report'),
		h('div', { class: 'row' },
			field('Relationship of the suspect to the victim', el.relationship, { name: 'relationship', required: 'Choose how the suspect is related to her (unknown is a choice).' }),
			field('How the report came in', el.channel, { name: 'channel', required: 'Choose how the report came in.' })),
		field('Summary', el.summary, { name: 'summary', hint: 'What is happening, in a sentence or two', required: 'Say in a sentence or two what is happening.' }),
		h('h2', {}, 'Victim'),
		h('div', { class: 'row' },
			field('Victim’s name', el.victim, { name: 'victims[0].name', errorFor: 'victims[0]', required: 'Enter her name.' }),
			field('Victim’s phone (optional)', el.phone, { name: 'victims[0].identifiers', errorFor: 'victims[0].identifiers', check: (v) => (/^[+0-9 ()-]{6,20}$/.test(v) ? null : 'A phone number is digits, spaces and + ( ) -, e.g. 07700 900417.') })),
		h('h2', {}, 'Suspect'),
		h('div', { class: 'row' },
			field('Suspect’s name (if known)', el.suspect, { name: 'suspect.name', errorFor: 'suspect' }),
			field('Description (optional)', el.suspectDesc, { name: 'suspect.description' })),
		h('h2', {}, 'FOUR screening (optional now)'),
		h('p', { class: 'hint' }, 'Stalking is Fixated, Obsessive, Unwanted and Repeated. Answer all four to screen the case now, or leave them for later.'),
		h('div', { 'data-error-for': 'screening', class: 'field-error' }),
		four.map((f) => f.fs),
		formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Create case'));
	onSubmit(form, async () => {
		const victim = { name: el.victim.value.trim() || undefined };
		if (el.phone.value.trim()) victim.identifiers = [{ kind: 'phone', value: el.phone.value.trim() }];
		const body = {
			relationship: el.relationship.value || undefined,
			channel: el.channel.value || undefined,
			summary: el.summary.value.trim() || undefined,
			victims: [victim],
		};
		if (el.suspect.value.trim() || el.suspectDesc.value.trim())
			body.suspect = { name: el.suspect.value.trim() || undefined, description: el.suspectDesc.value.trim() || undefined };
		if (begun()) {
			body.screening = {};
			for (const f of four) body.screening[f.key] = { answer: f.fs.value() === 'yes', note: f.note.value.trim() };
		}
		const c = await api.post('/api/v1/cases', body);
		ctx.navigate(`#/cases/${encodeURIComponent(c.ref)}`);
	});
	add(main, h('p', {}, h('a', { href: '#/cases' }, '← All cases')), h('h1', {}, 'New case'), form);
	el.relationship.focus();
}
