// Assessment: the case's assessments, newest first, and a new one on an
// instrument, the suggested level updating as she answers; professional
// judgement beside it.  A saved assessment shows at once.
import { api } from '../../api.js';
import { add, choice, clear, field, formError, h, input, onSubmit, select, textarea, timeEl } from '../../dom.js';
import { label, options } from '../../vocab.js';
import { riskBadge } from '../cases.js';
import { enc, none, saved } from './common.js';

/** The suggested level from a count_yes scoring, as the server computes it. */
export function suggestLevel(inst, answers) {
	if (!inst.scoring || inst.scoring.type !== 'count_yes') return null;
	const yes = Object.values(answers).filter((a) => a === 'yes').length;
	const band = inst.scoring.bands.find((b) => yes >= b.min && (b.max === undefined || yes <= b.max));
	return band ? { level: band.level, yes, visible_high: !!band.visible_high } : null;
}

export async function render(panel, env) {
	const { c, can } = env;
	const [{ instruments }, past] = await Promise.all([api.get('/api/v1/instruments'), api.get(`/api/v1/cases/${enc(c.ref)}/assessments`)]);
	const history = h('div', { class: 'card' }, h('h2', {}, 'Assessments'), (past.assessments || []).length
		? h('ul', {}, past.assessments.map((a) => h('li', { 'data-assessment': a.id }, timeEl(a.assessed_at), ` ${(instruments.find((i) => i.id === a.instrument) || { title: a.instrument }).title}: computed `, a.computed_level ? riskBadge(a.computed_level.level) : none('no level'),
			a.judged_level ? [' judged ', riskBadge(a.judged_level.level)] : '', a.final_level ? [' → in force ', riskBadge(a.final_level.level)] : '', ` by ${a.assessed_by}`)))
		: h('p', { class: 'muted' }, 'No assessment yet.'));
	if (!can('assessments:write') || c.status === 'closed') {
		add(panel, history);
		return;
	}
	const chooser = select('instrument', instruments.map((i) => [i.id, i.title]), { value: 'ric' });
	const formBox = h('div');
	add(panel, h('div', { class: 'card' }, h('h2', {}, 'New assessment'), field('Instrument', chooser, { name: 'instrument' }), formBox), history);
	const build = async () => {
		const inst = await api.get(`/api/v1/instruments/${enc(chooser.value)}`);
		clear(formBox, instrumentForm(c, inst, env));
	};
	chooser.addEventListener('change', build);
	await build();
}

function instrumentForm(c, inst, env) {
	const answers = {};
	const level = h('p', { class: 'suggested-level', role: 'status', 'aria-live': 'polite' });
	const updateLevel = () => {
		const s = suggestLevel(inst, answers);
		const answered = Object.keys(answers).length;
		if (s) clear(level, 'Suggested level: ', riskBadge(s.level), ` (${s.yes} yes of ${answered} answered, ${inst.items.length} items)`, s.visible_high ? ' — visible high risk' : '');
		else clear(level, inst.ratings ? 'Rate each item; the level is your judgement below.' : `${answered} of ${inst.items.length} answered. This instrument informs judgement; it does not compute a level.`);
	};
	const items = inst.items.map((it) => {
		const text = it.text || it.theme || it.id;
		if (inst.ratings) {
			const rating = select(`answers.${it.id}.rating`, inst.ratings.map((r) => [r, label('ratings', r)]), { blank: 'Choose…' });
			const reason = input(`answers.${it.id}.reason`);
			rating.addEventListener('change', () => {
				answers[it.id] = rating.value;
				updateLevel();
			});
			return { id: it.id, value: () => ({ rating: rating.value, reason: reason.value.trim() }),
				el: h('fieldset', {}, h('legend', {}, text), h('div', { class: 'row' },
					field('Rating', rating, { name: `answers.${it.id}.rating`, errorFor: `answers.${it.id}`, required: `Rate “${text}”.` }),
					field('Reason', reason, { name: `answers.${it.id}.reason`, required: `Give the reason for the rating of “${text}”.` }))) };
		}
		const fs = choice(text, `q-${it.id}`, (inst.answers || ['yes', 'no', 'unknown']).map((a) => [a, label('answers', a)]), { required: `Answer “${text}” (unknown is an answer).`, errorFor: `answers.${it.id}` });
		fs.addEventListener('change', () => {
			answers[it.id] = fs.value();
			updateLevel();
		});
		fs.classList.add('answer-row');
		return { id: it.id, value: () => fs.value(), el: fs };
	});
	const notes = textarea('notes');
	const jLevel = select('judgement.level', options('risk_levels'), { blank: 'No judgement: keep the computed level' });
	const jReason = textarea('judgement.reason', { rows: 2 });
	const marac = h('input', { type: 'checkbox', name: 'judgement.marac' });
	const form = onSubmit(h('form', { 'aria-label': inst.title }, level, h('p', { class: 'field-error', 'data-error-for': 'answers' }), items.map((i) => i.el),
		field('Notes', notes, { name: 'notes' }),
		h('fieldset', {}, h('legend', {}, 'Professional judgement (raises the level, never lowers it)'),
			field('Judged level', jLevel, { name: 'judgement.level', errorFor: 'judgement.level' }),
			field('Reason for the judgement', jReason, { name: 'judgement.reason', errorFor: 'judgement.reason', hint: 'Needed with a judged level' }),
			h('label', { class: 'inline' }, marac, 'Refer to MARAC on judgement'), h('p', { class: 'field-error', 'data-error-for': 'judgement.marac' })),
		h('p', { class: 'field-error', 'data-error-for': 'judgement' }),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Save assessment')), async () => {
		const body = { instrument: inst.id, answers: {} };
		for (const i of items) body.answers[i.id] = i.value();
		if (notes.value.trim()) body.notes = notes.value.trim();
		if (jLevel.value || jReason.value.trim() || marac.checked)
			body.judgement = { level: jLevel.value || undefined, reason: jReason.value.trim() || undefined, ...(marac.checked ? { marac: true } : {}) };
		const a = await api.post(`/api/v1/cases/${enc(c.ref)}/assessments`, body);
		saved(env, `Assessment saved: ${a.final_level ? label('risk_levels', a.final_level.level) : 'recorded'}${a.marac && a.marac.due ? '; MARAC referral due' : ''}${a.offer_screen ? '; now offer the stalking screen' : ''}`);
	});
	/* a judgement needs its reason */
	jLevel.addEventListener('change', () => {
		if (jLevel.value) jReason.dataset.required = 'Give the reason for your judgement.';
		else delete jReason.dataset.required;
	});
	updateLevel();
	return form;
}
