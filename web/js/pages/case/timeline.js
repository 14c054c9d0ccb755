// Timeline: incidents, case events and alerts in time order, each read as a
// sentence with the time in her zone (no raw codes: "spo_interim" is a
// Stalking Protection Order (interim), "order 6" is named by its kind).
import { api } from '../../api.js';
import { add, fmtTime, h, localise } from '../../dom.js';
import { label, lower, values } from '../../vocab.js';
import { enc } from './common.js';

/** The sentence for one timeline item; orders: id -> order, to name them. */
export function sentence(i, orders = new Map()) {
	const who = i.by ? i.by : 'Vigil';
	const s = i.summary || '';
	const orderName = (id) => {
		const o = orders.get(Number(id));
		return o ? `the ${lower('order_kinds', o.kind)}` : 'an order';
	};
	const named = (text) => localise(text).replace(/\border (\d+)\b/g, (_, id) => orderName(id));
	const arrow = s.match(/^(\w+) -> (\w+)$/);
	switch (i.kind) {
	case 'incident':
		return `${label('behaviours', i.behaviour)}${i.amends ? ` (amending incident ${i.amends})` : ''}: ${named(s)} — recorded by ${who} as incident ${i.seq}.`;
	case 'created': {
		const m = s.match(/^reported by (\w+); (\w+)$/);
		return m ? `${who} recorded the report, made by ${lower('channels', m[1])}; the suspect is ${lower('relationships', m[2])}.` : `${who} recorded the report.`;
	}
	case 'victim_recorded': return `${who} recorded the victim, ${s}.`;
	case 'suspect_recorded': return `${who} recorded the suspect, ${s}.`;
	case 'screened': return `${who} screened the report: ${s.replace(/^FOUR: /, 'FOUR says ')}.`;
	case 'status': return arrow ? `${who} moved the case from ${lower('statuses', arrow[1])} to ${lower('statuses', arrow[2])}.` : `${who} moved the case: ${s}.`;
	case 'assessed': return values('risk_levels').includes(s) ? `${who} assessed the risk: ${lower('risk_levels', s)}.` : `${who} recorded an assessment (${s}).`;
	case 'typology': return `${who} decided the typology: ${lower('typologies', s)}.`;
	case 'plan': return `${who} changed the plan (${s.replace(/^version (\d+): /, 'version $1: ')}).`;
	case 'classified': return `${who} classified the case: ${s.split(/, /).map((x) => x.replace(/^(\w+)$/, (w) => (/^\d/.test(w) ? w : lower('classifications', w)))).join(', ')}.`;
	case 'signed_off': return `${who} signed off the classification: ${s}.`;
	case 'flag_raised': return `The case was flagged: ${lower('flags', s)}.`;
	case 'flag_cleared': return `The flag “${lower('flags', s)}” was cleared.`;
	case 'reassigned': return `${who} reassigned the case to ${s.replace(/^owner /, '')}.`;
	case 'assigned': return `${who} assigned ${s} to the case.`;
	case 'referred': return `${who} shared the case with ${s.replace(/^to /, '')}.`;
	case 'referral_withdrawn': return `The case is no longer shared: ${s}.`;
	case 'programme_enrolled': return `${who} enrolled the suspect in the behaviour-change programme, ${s}.`;
	case 'order': {
		const m = s.match(/^order (\d+): (.*)$/);
		if (!m) return `${who} recorded an order: ${s}.`;
		const bits = m[2].split(', ').filter((b) => !values('order_kinds').includes(b)).map((b) =>
			values('order_statuses').includes(b) ? lower('order_statuses', b) : b === 'subject notified' ? 'he notified his name and address' : b === 'served' ? 'served on him' : b);
		return `${who} recorded ${orderName(m[1])}: ${bits.join(', ')}.`;
	}
	case 'breach': return `${who} recorded a breach: ${named(s)}.`;
	case 'breach_outcome': return `${who} recorded what came of the breach: ${lower('breach_outcomes', s)}.`;
	case 'duty_to_notify_missed': return `He did not notify his name and address in time: ${named(s)}.`;
	case 'task_opened': return `${who === 'Vigil' ? 'Vigil' : who} opened a task to tell her: ${lower('notify_events', s)}.`;
	case 'task_done': return `${who} completed a task: ${named(s)}.`;
	case 'victim_contact': return `${who} recorded a contact with her${s ? ` (${lower('contact_methods', s)})` : ''}.`;
	case 'victim_referral': return `${who} recorded a referral for her: ${lower('services', s)}.`;
	case 'spoc': return `${who} named her single point of contact: ${s}.`;
	case 'closing_review': return `${who} recorded the closing review: ${lower('closing_outcomes', s)}.`;
	case 'zone': return `${who} drew a zone, “${s}”.`;
	case 'monitoring_ended': return `${who} ended the watch of device ${s}.`;
	case 'attachment': return `${who} added the evidence file “${s}”.`;
	case 'alert': return `Alert: ${lower('alert_kinds', s)} (${i.severity}), now ${lower('alert_states', i.state)}.`;
	default: return `${who}: ${label('event_kinds', i.kind)}${s ? ` — ${named(s)}` : ''}.`;
	}
}

export async function render(panel, { c }) {
	const [t, orders] = await Promise.all([
		api.get(`/api/v1/cases/${enc(c.ref)}/timeline`),
		api.get(`/api/v1/cases/${enc(c.ref)}/orders`).then((r) => r.orders, () => []),
	]);
	const byId = new Map(orders.map((o) => [o.id, o]));
	add(panel, h('h2', {}, 'Timeline'),
		h('p', {}, t.incident_count === 1 ? '1 incident' : `${t.incident_count} incidents`, t.first_incident_at ? `, the first on ${fmtTime(t.first_incident_at)}` : '', '.'),
		h('ol', { class: 'timeline' }, t.items.map((i) => h('li', { 'data-kind': i.kind }, h('time', { datetime: i.at }, fmtTime(i.at)), ' ', h('span', {}, sentence(i, byId))))));
}
