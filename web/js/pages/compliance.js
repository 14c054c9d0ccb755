// Compliance (supervisors, analysts): the headline share of cases with a
// plan, the compliance lists, and charts (uPlot) of monthly volumes and plan
// coverage from the statistics API.
import uPlot from '/vendor/uplot/uPlot.esm.js';
import { api } from '../api.js';
import { add, clear, h, timeEl, words } from '../dom.js';
import { riskBadge } from './cases.js';

const LISTS = [
	['cases_without_plan', 'Cases without a plan', () => null],
	['actions_overdue', 'Plan actions overdue', (i) => `${i.action.description} (due ${new Date(i.action.due_at || 0).toLocaleDateString()})`],
	['reviews_overdue', 'Reviews overdue', (i) => ['review was due ', timeEl(i.review_due_at)]],
	['victims_not_contacted', 'Victims not contacted in time', (i) => ['last contact ', timeEl(i.last_contact_at)]],
	['notification_tasks_overdue', 'Victim notifications overdue', (i) => `${words(i.task.event)}: ${i.task.detail || ''}`],
	['breaches_without_crime_record', 'Breaches without a crime record', (i) => ['breach ', timeEl(i.breach.occurred_at)]],
	['high_risk_without_advocate', 'High risk without an advocate', () => null],
	['orders_ending', 'Orders ending soon', (i) => [`${words(i.order.kind)} ends `, timeEl(i.order.ends_at)]],
];

const pct = (x) => (x === null || x === undefined ? '—' : `${Math.round(x * 100)}%`);

export async function render(main) {
	const [c, stats] = await Promise.all([api.get('/api/v1/compliance'), api.get('/api/v1/stats')]);
	const hl = c.headline;
	add(main, h('h1', {}, 'Compliance'),
		h('p', {}, `Agency ${c.agency}, as at `, timeEl(c.at), '.'),
		h('div', { class: 'side-by-side' },
			h('div', { class: 'card', 'data-headline': 'share' }, h('h2', {}, 'Open cases with a plan'), h('p', { class: 'stat' }, pct(hl.share)), h('p', {}, `${hl.with_plan} of ${hl.open_cases} open cases`)),
			h('div', { class: 'card' }, h('h2', {}, 'By risk level'), h('table', {}, h('thead', {}, h('tr', {}, ['Level', 'Open', 'With a plan', 'Share'].map((t) => h('th', { scope: 'col' }, t)))),
				h('tbody', {}, Object.entries(hl.by_risk_level || {}).map(([k, v]) => h('tr', {}, h('td', {}, k === 'unassessed' ? 'not assessed' : riskBadge(k)), h('td', {}, v.open_cases), h('td', {}, v.with_plan), h('td', {}, pct(v.share)))))))),
		h('h2', {}, 'Monthly'),
		chartBox('Reports and breaches per month', 'chart-volumes'),
		chartBox('Plan coverage per month (share of open cases with a plan)', 'chart-coverage'),
		h('h2', {}, 'Lists'),
		...LISTS.map(([key, title, detail]) => {
			const l = c[key];
			return h('section', { class: 'card', 'data-list': key }, h('h3', {}, `${title}: ${l.count}`), l.items.length ? h('ul', {}, l.items.map((i) => h('li', {},
				h('a', { href: `#/cases/${encodeURIComponent(i.ref)}` }, i.ref), ' ', riskBadge(i.risk_level), ` ${words(i.status)}, ${i.owner} `, detail(i)))) : h('p', { class: 'muted' }, 'None.'),
				l.truncated ? h('p', { class: 'hint' }, 'More than shown.') : null);
		}));
	const months = stats.months;
	const x = months.map((m) => Date.parse(m.from) / 1000);
	const width = () => Math.min(main.clientWidth - 40, 1000);
	const plots = [
		new uPlot({ title: 'Reports and breaches', width: width(), height: 240, series: [{}, { label: 'Reports', stroke: '#0b3d91', width: 2 }, { label: 'Breaches', stroke: '#a50000', width: 2 }, { label: 'Orders granted', stroke: '#17652d', width: 2 }],
			scales: { x: { time: true } }, axes: [{}, { label: 'count' }] },
		[x, months.map((m) => m.reports), months.map((m) => m.breaches), months.map((m) => m.orders.grants)], document.getElementById('chart-volumes')),
		new uPlot({ title: 'Plan coverage', width: width(), height: 240, series: [{}, { label: 'With a plan (%)', stroke: '#0b3d91', width: 2, value: (u, v) => (v === null ? '—' : `${v}%`) }],
			scales: { x: { time: true }, y: { range: [0, 100] } }, axes: [{}, { label: '%' }] },
		[x, months.map((m) => (m.plan_coverage.share === null ? null : Math.round(m.plan_coverage.share * 100)))], document.getElementById('chart-coverage')),
	];
	const resize = () => plots.forEach((p) => p.setSize({ width: width(), height: 240 }));
	window.addEventListener('resize', resize);
	return () => {
		window.removeEventListener('resize', resize);
		plots.forEach((p) => p.destroy());
	};
}

function chartBox(label, id) {
	return h('figure', { class: 'chart', 'aria-label': label }, h('div', { id }), h('figcaption', { class: 'hint' }, label));
}
