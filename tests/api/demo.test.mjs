// `vigil serve --demo` (what `make run` starts) loads a caseload with cases in
// every state, consistent with the rules the API enforces, so that every list
// of the compliance view has something true in it; once per database.  The
// monitoring simulator (which adds its own case) is left off: its tests are in
// monitoring-*.test.mjs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Client, removeDir, seedDatabase, spawnServer, sqlite } from './lib/server.mjs';

let seeded;
let srv;
const pw = {};

async function login(user) {
	const c = new Client(srv.url);
	const res = await c.login(user, pw[user]);
	assert.equal(res.status, 200, res.text);
	return c;
}

before(async () => {
	seeded = await seedDatabase({ users: false });
	srv = await spawnServer(seeded.db, ['--demo', '--no-simulator'], { cwd: seeded.dir });
	for (const m of srv.stdout().matchAll(/^ {2}(\w+) +(\S+) +\(/gm)) pw[m[1]] = m[2];
	assert.ok(pw.supervisor && pw.officer && pw.advocate, srv.stdout());
});
after(async () => {
	if (srv && srv.child.exitCode === null) {
		srv.child.kill('SIGTERM');
		await srv.exited;
	}
	if (seeded) removeDir(seeded.dir);
});

describe('the demo caseload', () => {
	let cases;
	let supervisor;

	before(async () => {
		supervisor = await login('supervisor');
		const res = await supervisor.get('/api/v1/cases?limit=200');
		assert.equal(res.status, 200, res.text);
		cases = res.body.cases;
	});

	test('has cases in every state', () => {
		const states = new Set(cases.map((c) => c.status));
		assert.deepEqual([...states].sort(), ['assessed', 'closed', 'intake', 'managed', 'screened']);
		assert.equal(cases.length, 7);
	});

	test('every list of the compliance view has something in it', async () => {
		const res = await supervisor.get('/api/v1/compliance');
		assert.equal(res.status, 200, res.text);
		for (const list of ['cases_without_plan', 'actions_overdue', 'reviews_overdue', 'victims_not_contacted',
			'notification_tasks_overdue', 'breaches_without_crime_record', 'high_risk_without_advocate', 'orders_ending'])
			assert.ok(res.body[list].count >= 1, `${list} is empty`);
		const h = res.body.headline;
		assert.equal(h.open_cases, 6);
		assert.equal(h.with_plan, 4);
		assert.ok(h.by_risk_level.high.open_cases >= 2);
	});

	test('its statistics, worked out by hand: reports and first assessments by month, the time between, plan coverage that adds up to the headline', async () => {
		const H = 3600e3;
		const D = 24 * H;
		const now = Date.now();
		const month = (ms) => new Date(ms).toISOString().slice(0, 7);
		// [reported hours ago, first assessed hours ago (null: never), closed]: src/cli/demo_cases.c
		const demo = [[12, null, false], [72, null, false], [7 * 24, 6 * 24, false], [72 * 24, 70 * 24, false],
			[42 * 24, 40 * 24, false], [93 * 24, 90 * 24, true], [60, 48, false]];
		const res = await supervisor.get(`/api/v1/stats?from=${new Date(now - 100 * D).toISOString().slice(0, 10)}`);
		assert.equal(res.status, 200, res.text);
		const months = res.body.months;
		for (const m of months) {
			const reported = demo.filter(([r]) => month(now - r * H) === m.month);
			assert.equal(m.reports, reported.length, `${m.month} reports`);
			assert.equal(m.plan_coverage.open_cases, reported.filter(([, , closed]) => !closed).length, `${m.month} open`);
			const gaps = demo.filter(([, a]) => a !== null && month(now - a * H) === m.month).map(([r, a]) => r - a).sort((x, y) => x - y);
			assert.equal(m.report_to_assessment.cases, gaps.length, `${m.month} assessed`);
			assert.equal(m.report_to_assessment.assessed_before_report, 0);
			if (!gaps.length) {
				assert.equal(m.report_to_assessment.median_hours, null);
				continue;
			}
			const median = gaps.length % 2 ? gaps[(gaps.length - 1) / 2] : (gaps[gaps.length / 2 - 1] + gaps[gaps.length / 2]) / 2;
			const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
			assert.ok(Math.abs(m.report_to_assessment.median_hours - median) < 0.01, `${m.month}: median ${m.report_to_assessment.median_hours} h, by hand ${median} h`);
			assert.ok(Math.abs(m.report_to_assessment.mean_hours - mean) < 0.01, `${m.month}: mean ${m.report_to_assessment.mean_hours} h, by hand ${mean} h`);
			assert.ok(m.report_to_assessment.median_hours > 0, 'never a negative time');
		}
		// the five first assessments: 24, 48, 48, 72 and 12 hours after the report
		assert.equal(months.reduce((n, m) => n + m.report_to_assessment.cases, 0), 5);
		// every case reported in the range: the months add up to the headline, 4 of 6
		const h = (await supervisor.get('/api/v1/compliance')).body.headline;
		assert.equal(months.reduce((n, m) => n + m.plan_coverage.open_cases, 0), h.open_cases);
		assert.equal(months.reduce((n, m) => n + m.plan_coverage.with_plan, 0), h.with_plan);
		assert.equal(months.reduce((n, m) => n + m.reports, 0), 7);
	});

	test('each assessed or later case passed the gates: a plan with an owned, dated action; an advocate at high risk when assessed', async () => {
		for (const c of cases.filter((x) => ['assessed', 'managed', 'closed'].includes(x.status))) {
			const plan = (await supervisor.get(`/api/v1/cases/${c.ref}/plan`)).body;
			assert.ok(plan.version >= 2, `${c.ref} has a plan`);
			assert.ok(plan.actions.some((a) => a.owner && a.due_at && a.status !== 'not_done'), `${c.ref}: an owned, dated action`);
		}
		const closed = cases.find((c) => c.status === 'closed');
		const reviews = (await supervisor.get(`/api/v1/cases/${closed.ref}/reviews`)).body.reviews;
		assert.equal(reviews[0].kind, 'closing');
		assert.equal(reviews[0].outcome, 'convicted');
	});

	test('the high-risk assessed case: suggestions decided, an advocate who sees it, an SPO with its duty to notify missed', async () => {
		const high = cases.find((c) => c.status === 'assessed' && c.risk_level === 'high');
		const plan = (await supervisor.get(`/api/v1/cases/${high.ref}/plan`)).body;
		assert.equal(plan.assessed_gate.ready, true);
		assert.ok(plan.suggestions.some((s) => s.decision?.decision === 'rejected'));
		const advocate = await login('advocate');
		const care = await advocate.get(`/api/v1/cases/${high.ref}/victim-care`);
		assert.equal(care.status, 200, care.text);
		assert.equal(care.body.spoc, 'advocate');
		const tasks = (await supervisor.get(`/api/v1/cases/${high.ref}/tasks`)).body.tasks;
		assert.ok(tasks.some((t) => t.kind === 'duty_to_notify' && !t.done));
		const orders = (await supervisor.get(`/api/v1/cases/${high.ref}/orders`)).body.orders;
		assert.equal(orders[0].duty_to_notify.missed, true);
		assert.ok(orders[0].conditions.some((x) => x.kind === 'exclusion_zone' && x.zone.type === 'Point'));
	});

	test('the incident logs and the audit trail verify', async () => {
		for (const c of cases) {
			const v = await supervisor.get(`/api/v1/cases/${c.ref}/incidents/verify`);
			assert.equal(v.body.intact, true, `${c.ref}: ${v.text}`);
		}
		const audit = await supervisor.get('/api/v1/audit/verify');
		assert.equal(audit.body.intact, true, audit.text);
	});

	test('a second start does not load it again', async () => {
		srv.child.kill('SIGTERM');
		await srv.exited;
		srv = await spawnServer(seeded.db, ['--demo', '--no-simulator'], { cwd: seeded.dir });
		assert.doesNotMatch(srv.stdout(), /Loaded the demo data/);
		supervisor = await login('supervisor');
		assert.equal((await supervisor.get('/api/v1/cases?limit=200')).body.cases.length, 7);
	});

	test('demo accounts older than the caseload: it is not mixed into a database with cases of its own', async () => {
		srv.child.kill('SIGTERM');
		await srv.exited;
		sqlite(seeded.db, "DELETE FROM settings WHERE key = 'demo_caseload'");
		srv = await spawnServer(seeded.db, ['--demo', '--no-simulator'], { cwd: seeded.dir });
		assert.match(srv.stdout(), /has cases of its own; the demo caseload was not added/);
		supervisor = await login('supervisor');
		assert.equal((await supervisor.get('/api/v1/cases?limit=200')).body.cases.length, 7);
	});
});
