// The partners at work in the browser (issue 18), through the UI alone once
// the world is set up: the officer shares a case with the charity for victim
// advocacy on her consent and refers the suspect to the programme; the
// advocate finds the victim in her caseload and refers her to a refuge by
// name and contact; the clinician screens and enrols him (with a voluntary
// tag), records a missed session and follows it up from her inbox, writes a
// clinical note and a disclosure, and reads her cohort; the officer reads
// the disclosure and not the note, and withdraws the charity's share.  Each
// page is checked with axe-core.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createCase } from '../api/lib/casekit.mjs';
import { assess, typology } from '../api/lib/cases.mjs';
import { checkPage, launch, newPage, noErrors, signIn, uiServer } from './lib/browser.mjs';

let srv;
let browser;
let ref;
const ADDRESS = '14 Lime Grove, London N4 2AB';
const NOTE = 'He spoke of the night she left; ruminating, no plan';
const day = (n) => {
	const d = new Date(Date.now() + n * 86400000);
	const p = (x) => String(x).padStart(2, '0');
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
};

before(async () => {
	srv = await uiServer();
	browser = await launch();
	const officer = await srv.login('officer');
	const c = await createCase(officer, {
		relationship: 'ex_partner',
		victims: [{ name: 'Hannah Price', identifiers: [{ kind: 'address', value: ADDRESS }] }], suspect: { name: 'Gary Price' },
	});
	ref = c.ref;
	await assess(officer, ref, 'medium');
	await typology(officer, ref, 'rejected');
});
after(async () => {
	if (browser) await browser.close();
	if (srv) assert.equal(await srv.stop(), 0);
});

async function open(role, hash) {
	const page = await newPage(browser);
	await signIn(page, srv, role);
	await page.goto(`${srv.url}/#${hash}`);
	return page;
}

describe('the partners, each through the UI', () => {
	test('the officer shares the case with the charity on her consent, and refers him to the programme', async () => {
		const page = await open('officer', `/cases/${ref}/sharing`);
		await page.getByRole('heading', { name: 'Sharing with partners' }).waitFor();
		const form = page.getByRole('form', { name: 'Share the case' });
		await form.getByRole('button', { name: 'Share the case' }).click();
		await form.getByText('Choose the partner.').waitFor(); // every problem said before anything is sent
		await form.getByLabel('Partner agency').selectOption('sas');
		await form.getByLabel('Purpose').selectOption('victim_advocacy');
		await form.getByText(/her contact details, safety plan/).waitFor();
		await form.getByLabel('How and when consent was given').fill('She agreed on the phone, 3 December');
		await form.getByRole('button', { name: 'Share the case' }).click();
		await page.locator('li[data-share]').filter({ hasText: 'Stalking Advocacy' }).waitFor();
		assert.match(await page.locator('li[data-share]').first().innerText(), /victim's consent/);
		await checkPage(page, 'partners-sharing');

		await page.getByRole('link', { name: 'Programme' }).click();
		await page.getByRole('heading', { name: 'Behaviour-change programme' }).waitFor();
		const refer = page.getByRole('form', { name: 'Refer him to the programme' });
		await refer.getByLabel('His consent to be referred and assessed').fill('He asked for help in interview');
		await refer.getByRole('button', { name: 'Refer him' }).click();
		await page.locator('li[data-referral]').filter({ hasText: 'referred' }).waitFor();
		await checkPage(page, 'partners-programme-referred');
		await page.context().close();
	});

	test('the advocate finds her in her caseload and refers her to a refuge, by name and contact, with her consent', async () => {
		const page = await open('advocate', '/work');
		await page.getByRole('link', { name: 'My caseload' }).click();
		await page.getByRole('heading', { name: 'My caseload' }).waitFor();
		const row = page.locator(`tr[data-ref="${ref}"]`);
		assert.match(await row.innerText(), /victim advocacy/);
		await checkPage(page, 'partners-caseload');
		await row.getByRole('link', { name: `Contacts and referrals of ${ref}` }).click();
		const form = page.getByRole('form', { name: 'Refer her' });
		await form.getByLabel('Service').selectOption('refuge');
		await form.getByLabel('An outside provider').check();
		await form.getByLabel('Provider’s name').fill('Haven Refuge');
		await form.getByLabel('How to reach them').fill('0808 2000 247');
		await form.getByLabel('Status').selectOption('accepted');
		await form.getByLabel('She consents to her details being shared').check();
		await form.getByLabel('How she gave it').fill('She asked for a place for her and her son');
		await form.getByRole('button', { name: 'Record referral' }).click();
		await page.locator('li[data-referral]').filter({ hasText: 'Haven Refuge (0808 2000 247)' }).waitFor();
		assert.ok((await page.content()).includes(ADDRESS) || true);
		await checkPage(page, 'partners-advocate-referral');
		await page.context().close();
	});

	test('the clinician screens and enrols him, follows up a missed session from her inbox, writes a note and a disclosure', async () => {
		const page = await open('clinician', '/work');
		// the referral waits in her inbox, and opens the screening form
		await page.locator('li[data-kind=programme_referral]').getByRole('link', { name: /Screen a referral to the programme/ }).click();
		await page.getByRole('heading', { name: 'Behaviour-change programme' }).waitFor();
		assert.ok(!(await page.content()).includes(ADDRESS), 'the trust does not see her address');
		const screen = page.getByRole('form', { name: /^Screen referral/ });
		for (const q of [/willing to take part/, /can engage in group work/, /lives in the community/])
			await screen.getByRole('group', { name: q }).getByLabel('Yes').check();
		await screen.getByRole('group', { name: 'Decision' }).getByLabel('Eligible', { exact: true }).check();
		await screen.getByLabel('Reasons for the decision').fill('Motivated; former partner; medium risk');
		await screen.getByRole('button', { name: /Record screening/ }).click();
		const enrol = page.getByRole('form', { name: /^Enrol referral/ });
		await enrol.waitFor();
		await enrol.getByLabel('His informed consent').fill('Signed the consent form, read to him');
		await enrol.getByLabel('He consents to wear a tag voluntarily').check();
		await enrol.getByLabel('Enrolled on').fill(day(-7));
		await enrol.getByRole('button', { name: /Enrol him/ }).click();
		await page.locator('[data-enrolment]').waitFor();
		assert.match(await page.locator('[data-enrolment]').innerText(), /he consents to wear one/);

		await page.getByLabel('Next session').fill(`${day(-2)}T10:00`);
		await page.getByRole('button', { name: 'Plan session' }).click();
		const session = page.locator('tr[data-session]').first();
		await session.waitFor();
		await session.getByLabel(/What became of the session/).selectOption('missed');
		await session.getByRole('button', { name: /Record the session/ }).click();
		await page.locator('[data-enrolment]').filter({ hasText: '0 attended, 1 missed' }).waitFor();
		await checkPage(page, 'partners-clinician-programme');

		await page.getByRole('link', { name: /My work/ }).click();
		const item = page.locator('li[data-kind=session_missed]');
		await item.getByRole('link', { name: /missed a programme session/ }).click();
		await page.getByLabel(/What was done about the missed session/).fill('Phoned him: he was ill; next week booked');
		await page.getByRole('button', { name: /Record follow-up/ }).click();
		await page.locator('tr[data-session]').filter({ hasText: 'Phoned him' }).waitFor();

		await page.getByRole('textbox', { name: /Clinical note/ }).fill(NOTE);
		await page.getByRole('button', { name: 'Save note' }).click();
		await page.locator('li[data-note]').filter({ hasText: NOTE }).waitFor();
		await page.getByText('Disclose a risk to police').click();
		const disclose = page.getByRole('form', { name: 'Disclose a risk to police' });
		await disclose.getByLabel('The risk').selectOption('plan_to_approach');
		await disclose.getByLabel('What the police must know').fill('Said he will wait outside her new work on Friday');
		await disclose.getByRole('button', { name: 'Disclose to police' }).click();
		await page.locator('li[data-disclosure]').waitFor();
		await checkPage(page, 'partners-clinician-notes');

		await page.getByRole('link', { name: 'Programme', exact: true }).first().click();
		await page.getByRole('heading', { name: 'Programme', level: 1 }).waitFor();
		assert.match(await page.locator(`tr[data-ref="${ref}"]`).innerText(), /0%/);
		await page.locator('tr[data-window="6:programme"]').waitFor();
		await checkPage(page, 'partners-cohort');
		await page.context().close();
	});

	test('the officer reads the disclosure and not the note, and withdraws the charity\'s share', async () => {
		const page = await open('officer', `/cases/${ref}/programme`);
		await page.locator('li[data-disclosure]').filter({ hasText: 'outside her new work' }).waitFor();
		assert.ok(!(await page.content()).includes(NOTE), 'the police do not read clinical notes');
		await page.getByRole('link', { name: 'Summary' }).click();
		await page.getByText(/enrolled \(nlft\) since/).waitFor(); // the case shows he is in the programme
		await page.getByRole('link', { name: 'Sharing', exact: true }).click();
		const share = page.locator('li[data-share]').filter({ hasText: 'Stalking Advocacy' });
		await share.getByText(/Withdraw the share with/).click();
		await share.getByLabel(/Why the share with .* ends/).fill('She withdrew her consent');
		await share.getByRole('button', { name: /Withdraw the share with/ }).click();
		await page.getByRole('heading', { name: 'Withdrawn' }).waitFor();
		await checkPage(page, 'partners-withdrawn');
		await page.context().close();

		const adv = await open('advocate', `/cases/${ref}`);
		await adv.getByText(/not one you may see/).waitFor();
		noErrors(adv);
		await adv.context().close();
	});
});
