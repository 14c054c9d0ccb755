// The case workspace: one case in tabs — summary, timeline, incidents and
// evidence, assessment, typology, plan, orders, monitoring, victim contact —
// one module each under case/.  Each tab reads its own API and offers only
// what the role may do; a link from My work (?do=..., ?action=ID...) opens
// the tab at the form that completes the item.
import { api } from '../api.js';
import { add, badge, clear, h } from '../dom.js';
import { label } from '../vocab.js';
import { riskBadge } from './cases.js';

// Each tab is on a part of the case (docs/ACCESS.md, "Need to know within a
// case"): the case says which parts the viewer's role may read, and only
// those tabs are offered.
const TABS = [
	['summary', 'Summary', 'response'],
	['timeline', 'Timeline', 'file'],
	['incidents', 'Incidents and evidence', 'file'],
	['assessment', 'Assessment', 'file'],
	['typology', 'Typology', 'file'],
	['plan', 'Plan', 'file'],
	['orders', 'Orders and breaches', 'response'],
	['monitoring', 'Monitoring', 'response', 'devices:read'],
	['contact', 'Victim contact', 'victim_care'],
];

const enc = encodeURIComponent;

export async function render(main, ctx) {
	const ref = ctx.params[0];
	const can = (p) => ctx.session.can(p);
	let c;
	try {
		c = await api.get(`/api/v1/cases/${enc(ref)}`);
	} catch (err) {
		add(main, h('p', {}, h('a', { href: '#/cases' }, '← All cases')), h('h1', {}, ref), h('p', { class: 'form-error', role: 'alert' }, err.message));
		return;
	}
	const parts = (c.view && c.view.parts) || ['response', 'file', 'victim_care'];
	const tabs = TABS.filter(([, , part, perm]) => parts.includes(part) && (!perm || can(perm)));
	const tab = tabs.some(([t]) => t === ctx.params[1]) ? ctx.params[1] : 'summary';
	const panel = h('section', { id: 'tab-panel', 'aria-labelledby': `tab-${tab}` });
	add(main,
		h('p', {}, h('a', { href: '#/cases' }, '← All cases')),
		h('div', { class: 'page-head' }, h('h1', {}, `Case ${c.ref}`), h('span', {}, badge(label('statuses', c.status)), ' ', riskBadge(c.risk_level))),
		h('nav', { 'aria-label': 'Case sections' }, h('ul', { class: 'tabs' }, tabs.map(([t, text]) =>
			h('li', {}, h('a', { id: `tab-${t}`, href: `#/cases/${enc(c.ref)}/${t}`, 'aria-current': t === tab ? 'page' : null }, text))))),
		panel,
	);
	/* a save draws the tab again from the API (the query that opened a form
	 * is kept only while its item is still there to do) */
	const reload = () => ctx.navigate(location.hash);
	const env = { c, can, reload, ctx, query: ctx.query, me: ctx.session.me };
	try {
		const mod = await import(`./case/${tab}.js`);
		return await mod.render(panel, env);
	} catch (err) {
		/* a tab the role may not read (403) or a failed load: say so inside the tab */
		clear(panel, h('p', { class: 'form-error', role: 'alert' }, err.status === 403 ? `This part of the case is not open to your role: ${err.message}` : err.message));
		return null;
	}
}
