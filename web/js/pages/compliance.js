// Compliance (supervisors, analysts): the headline share of open cases with a
// plan, the compliance lists, and the statistics for a range of months:
// charts (uPlot), the month-by-month breakdowns by typology and risk level,
// and the same figures as a CSV file to download.
import uPlot from '/vendor/uplot/uPlot.esm.js';
import { api, qs } from '../api.js';
import { add, clear, field, formError, h, onSubmit, timeEl } from '../dom.js';
import { label, options } from '../vocab.js';
import { riskBadge } from './cases.js';

const LISTS = [
	['cases_without_plan', 'Cases without a plan', () => null],
	['actions_overdue', 'Plan actions overdue', (i) => [`${i.action.description} (${i.action.owner || 'no owner'}, due `, timeEl(i.action.due_at), ')']],
	['reviews_overdue', 'Reviews overdue', (i) => ['review was due ', timeEl(i.review_due_at)]],
	['victims_not_contacted', 'Victims not contacted in time', (i) => (i.last_contact_at ? ['last contact ', timeEl(i.last_contact_at)] : 'never contacted')],
	['notification_tasks_overdue', 'Victim notifications overdue', (i) => `${label('notify_events', i.task.event)}: ${i.task.detail || ''}`],
	['breaches_without_crime_record', 'Breaches without a crime record', (i) => ['breach of ', timeEl(i.breach.occurred_at)]],
	['high_risk_without_advocate', 'High risk without an advocate', () => null],
	['orders_ending', 'Orders ending soon', (i) => [`${label('order_kinds', i.order.kind)} ends `, timeEl(i.order.ends_at)]],
];

const pct = (x) => (x === null || x === undefined ? '—' : `${Math.round(x * 100)}%`);
const hours = (x) => (x === null || x === undefined ? '—' : x < 48 ? `${x.toFixed(1)} h` : `${(x / 24).toFixed(1)} days`);

/* A month input's value ("2026-04") for a time. */
const monthOf = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;

export async function render(main, ctx) {
	const now = new Date();
	const from = ctx.query.get('from') || monthOf(new Date(now.getFullYear(), now.getMonth() - 11, 1));
	const to = ctx.query.get('to') || monthOf(now);
	/* the range is whole months in UTC, as the API counts them */
	const range = { from: `${from}-01`, to: new Date(Date.UTC(Number(to.slice(0, 4)), Number(to.slice(5, 7)), 1)).toISOString().slice(0, 10) };
	const [c, stats] = await Promise.all([api.get('/api/v1/compliance'), api.get('/api/v1/stats' + qs(range))]);
	const hl = c.headline;
	const fromEl = h('input', { type: 'month', name: 'from', value: from });
	const toEl = h('input', { type: 'month', name: 'to', value: to });
	const rangeForm = onSubmit(h('form', { class: 'card', 'aria-label': 'Months shown', role: 'search' }, h('h2', {}, 'Statistics'),
		h('div', { class: 'row' }, field('From (month)', fromEl, { name: 'from', required: 'Choose the first month.' }),
			field('To (month, included)', toEl, { name: 'to', required: 'Choose the last month.', check: (v) => (fromEl.value && v < fromEl.value ? 'The last month comes after the first.' : null) })),
		formError(), h('button', { type: 'submit', class: 'primary' }, 'Show these months'), ' ',
		h('a', { class: 'button secondary', href: '/api/v1/stats' + qs({ ...range, format: 'csv' }), download: '' }, 'Download these months as CSV')), async () => {
		/* the API checks the range (at most 36 months) */
		await api.get('/api/v1/stats' + qs({ from: `${fromEl.value}-01`, to: new Date(Date.UTC(Number(toEl.value.slice(0, 4)), Number(toEl.value.slice(5, 7)), 1)).toISOString().slice(0, 10) }));
		ctx.navigate(`#/compliance${qs({ from: fromEl.value, to: toEl.value })}`);
	});
	const months = stats.months;
	const sum = (f) => months.reduce((n, m) => n + f(m), 0);
	const types = [...options('typologies').map(([v, l]) => [v, l]), ['not_decided', 'Not decided']];
	const levels = [...options('risk_levels'), ['unassessed', 'Not assessed']];
	const cell = (v) => h('td', {}, String(v ?? 0));
	add(main, h('h1', {}, 'Compliance'),
		h('p', {}, `Agency ${c.agency}, as at `, timeEl(c.at), '.'),
		h('div', { class: 'side-by-side' },
			h('div', { class: 'card', 'data-headline': 'share' }, h('h2', {}, 'Open cases with a plan'), h('p', { class: 'stat' }, pct(hl.share)), h('p', {}, `${hl.with_plan} of ${hl.open_cases} open cases`)),
			h('div', { class: 'card' }, h('h2', {}, 'By risk level'), h('table', {}, h('caption', { class: 'sr-only' }, 'Open cases with a plan, by risk level'), h('thead', {}, h('tr', {}, ['Level', 'Open', 'With a plan', 'Share'].map((t) => h('th', { scope: 'col' }, t)))),
				h('tbody', {}, Object.entries(hl.by_risk_level || {}).map(([k, v]) => h('tr', {}, h('td', {}, k === 'unassessed' ? 'not assessed' : riskBadge(k)), h('td', {}, v.open_cases), h('td', {}, v.with_plan), h('td', {}, pct(v.share)))))))),
		rangeForm,
		h('p', { class: 'hint' }, `Plan coverage counts each month’s reports that are still open; the months add up to the headline when every open case was reported in the range (here ${sum((m) => m.plan_coverage.with_plan)} of ${sum((m) => m.plan_coverage.open_cases)}).`),
		chartBox('Reports, breaches and orders granted per month', 'chart-volumes'),
		chartBox('Plan coverage per month: the month’s reports still open that have a plan', 'chart-coverage'),
		h('h3', {}, 'Month by month'),
		h('div', { class: 'table-wrap' }, h('table', { class: 'stats' }, h('caption', { class: 'sr-only' }, 'Figures per month'),
			h('thead', {}, h('tr', {}, ['Month', 'Reports', 'Open with a plan', 'Orders applied', 'Orders granted', 'Breaches', 'First assessed', 'Median to assessment', 'Mean to assessment'].map((t) => h('th', { scope: 'col' }, t)))),
			h('tbody', {}, months.map((m) => h('tr', { 'data-month': m.month }, h('th', { scope: 'row' }, m.month), cell(m.reports),
				h('td', {}, `${m.plan_coverage.with_plan} of ${m.plan_coverage.open_cases}`, m.plan_coverage.share === null ? '' : ` (${pct(m.plan_coverage.share)})`),
				cell(m.orders.applications), cell(m.orders.grants), cell(m.breaches), cell(m.report_to_assessment.cases),
				h('td', {}, hours(m.report_to_assessment.median_hours)), h('td', {}, hours(m.report_to_assessment.mean_hours))))))),
		h('h3', {}, 'Reports by typology'),
		breakdown(months, types, 'by_typology', 'Reports by typology, per month'),
		h('h3', {}, 'Reports by risk level (as assessed now)'),
		breakdown(months, levels, 'by_risk_level', 'Reports by risk level, per month'),
		h('h2', {}, 'Lists'),
		...LISTS.map(([key, title, detail]) => {
			const l = c[key];
			return h('section', { class: 'card', 'data-list': key }, h('h3', {}, `${title}: ${l.count}`), l.items.length ? h('ul', {}, l.items.map((i) => h('li', {},
				h('a', { href: `#/cases/${encodeURIComponent(i.ref)}` }, i.ref), ' ', riskBadge(i.risk_level), ` ${label('statuses', i.status)}, ${i.owner} `, detail(i)))) : h('p', { class: 'muted' }, 'None.'),
			l.truncated ? h('p', { class: 'hint' }, 'More than shown.') : null);
		}));
	const x = months.map((m) => Date.parse(m.from) / 1000);
	const width = () => Math.max(280, Math.min(main.clientWidth - 40, 1000));
	const plots = [
		new uPlot({ title: 'Reports and breaches', width: width(), height: 240, series: [{}, { label: 'Reports', stroke: '#0b3d91', width: 2 }, { label: 'Breaches', stroke: '#a50000', width: 2 }, { label: 'Orders granted', stroke: '#17652d', width: 2 }],
			scales: { x: { time: true } }, axes: [{}, { label: 'count' }] },
		[x, months.map((m) => m.reports), months.map((m) => m.breaches), months.map((m) => m.orders.grants)], document.getElementById('chart-volumes')),
		new uPlot({ title: 'Plan coverage', width: width(), height: 240, series: [{}, { label: 'Open reports with a plan (%)', stroke: '#0b3d91', width: 2, value: (u, v) => (v === null ? '—' : `${v}%`) }],
			scales: { x: { time: true }, y: { range: [0, 100] } }, axes: [{}, { label: '%' }] },
		[x, months.map((m) => (m.plan_coverage.share === null ? null : Math.round(m.plan_coverage.share * 100)))], document.getElementById('chart-coverage')),
	];
	const resize = () => plots.forEach((p) => p.setSize({ width: width(), height: 240 }));
	window.addEventListener('resize', resize);
	return () => {
		window.removeEventListener('resize', resize);
		plots.forEach((p) => p.destroy());
		clear(main);
	};
}

function breakdown(months, cols, key, caption) {
	return h('div', { class: 'table-wrap' }, h('table', { class: 'stats', 'data-breakdown': key }, h('caption', { class: 'sr-only' }, caption),
		h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Month'), cols.map(([, l]) => h('th', { scope: 'col' }, l)))),
		h('tbody', {}, months.map((m) => h('tr', {}, h('th', { scope: 'row' }, m.month), cols.map(([v]) => h('td', {}, String(m[key][v] ?? 0))))))));
}

function chartBox(text, id) {
	return h('figure', { class: 'chart', 'aria-label': text, tabindex: '0' }, h('div', { id }), h('figcaption', { class: 'hint' }, text));
}
