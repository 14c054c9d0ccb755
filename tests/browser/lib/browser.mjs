// Browser test harness: Debian's chromium driven by playwright-core
// (headless, no downloads), one Vigil server per test file (started by the API
// tests' harness with the web root), and helpers to sign in and to save a
// screenshot of each page under tests/browser/screenshots/ (not committed).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { chromium } from 'playwright-core';

import { REPO, startServer } from '../../api/lib/server.mjs';

export const CHROMIUM = process.env.VIGIL_CHROMIUM || '/usr/bin/chromium';
export const SHOTS = path.join(REPO, 'tests', 'browser', 'screenshots');

/** Start a seeded server serving the UI from web/ (web/vendor must be built: `make web`). */
export async function uiServer(args = []) {
	const vendor = path.join(REPO, 'web', 'vendor', 'leaflet', 'leaflet-src.esm.js');
	assert.ok(fs.existsSync(vendor), `${vendor} is missing: run \`make web\``);
	return startServer({ args: ['--web', path.join(REPO, 'web'), ...args] });
}

/**
 * A test file's server serving the UI (started with args) and a browser:
 * {srv, browser}, for `({ srv, browser } = await startUi())` in before().
 */
export async function startUi(args = []) {
	const srv = await uiServer(args);
	try {
		return { srv, browser: await launch() };
	} catch (e) {
		await srv.stop();
		throw e;
	}
}

/** Close the browser and stop the server (those that started); the server exits 0. */
export async function stopUi({ srv, browser }) {
	if (browser) await browser.close();
	if (srv) assert.equal(await srv.stop(), 0);
}

export async function launch() {
	assert.ok(fs.existsSync(CHROMIUM), `no browser at ${CHROMIUM}: install Debian's chromium (scripts/deps.sh test)`);
	return chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
	});
}

/**
 * A new page (its own context: its own cookies) whose uncaught errors and
 * Content-Security-Policy refusals noErrors() turns into a failure.
 */
export async function newPage(browser, { viewport = { width: 1280, height: 900 }, timezoneId = 'Europe/London' } = {}) {
	const context = await browser.newContext({ viewport, timezoneId, locale: 'en-GB' });
	const page = await context.newPage();
	page.errors = [];
	page.on('pageerror', (e) => page.errors.push(e.stack || e.message));
	// what the Content-Security-Policy refuses is a bug in the UI, not noise
	page.on('console', (m) => {
		if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) page.errors.push(m.text());
	});
	page.setDefaultTimeout(10000);
	return page;
}

/** Sign in through the form as username (its seeded password unless given). */
export async function signIn(page, srv, username, password) {
	await page.goto(`${srv.url}/`);
	await page.getByLabel('Username').fill(username);
	await page.getByLabel('Password').fill(password ?? srv.passwords[username]);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** A new page (newPage's options) signed in as username (signIn). */
export async function signedIn(browser, srv, username, options) {
	const page = await newPage(browser, options);
	await signIn(page, srv, username);
	return page;
}

/** Save a full-page screenshot as screenshots/NAME.png. */
export async function shot(page, name) {
	fs.mkdirSync(SHOTS, { recursive: true });
	await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * axe-core (from npm, served from web/vendor/axe/ so the page's CSP lets it
 * load) on the page as it is now: its serious and critical violations, as
 * lines, and the repeated buttons whose accessible names are the same (a
 * screen-reader user hears "Save, Save, Save" and cannot tell them apart).
 */
export async function accessibility(page) {
	const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
	if (!loaded) await page.addScriptTag({ url: '/vendor/axe/axe.min.js' });
	return page.evaluate(async () => {
		const r = await window.axe.run(document, { resultTypes: ['violations'] });
		const violations = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
			.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
		/* the accessible name of a button, near enough: aria-labelledby, aria-label, its text */
		const nameOf = (b) => {
			const by = b.getAttribute('aria-labelledby');
			if (by) return by.split(/\s+/).map((id) => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
			return (b.getAttribute('aria-label') || b.textContent || b.value || '').replace(/\s+/g, ' ').trim();
		};
		const seen = new Map();
		for (const b of document.querySelectorAll('button, [role=button], input[type=submit], input[type=button]')) {
			if (b.closest('.leaflet-container, .u-legend') || !b.getClientRects().length) continue;
			const n = nameOf(b);
			seen.set(n, (seen.get(n) || 0) + 1);
		}
		const repeated = [...seen].filter(([, k]) => k > 1).map(([n, k]) => `${k} buttons named "${n}"`);
		return { violations, repeated };
	});
}

/** Assert axe finds no serious or critical violation and no two buttons share a name. */
export async function assertAccessible(page, where) {
	const r = await accessibility(page);
	assert.deepEqual(r.violations, [], `${where}: axe-core's serious and critical violations`);
	assert.deepEqual(r.repeated, [], `${where}: repeated buttons without distinct accessible names`);
}

/** Check a page as a person would meet it: axe-core clean, no repeated button names, a screenshot. */
export async function checkPage(page, name) {
	await page.waitForLoadState('networkidle').catch(() => {});
	await shot(page, name);
	await assertAccessible(page, name);
	noErrors(page);
}

/** Assert that no uncaught error happened on the page. */
export function noErrors(page) {
	assert.deepEqual(page.errors, [], `page errors: ${page.errors.join('\n')}`);
}
