// Requests for help (the public page's, GET /api/v1/help-requests): new
// first, the oldest of them first; each can be accepted as a case (the case
// it was recorded as), answered (what she was told), or passed to a partner.
import { api } from '../api.js';
import { add, announce, badge, choice, clear, field, formError, h, onSubmit, select, textarea, timeEl } from '../dom.js';

const FOUR = [['fixated', 'Fixated'], ['obsessive', 'Obsessive'], ['unwanted', 'Unwanted'], ['repeated', 'Repeated']];
const ANSWER = { yes: 'yes', no: 'no', not_sure: 'not sure' };
const OUTCOME = { accepted: 'accepted as a case', answered: 'answered', passed: 'passed to a partner' };

function decideForm(r, agencies, done) {
	const box = formError();
	const caseField = field('The case it was recorded as', h('input', { type: 'text', name: 'case', placeholder: 'STAC-2026-000123' }), { name: 'case', hint: h('span', {}, 'Or ', h('a', { href: `#/cases/new?help=${r.id}` }, `record request ${r.id} as a new case`), ' (it is accepted as that case).') });
	const agencyField = field('The partner it is passed to', select('agency', agencies.map((a) => [a.code, a.name]), { blank: 'Choose a partner' }), { name: 'agency' });
	const noteField = field('Note', textarea('note', { maxlength: 2000 }), { name: 'note', hint: 'What she was told and how, or why it was passed on.' });
	const outcome = choice('What did you do?', 'outcome', [['accepted', 'Accept it as a case'], ['answered', 'Answer it'], ['passed', 'Pass it to a partner']], { required: 'Choose what you did.' });
	const f = h('form', { class: 'decide', 'aria-label': `Decide request ${r.id}` }, box, outcome, caseField, agencyField, noteField,
		h('button', { type: 'submit', 'aria-label': `Save the decision on request ${r.id}` }, 'Save the decision'));
	const show = () => {
		const o = outcome.value();
		caseField.hidden = o !== 'accepted';
		agencyField.hidden = o !== 'passed';
		f.elements.case.dataset.required = o === 'accepted' ? 'Name the case it was recorded as.' : '';
		if (o !== 'accepted') delete f.elements.case.dataset.required;
		if (o === 'passed') f.elements.agency.dataset.required = 'Choose the partner.';
		else delete f.elements.agency.dataset.required;
		if (o === 'answered') f.elements.note.dataset.required = 'Say what she was told, and how.';
		else delete f.elements.note.dataset.required;
	};
	outcome.addEventListener('change', show);
	show();
	onSubmit(f, async () => {
		const o = outcome.value();
		const body = { outcome: o, version: r.version };
		if (o === 'accepted') body.case = f.elements.case.value.trim();
		if (o === 'passed') body.agency = f.elements.agency.value;
		const note = f.elements.note.value.trim();
		if (note) body.note = note;
		await api.post(`/api/v1/help-requests/${r.id}/decide`, body);
		announce(`Request ${r.id} ${OUTCOME[o]}`);
		await done();
	});
	return f;
}

function item(r, agencies, done) {
	return h('li', { class: 'card help-request', 'data-request': r.id, 'data-state': r.state },
		h('h2', {}, `Request ${r.id}: `, r.wants === 'report' ? 'reports being stalked' : 'asks for advice', ' ', badge(r.state, r.state === 'new' ? 'sev-high' : '')),
		h('p', { class: 'muted' }, 'Received ', timeEl(r.received_at)),
		h('dl', { class: 'facts' }, FOUR.map(([k, l]) => [h('dt', {}, l), h('dd', {}, ANSWER[r.four[k]])])),
		h('h3', {}, 'What she wrote'), h('p', { class: 'story' }, r.story),
		h('dl', { class: 'facts' }, h('dt', {}, 'How to reach her'), h('dd', {}, r.contact || h('span', { class: 'muted' }, 'no way given')),
			h('dt', {}, 'Safe times'), h('dd', {}, r.safe_times || h('span', { class: 'muted' }, 'not said'))),
		r.state === 'new' ? decideForm(r, agencies, done)
			: h('p', {}, `${OUTCOME[r.state]}${r.case ? ` (${r.case})` : ''}${r.agency ? ` (${r.agency})` : ''} by ${r.handled_by}, `, timeEl(r.handled_at), r.outcome_note ? `: ${r.outcome_note}` : ''));
}

export async function render(main, ctx) {
	const list = h('ul', { class: 'plain-list' });
	const status = h('p', { role: 'status' });
	const agencies = await api.get('/api/v1/agencies').then((a) => a.agencies || a, () => []);
	const load = async () => {
		const q = await api.get('/api/v1/help-requests');
		status.textContent = q.waiting ? `${q.waiting} request${q.waiting === 1 ? '' : 's'} waiting.` : 'No request is waiting.';
		clear(list, q.requests.map((r) => item(r, agencies, async () => {
			await load();
			ctx.refreshWork?.();
		})));
	};
	add(main, h('h1', {}, 'Requests for help'),
		h('p', {}, 'Sent from the public page (', h('a', { href: '/help/', target: '_blank', rel: 'noopener' }, '/help/'), ') by people who are not yet a case.'),
		status, list);
	await load();
}
