// Cases: the list with the cases API's filters and the compliance flags, and
// the form for a new case (intake).
import { api, qs } from '../api.js';
import { add, badge, clear, field, formError, h, input, onSubmit, select, showError, textarea, timeEl, words } from '../dom.js';
import { CHANNELS, CLASSIFICATIONS, FLAGS, FOUR, RELATIONSHIPS, RISK_LEVELS, STATUSES, TYPOLOGIES } from '../vocab.js';

export function riskBadge(level) {
	return level ? badge(level, `risk-${level}`) : h('span', { class: 'muted' }, 'not assessed');
}

export async function render(main, ctx) {
	if (ctx.params[0] === 'new') return newCase(main, ctx);
	const q = Object.fromEntries(new URLSearchParams(location.hash.split('?')[1] || ''));
	const filters = {
		status: select('status', STATUSES, { value: q.status, blank: 'Any status' }),
		risk_level: select('risk_level', RISK_LEVELS, { value: q.risk_level, blank: 'Any risk level' }),
		typology: select('typology', TYPOLOGIES, { value: q.typology, blank: 'Any typology' }),
		classification: select('classification', CLASSIFICATIONS, { value: q.classification, blank: 'Any classification' }),
		flag: select('flag', FLAGS, { value: q.flag, blank: 'Any flag' }),
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
		clear(more, res.next_cursor ? h('button', { type: 'button', class: 'secondary', onclick: () => load(res.next_cursor).catch((e) => alert(e.message)) }, 'Show more') : null);
	}
	function draw() {
		clear(results, rows.length ? h('table', {},
			h('caption', { class: 'sr-only' }, 'Cases'),
			h('thead', {}, h('tr', {}, ['Reference', 'Status', 'Risk', 'Typology', 'Summary', 'Owner', 'Flags', 'Opened'].map((t) => h('th', { scope: 'col' }, t)))),
			h('tbody', {}, rows.map((c) => h('tr', { 'data-ref': c.ref },
				h('td', {}, h('a', { href: `#/cases/${encodeURIComponent(c.ref)}` }, c.ref)),
				h('td', {}, words(c.status)),
				h('td', {}, riskBadge(c.risk_level)),
				h('td', {}, words(c.typology) || h('span', { class: 'muted' }, '—')),
				h('td', {}, c.summary),
				h('td', {}, c.owner),
				h('td', {}, c.flags.length ? c.flags.map((f) => badge(f.flag, 'flag')) : h('span', { class: 'muted' }, 'none')),
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
		relationship: select('relationship', RELATIONSHIPS, { blank: 'Choose…' }),
		channel: select('channel', CHANNELS, { blank: 'Choose…' }),
		summary: textarea('summary', { rows: 4 }),
		victim: input('victims[0].name', { autocomplete: 'off' }),
		phone: input('victims[0].phone', { autocomplete: 'off', inputmode: 'tel' }),
		suspect: input('suspect.name', { autocomplete: 'off' }),
		suspectDesc: input('suspect.description', { autocomplete: 'off' }),
	};
	const four = FOUR.map(([key, label, question]) => {
		const yes = h('input', { type: 'radio', name: `four-${key}`, value: 'yes' });
		const no = h('input', { type: 'radio', name: `four-${key}`, value: 'no' });
		const note = input(`screening.${key}.note`);
		return {
			key, yes, no, note,
			el: h('fieldset', { class: 'four' }, h('legend', {}, `${label}: ${question}`),
				h('label', { class: 'inline' }, yes, 'Yes'), ' ', h('label', { class: 'inline' }, no, 'No'),
				h('p', { class: 'field-error', 'data-error-for': `screening.${key}.answer` }),
				field('What she said', note, { name: `screening.${key}.note`, errorFor: `screening.${key}` })),
		};
	});
	const form = h('form', { class: 'card', novalidate: true },
		h('h2', {}, 'The report'),
		h('div', { class: 'row' },
			field('Relationship of the suspect to the victim', el.relationship, { name: 'relationship' }),
			field('How the report came in', el.channel, { name: 'channel' })),
		field('Summary', el.summary, { name: 'summary', hint: 'What is happening, in a sentence or two' }),
		h('h2', {}, 'Victim'),
		h('div', { class: 'row' },
			field('Victim’s name', el.victim, { name: 'victims[0].name', errorFor: 'victims[0]' }),
			field('Victim’s phone (optional)', el.phone, { name: 'victims[0].identifiers', errorFor: 'victims[0].identifiers' })),
		h('h2', {}, 'Suspect'),
		h('div', { class: 'row' },
			field('Suspect’s name (if known)', el.suspect, { name: 'suspect.name', errorFor: 'suspect' }),
			field('Description (optional)', el.suspectDesc, { name: 'suspect.description' })),
		h('h2', {}, 'FOUR screening (optional now)'),
		h('p', { class: 'hint' }, 'Stalking is Fixated, Obsessive, Unwanted and Repeated. Answer all four to screen the case now, or leave them for later.'),
		h('div', { 'data-error-for': 'screening', class: 'field-error' }),
		four.map((f) => f.el),
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
		const answered = four.filter((f) => f.yes.checked || f.no.checked);
		if (answered.length) {
			body.screening = {};
			for (const f of four)
				body.screening[f.key] = { answer: f.yes.checked ? true : f.no.checked ? false : undefined, note: f.note.value.trim() || undefined };
		}
		const c = await api.post('/api/v1/cases', body);
		ctx.navigate(`#/cases/${encodeURIComponent(c.ref)}`);
	});
	add(main, h('p', {}, h('a', { href: '#/cases' }, '← All cases')), h('h1', {}, 'New case'), form);
	el.relationship.focus();
}
