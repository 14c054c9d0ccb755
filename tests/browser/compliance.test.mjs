// Compliance as a supervisor or analyst sees it: the headline share of open
// cases with a plan (as the API computes it), the compliance lists with their
// cases, and the uPlot charts of monthly volumes and plan coverage.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createCase, meetGates } from '../api/lib/casekit.mjs';
import { noErrors, shot, signedIn, startUi, stopUi } from './lib/browser.mjs';

let srv;
let browser;
let without;

before(async () => {
	({ srv, browser } = await startUi());
	const officer = await srv.login('officer');
	// three open cases: two with a plan, one without
	for (let i = 0; i < 2; i++) {
		const c = await createCase(officer);
		await meetGates(officer, c.ref, 'assessed');
	}
	without = (await createCase(officer)).ref;
});
after(() => stopUi({ srv, browser }));

describe('compliance', () => {
	test('the headline share, the lists and the charts, as the analyst sees them', async () => {
		const analyst = await srv.login('analyst');
		const api = (await analyst.get('/api/v1/compliance')).body;
		assert.equal(api.headline.open_cases, 3);
		assert.equal(api.headline.with_plan, 2);
		const page = await signedIn(browser, srv, 'analyst');
		await page.getByRole('link', { name: 'Compliance' }).click();
		await page.getByRole('heading', { name: 'Compliance' }).waitFor();
		assert.equal((await page.locator('[data-headline=share] .stat').textContent()).trim(), '67%');
		assert.match(await page.locator('[data-headline=share]').innerText(), /2 of 3 open cases/);
		const list = page.locator('[data-list=cases_without_plan]');
		assert.match(await list.locator('h3').textContent(), /Cases without a plan: 1/);
		await list.getByRole('link', { name: without }).waitFor();
		assert.equal(await page.locator('#chart-volumes canvas').count(), 1, 'the monthly volumes chart is drawn');
		assert.equal(await page.locator('#chart-coverage canvas').count(), 1, 'the plan coverage chart is drawn');
		await shot(page, 'compliance');
		// a case in a list opens its workspace
		await list.getByRole('link', { name: without }).click();
		await page.getByRole('heading', { name: `Case ${without}` }).waitFor();
		noErrors(page);
		await page.context().close();
	});
});
