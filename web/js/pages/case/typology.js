// Typology: the decided type, its prompts and history; the typology aid
// (what is known of his motive → a proposal with its evidence) and the
// decision with its rationale.
import { api } from '../../api.js';
import { add, clear, field, formError, h, onSubmit, select, textarea, timeEl } from '../../dom.js';
import { label, options } from '../../vocab.js';
import { enc, facts, none, saved } from './common.js';

const MOTIVES = [
	['reconciliation_or_revenge', 'Seeks reconciliation or revenge after the relationship ended'],
	['believes_relationship', 'Believes in a relationship that does not exist'],
	['seeks_date_ignores_refusal', 'Seeks a date or relationship and does not accept no'],
	['grievance', 'Nurses a grievance or sense of injustice'],
	['sexual_covert_preparation', 'Sexual motive, covert watching or preparation'],
];

export async function render(panel, env) {
	const { c, can } = env;
	const t = await api.get(`/api/v1/cases/${enc(c.ref)}/typology`);
	const decided = t.typology ? (t.typology.typology || t.typology) : null;
	add(panel, h('div', { class: 'card' }, h('h2', {}, 'Typology'),
		facts([['Decided', decided ? label('typologies', decided) : none('not decided')]]),
		t.prompts && t.prompts.length ? h('ul', {}, t.prompts.map((p) => h('li', {}, p))) : null,
		t.history && t.history.length ? [h('h3', {}, 'History'), h('ul', {}, t.history.map((x) => h('li', {}, timeEl(x.decided_at || x.at), ` ${label('typologies', x.typology)}, decided by ${x.decided_by || x.by || ''}: ${x.rationale || ''}`)))] : null));
	if (!can('typology:write') || c.status === 'closed') return;
	const motiveEls = MOTIVES.map(([k, text]) => {
		const s = select(`motives.${k}`, [['yes', 'Yes'], ['no', 'No']], { blank: 'Not known' });
		return { k, s, el: field(text, s, { name: `motives.${k}` }) };
	});
	const proposalBox = h('div', { role: 'status' });
	let proposal = null;
	const decideType = select('typology', options('typologies'), { blank: 'Choose…' });
	const rationale = textarea('rationale');
	const aid = onSubmit(h('form', { class: 'card', 'aria-label': 'Typology aid' }, h('h2', {}, 'The typology aid'),
		h('p', { class: 'hint' }, 'Answer what is known of his motive; the aid proposes a type with its evidence. The decision is yours.'),
		motiveEls.map((m) => m.el), formError(), h('button', { type: 'submit', class: 'secondary' }, 'Ask the aid'), proposalBox), async () => {
		const motives = {};
		for (const m of motiveEls) motives[m.k] = m.s.value === 'yes' ? true : m.s.value === 'no' ? false : null;
		proposal = await api.post(`/api/v1/cases/${enc(c.ref)}/typology/suggest`, { motives });
		if (proposal.proposed) decideType.value = proposal.proposed;
		clear(proposalBox, h('h3', {}, 'Proposal: ', proposal.proposed ? label('typologies', proposal.proposed) : 'none (undetermined)'),
			h('p', { class: 'hint' }, proposal.rule),
			h('ul', {}, Object.entries(proposal.scores).map(([k, v]) => h('li', {}, `${label('typologies', k)}: ${v}`))),
			h('h3', {}, 'Evidence'),
			h('ul', {}, proposal.evidence.map((e) => h('li', {}, `${e.supports ? 'for' : 'against'} ${label('typologies', e.type)} (${e.weight}): ${e.fact}`))),
			proposal.prompts && proposal.prompts.length ? h('ul', {}, proposal.prompts.map((p) => h('li', {}, p))) : null);
	});
	const decide = onSubmit(h('form', { class: 'card', 'aria-label': 'Typology decision' }, h('h2', {}, 'Decision'),
		field('Typology', decideType, { name: 'typology', required: 'Choose the typology.' }),
		field('Rationale', rationale, { name: 'rationale', required: 'Give the rationale: the facts that decide it.' }), formError(),
		h('button', { type: 'submit', class: 'primary' }, 'Record typology')), async () => {
		await api.post(`/api/v1/cases/${enc(c.ref)}/typology`, { typology: decideType.value, rationale: rationale.value.trim(), ...(proposal ? { proposal } : {}) });
		saved(env, 'Typology recorded');
	});
	add(panel, aid, decide);
}
