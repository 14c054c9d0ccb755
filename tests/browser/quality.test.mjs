// The quality the issue asks of every page: a label on every field, text
// contrast of WCAG AA, a visible focus, keyboard operation, dates and times in
// the user's time zone with the zone shown, and layouts that fit a tablet.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createCase } from '../api/lib/casekit.mjs';
import { assertAccessible, launch, newPage, noErrors, shot, signIn, uiServer } from './lib/browser.mjs';

let srv;
let browser;
let ref;

const PAGES = [
	['supervisor', '#/work', 'My work'],
	['supervisor', '#/work?scope=team', 'My team’s work'],
	['supervisor', '#/desk', 'Alert desk'],
	['supervisor', '#/cases', 'Cases'],
	['supervisor', '#/cases/new', 'New case'],
	['supervisor', 'CASE/summary', 'Case'],
	['supervisor', 'CASE/timeline', 'Case'],
	['supervisor', 'CASE/incidents', 'Case'],
	['supervisor', 'CASE/assessment', 'Case'],
	['supervisor', 'CASE/typology', 'Case'],
	['supervisor', 'CASE/plan', 'Case'],
	['supervisor', 'CASE/orders', 'Case'],
	['supervisor', 'CASE/monitoring', 'Case'],
	['supervisor', 'CASE/contact', 'Case'],
	['supervisor', '#/devices', 'Devices'],
	['supervisor', '#/register', 'Register of suspects'],
	['supervisor', '#/compliance', 'Compliance'],
	['supervisor', '#/audit', 'Audit trail'],
	['admin', '#/work', 'My work'],
	['admin', '#/admin', 'Administration'],
	['admin', '#/audit', 'Audit trail'],
];

before(async () => {
	srv = await uiServer();
	browser = await launch();
	const officer = await srv.login('officer');
	ref = (await createCase(officer, { summary: 'He follows her to the station' })).ref;
});
after(async () => {
	if (browser) await browser.close();
	if (srv) assert.equal(await srv.stop(), 0);
});

/** In the page: controls without a label, and text below WCAG AA contrast. */
function audit() {
	const lum = (rgb) => {
		const c = rgb.map((v) => {
			v /= 255;
			return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
		});
		return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
	};
	const parse = (s) => {
		const m = s.match(/rgba?\(([^)]+)\)/);
		if (!m) return null;
		const p = m[1].split(',').map((x) => parseFloat(x));
		return { rgb: p.slice(0, 3), a: p.length > 3 ? p[3] : 1 };
	};
	const background = (el) => {
		for (let e = el; e; e = e.parentElement) {
			const b = parse(getComputedStyle(e).backgroundColor);
			if (b && b.a >= 0.99) return b.rgb;
			if (getComputedStyle(e).backgroundImage !== 'none' && e.classList.contains('leaflet-container')) return null;
		}
		return [255, 255, 255];
	};
	const unlabelled = [];
	for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
		if (el.closest('.leaflet-container')) continue;
		const labelled = (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)) || el.closest('label') || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
		if (!labelled) unlabelled.push(el.outerHTML.slice(0, 120));
	}
	const poor = [];
	const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let n = walker.nextNode(); n; n = walker.nextNode()) {
		const el = n.parentElement;
		if (!n.textContent.trim() || !el || el.closest('.leaflet-container, .sr-only, .u-legend, .uplot')) continue;
		const r = el.getBoundingClientRect();
		if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') continue;
		const fg = parse(getComputedStyle(el).color);
		const bg = background(el);
		if (!fg || !bg) continue;
		const [a, b] = [lum(fg.rgb), lum(bg)].sort((x, y) => y - x);
		const ratio = (a + 0.05) / (b + 0.05);
		const size = parseFloat(getComputedStyle(el).fontSize);
		const bold = Number(getComputedStyle(el).fontWeight) >= 700;
		const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
		if (ratio < need) poor.push(`${ratio.toFixed(2)} < ${need}: "${n.textContent.trim().slice(0, 40)}" (${getComputedStyle(el).color} on rgb(${bg.join(',')}))`);
	}
	return { unlabelled, poor, overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth };
}

describe('every page', () => {
	for (const [role, where, heading] of PAGES) {
		test(`${where}: labels on every field, AA contrast, axe-core clean, on a laptop and a tablet`, async () => {
			for (const viewport of [{ width: 1366, height: 768 }, { width: 768, height: 1024 }]) {
				const page = await newPage(browser, { viewport });
				await signIn(page, srv, role);
				const hash = where.replace('CASE', `#/cases/${ref}`);
				await page.goto(`${srv.url}/${hash}`);
				await page.getByRole('heading', { name: heading }).first().waitFor();
				await page.waitForLoadState('networkidle').catch(() => {});
				await page.waitForTimeout(300);
				const r = await page.evaluate(audit);
				assert.deepEqual(r.unlabelled, [], 'every field has a label');
				assert.deepEqual(r.poor, [], 'text contrast meets WCAG AA');
				assert.ok(r.overflow <= 1, `no sideways scrolling at ${viewport.width} px (overflow ${r.overflow} px)`);
				await assertAccessible(page, `${where} at ${viewport.width} px`);
				if (viewport.width < 1000) await shot(page, `tablet-${hash.replace(/[#/]+/g, '-').replace(/^-/, '')}`);
				noErrors(page);
				await page.context().close();
			}
		});
	}
});

describe('keyboard and time', () => {
	test('sign in with the keyboard alone, with a visible focus on each control', async () => {
		const page = await newPage(browser);
		await page.goto(`${srv.url}/`);
		await page.getByLabel('Username').waitFor();
		const outline = async () => page.evaluate(() => {
			const s = getComputedStyle(document.activeElement);
			return `${s.outlineStyle} ${s.outlineWidth}`;
		});
		// the sign-in page starts in the username field; before it, the skip link
		assert.equal(await page.evaluate(() => document.activeElement.name), 'username');
		await page.keyboard.press('Shift+Tab');
		assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to the content');
		assert.match(await outline(), /^solid [1-9]/, 'the focus is visible');
		await page.keyboard.press('Tab');
		assert.equal(await page.evaluate(() => document.activeElement.name), 'username');
		assert.match(await outline(), /^solid [1-9]/, 'the focus is visible');
		await page.keyboard.type('officer');
		await page.keyboard.press('Tab');
		assert.equal(await page.evaluate(() => document.activeElement.name), 'password');
		assert.match(await outline(), /^solid [1-9]/);
		await page.keyboard.type(srv.passwords.officer);
		await page.keyboard.press('Enter');
		await page.getByRole('heading', { name: 'My work' }).waitFor();
		// the case list is reachable and opened by the keyboard
		await page.getByRole('link', { name: 'Cases', exact: true }).focus();
		await page.keyboard.press('Enter');
		await page.getByRole('heading', { name: 'Cases' }).waitFor();
		const link = page.getByRole('link', { name: ref });
		await link.focus();
		await page.keyboard.press('Enter');
		await page.getByRole('heading', { name: `Case ${ref}` }).waitFor();
		noErrors(page);
		await page.context().close();
	});

	test("times are in the user's time zone, with the zone shown", async () => {
		for (const [tz, zone] of [['Europe/London', /GMT|BST/], ['America/New_York', /EST|EDT|GMT-[45]\b/]]) {
			const page = await newPage(browser, { timezoneId: tz });
			await signIn(page, srv, 'officer');
			await page.goto(`${srv.url}/#/cases`);
			await page.locator('tr[data-ref] time').first().waitFor();
			const shown = await page.locator(`tr[data-ref="${ref}"] time`).first().textContent();
			assert.match(shown, zone, `${tz}: ${shown}`);
			assert.equal(await page.locator('.tz').textContent(), tz);
			await page.context().close();
		}
	});
});
