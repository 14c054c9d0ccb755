// The programme (a trust's clinicians): the cohort — who is enrolled, with
// his attendance, the waiting list, the referrals to screen, the places —
// and the outcomes at 6, 12 and 24 months from enrolment beside comparable
// cases never in the programme (GET /api/v1/programme/outcomes: computed
// from the record, a window counted once it has closed).
import { api } from '../api.js';
import { add, clear, h, timeEl } from '../dom.js';

const enc = encodeURIComponent;
const pct = (r) => (r === null || r === undefined ? '—' : `${Math.round(r * 100)}%`);
const caseLink = (ref, tab = 'programme') => h('a', { href: `#/cases/${enc(ref)}/${tab}` }, ref);
const num = (v) => (v === null || v === undefined ? '—' : String(v));

function table(caption, head, rows) {
	return h('div', { class: 'table-wrap' }, h('table', {}, h('caption', {}, caption),
		h('thead', {}, h('tr', {}, head.map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, rows)));
}

export async function render(main) {
	const [cohort, outcomes] = await Promise.all([api.get('/api/v1/programme'), api.get('/api/v1/programme/outcomes')]);
	add(main, h('h1', {}, 'Programme'),
		h('p', { role: 'status' }, `${cohort.enrolled.length} of ${cohort.capacity} places taken; ${cohort.waiting.length} waiting; ${cohort.to_screen.length} referral${cohort.to_screen.length === 1 ? '' : 's'} to screen or place.`));
	add(main, h('h2', {}, 'Cohort'), cohort.enrolled.length ? table('Enrolled', ['Case', 'Since', 'Clinician', 'Attendance', 'Tag'],
		cohort.enrolled.map((x) => h('tr', { 'data-ref': x.ref }, h('td', {}, caseLink(x.ref)), h('td', {}, timeEl(x.since)), h('td', {}, x.clinician || ''),
			h('td', {}, `${pct(x.attendance_rate)} (${x.attended} of ${x.attended + x.missed})`), h('td', {}, x.tag_consent ? 'voluntary' : '—')))) : h('p', { class: 'muted' }, 'No one is enrolled.'));
	add(main, h('h2', {}, 'Waiting list'), cohort.waiting.length ? h('ol', {}, cohort.waiting.map((x) => h('li', {}, caseLink(x.ref), ' — waiting since ', timeEl(x.since))))
		: h('p', { class: 'muted' }, 'No one is waiting.'));
	add(main, h('h2', {}, 'Referrals'), cohort.to_screen.length ? h('ul', {}, cohort.to_screen.map((x) => h('li', {}, caseLink(x.ref), ` — ${x.status === 'referred' ? 'to screen' : 'eligible, to enrol'}, since `, timeEl(x.since))))
		: h('p', { class: 'muted' }, 'No referral is waiting.'));

	const measures = [['incidents', 'New incidents'], ['breaches', 'Breaches'], ['new_victims', 'New victims'], ['tag_alerts', 'Tag alerts']];
	add(main, h('h2', {}, 'Outcomes'), h('p', { class: 'hint' }, outcomes.method),
		table('Outcomes per person, the programme beside comparable cases', ['Months after', 'Group', 'People', ...measures.map(([, l]) => `${l} per person`)],
			outcomes.windows.flatMap((w) => [['programme', 'Programme'], ['comparison', 'Comparable cases']].map(([k, l]) =>
				h('tr', { 'data-window': `${w.months}:${k}` }, h('th', { scope: 'row' }, String(w.months)), h('td', {}, l), h('td', {}, String(w[k].people)),
					measures.map(([m]) => h('td', {}, num(w[k].per_person[m]))))))));
	return () => clear(main);
}
