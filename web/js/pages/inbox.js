// My work: everything due to her (GET /api/v1/inbox), overdue first, each
// item a link to the form that completes it; a supervisor may look at her
// team's work instead, each item naming whom it is due to.
import { api } from '../api.js';
import { add, clear, fmtTime, h, localise, timeEl } from '../dom.js';
import { label, lower } from '../vocab.js';

const enc = encodeURIComponent;

/** What an item asks, in words, and where its form is. */
export function describe(i) {
	const ref = i.case ? i.case.ref : '';
	const at = (tab, q = '') => `#/cases/${enc(ref)}/${tab}${q ? '?' + q : ''}`;
	switch (i.kind) {
	case 'screening': return { text: 'Screen the report (FOUR)', href: at('summary', 'do=screening') };
	case 'assessment': return { text: 'Assess the risk', href: at('assessment') };
	case 'plan': return { text: 'Make the risk management plan', href: at('plan', 'do=plan') };
	case 'plan_action': return { text: `Plan action: ${i.what}`, sub: label('plan_categories', i.detail), href: at('plan', `action=${i.id}`) };
	case 'review': return { text: 'Review the plan', href: at('plan', 'do=review') };
	case 'notify_victim': return { text: `Tell her: ${lower('notify_events', i.what)}`, sub: i.detail, href: at('contact', `task=${i.id}`) };
	case 'contact': return { text: 'Contact her: her regular contact is due', href: at('contact', 'do=contact') };
	case 'advocacy_referral': return { text: 'High risk: offer her an advocate', href: at('contact', 'do=referral') };
	case 'signoff': return { text: 'Sign off the classification (FOUR says stalking)', sub: i.detail, href: at('summary', 'do=signoff') };
	case 'order_service': return { text: `Serve the ${lower('order_kinds', i.what)} on him`, sub: i.detail ? `reference ${i.detail}` : null, href: at('orders', `order=${i.id}&do=serve`) };
	case 'duty_to_notify': return { text: 'He has not notified his name and address: record when he does', sub: i.detail, href: at('orders', `order=${i.order_id}&do=notified`) };
	case 'crime_record': return { text: 'Record the breach as a crime', sub: i.detail, href: at('orders', `breach=${i.breach_id}`) };
	case 'alert': return { text: `Alert: ${lower('alert_kinds', i.what)} (${i.detail})`, href: `#/desk/${i.id}` };
	case 'locked_account': return { text: `Account ${i.what} is locked after failed sign-ins`, sub: i.detail, href: `#/admin?user=${enc(i.what)}` };
	case 'programme_referral': return { text: i.what === 'waiting' ? 'A place in the programme is free: offer it to him' : i.what === 'eligible' ? 'Enrol him in the programme, or put him on the waiting list' : 'Screen a referral to the programme', sub: i.detail === 'self' ? 'he asked for it himself' : null, href: at('programme', `referral=${i.id}`) };
	case 'session_missed': return { text: 'He missed a programme session: follow it up', href: at('programme', `session=${i.id}`) };
	case 'register_review': return { text: `Review the register entry of ${i.what}`, sub: label('register_categories', i.detail), href: `#/register/${i.id}?purpose=${enc('responsible officer: review due')}` };
	case 'register_match': return { text: `${i.what}, on the register, is the suspect of a new case`, sub: `new case in ${i.detail}`, href: `#/register/${i.entry_id}?purpose=${enc('responsible officer: told of a new case')}` };
	case 'recognition': return { text: i.detail === 'register' ? 'The suspect is on the stalkers register' : 'The suspect is known in another case', sub: 'open it to see what matched, or whom to ask', href: at('summary', 'do=recognition') };
	case 'grant_offer': return { text: `${i.detail} offers your centre the monitoring of its cases`, href: `#/admin?grant=${i.id}` };
	default: return { text: label('inbox_kinds', i.kind), href: ref ? at('summary') : '#/work' };
	}
}

function when(i) {
	if (!i.due_at) return h('span', { class: 'when muted' }, 'as soon as you can');
	return h('span', { class: `when${i.overdue ? ' overdue' : ''}` }, i.overdue ? 'overdue since ' : 'due ', timeEl(i.due_at));
}

export async function render(main, ctx) {
	const team = ctx.query.get('scope') === 'team' && ctx.session.can('cases:signoff');
	const box = await api.get(`/api/v1/inbox${team ? '?scope=team' : ''}`);
	const overdue = box.items.filter((i) => i.overdue);
	const dated = box.items.filter((i) => !i.overdue && i.due_at);
	const rest = box.items.filter((i) => !i.due_at);
	const list = (items, caption) => items.length ? [h('h2', {}, caption, ` (${items.length})`), h('ul', { class: 'work-list' }, items.map((i) => {
		const d = describe(i);
		return h('li', { class: i.overdue ? 'is-overdue' : i.due_at ? 'is-due' : '', 'data-kind': i.kind, 'data-item': `${i.kind}:${i.id}:${i.case ? i.case.ref : ''}` },
			h('a', { class: 'what', href: d.href }, d.text, i.case ? ` — ${i.case.ref}` : ''),
			when(i),
			d.sub ? h('span', { class: 'hint' }, localise(d.sub)) : null,
			team && i.due_to ? h('span', {}, `for ${i.due_to}`) : null);
	}))] : null;
	add(main,
		h('div', { class: 'page-head' }, h('h1', {}, team ? 'My team’s work' : 'My work'),
			ctx.session.can('cases:signoff') ? h('p', {}, team ? h('a', { href: '#/work' }, 'Show my own work') : h('a', { href: '#/work?scope=team' }, 'Show my team’s work')) : null),
		h('p', { role: 'status' }, box.counts.total ? `${box.counts.total} item${box.counts.total === 1 ? '' : 's'}, ${box.counts.overdue} overdue, as at ${fmtTime(box.at)}.` : 'Nothing is waiting for you.'),
		list(overdue, 'Overdue'),
		list(dated, 'Coming due'),
		list(rest, 'To do'));
	if (!box.items.length) add(main, h('p', { class: 'muted' }, team ? 'Nothing is due on your team’s cases.' : 'When something is yours to do — a plan action, a review, telling her of an event, an alert — it appears here.'));
	return () => clear(main);
}
