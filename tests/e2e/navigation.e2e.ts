/**
 * The triad screen on a phone: four views behind a bar at the bottom, what waits for the member
 * first, one sync pill that says what is true, confirmations before seat changes, the app badge
 * and notifications. Three members on 360-pixel phones through the real relay.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { checkScreen, useHarness } from './harness';
import { Member, type TriadView } from './member';

const harness = useHarness();
const TRIAD = 'Lagoon triad';
const SHOT = 'nav';
const VIEWS: TriadView[] = ['Proposals', 'Decisions', 'Actions', 'People'];
const SCREENSHOTS = resolve(import.meta.dirname, '../../screenshots');

/** What the phone's 360×740 screen shows at the top of the view and scrolled to its end. */
async function screenShots(member: Member, name: string): Promise<void> {
	await mkdir(SCREENSHOTS, { recursive: true });
	await member.page.evaluate(() => window.scrollTo(0, 0));
	await member.page.screenshot({ path: join(SCREENSHOTS, `${name}-top.png`) });
	await member.page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
	await member.page.screenshot({ path: join(SCREENSHOTS, `${name}-end.png`) });
	await member.page.evaluate(() => window.scrollTo(0, 0));
}

/**
 * Records what the app asks of the browser's notification and badge boundaries, in place of the
 * real ones (a headless browser shows neither): every notification, by the service worker or the
 * page, and the last badge count.
 */
function recordAlerts(): void {
	const log: { title: string; body: string }[] = [];
	Object.assign(window, { __notices: log, __badge: null });
	const record = (title: string, options?: NotificationOptions) =>
		log.push({ title, body: options?.body ?? '' });
	ServiceWorkerRegistration.prototype.showNotification = function (title, options) {
		record(title, options);
		return Promise.resolve();
	};
	const Native = window.Notification;
	class Recorded {
		constructor(title: string, options?: NotificationOptions) {
			record(title, options);
		}
		static get permission() {
			return Native.permission;
		}
		static requestPermission() {
			return Native.requestPermission();
		}
	}
	Object.defineProperty(window, 'Notification', { value: Recorded, configurable: true });
	Object.defineProperty(navigator, 'setAppBadge', {
		value: (count: number) => {
			Object.assign(window, { __badge: count });
			return Promise.resolve();
		}
	});
	Object.defineProperty(navigator, 'clearAppBadge', {
		value: () => {
			Object.assign(window, { __badge: 0 });
			return Promise.resolve();
		}
	});
}

async function phone(name: string, notifications: boolean): Promise<Member> {
	const context: BrowserContext = await harness.newMember();
	await context.addInitScript(recordAlerts);
	if (notifications) {
		await context.grantPermissions(['notifications'], { origin: harness.server.url });
	}
	return Member.open(context, name);
}

const notices = (member: Member) =>
	member.page.evaluate(
		() => (window as unknown as { __notices: { title: string; body: string }[] }).__notices
	);
const badge = (member: Member) =>
	member.page.evaluate(() => (window as unknown as { __badge: number | null }).__badge);

/** The view the bar marks as the one shown. */
async function currentView(member: Member): Promise<string> {
	const current = member.triadNav().locator('a[aria-current="page"] .label');
	return ((await current.textContent()) ?? '').trim();
}

describe('a triad on a phone', () => {
	let kim: Member;
	let ben: Member;
	let noa: Member;

	test('three members set up a triad', async () => {
		[kim, ben, noa] = await Promise.all([
			phone('Kim', true),
			phone('Ben', true),
			phone('Noa', false)
		]);
		const invite = await kim.createTriad({
			name: TRIAD,
			purpose: 'Keep the lagoon clean.',
			level: 'Operational',
			unit: 'Shore'
		});
		await kim.page.getByRole('link', { name: 'Go to the triad' }).click();
		await kim.heading(TRIAD).waitFor();
		for (const member of [ben, noa]) {
			await member.joinWith(invite, TRIAD);
			await member.acceptInvite(TRIAD);
		}
		await kim.claimSeat('keeper');
		await ben.claimSeat('bearer');
		await noa.claimSeat('navigator');
		for (const member of [kim, ben, noa]) await member.seesInSeat('navigator', 'Noa');
		expect(await kim.seatHolder('bearer').textContent()).toContain('Ben');
	});

	test('four views behind a bar at the bottom, each at its own address, by touch or keyboard', async () => {
		const page = kim.page;
		await kim.gotoView('Proposals');
		const bar = kim.triadNav();
		const box = await bar.boundingBox();
		expect(box && Math.round(box.y + box.height)).toBe(740);
		const links = bar.getByRole('link');
		expect(await links.allTextContents()).toEqual(
			VIEWS.map((view) => expect.stringContaining(view))
		);
		for (const link of await links.all()) {
			const size = await link.boundingBox();
			expect(size!.height).toBeGreaterThanOrEqual(48);
			expect(size!.width).toBeGreaterThanOrEqual(80);
		}
		expect(await currentView(kim)).toBe('Proposals');

		const base = new URL(page.url()).pathname;
		for (const [view, path] of [
			['Decisions', '/decisions'],
			['Actions', '/actions'],
			['People', '/people']
		] as const) {
			await kim.gotoView(view);
			expect(new URL(page.url()).pathname).toBe(base + path);
		}
		// Back and forward walk the views; a reload stays on the view in the address.
		await page.goBack();
		await expect.poll(() => currentView(kim)).toBe('Actions');
		await page.goForward();
		await expect.poll(() => currentView(kim)).toBe('People');
		await page.goto(base + '/decisions');
		await kim.heading('Decision register').waitFor();
		expect(await currentView(kim)).toBe('Decisions');
		// The keyboard reaches the bar and opens a view with Enter.
		await bar.getByRole('link', { name: /^Actions/ }).focus();
		await page.keyboard.press('Enter');
		await kim.heading('Actions').waitFor();
		expect(await currentView(kim)).toBe('Actions');
	});

	test('every part of a triad is one tap away, and each lives in one view', async () => {
		const parts = [
			'Waiting for you',
			'Proposals',
			'Decision register',
			'Balance',
			'Keeper’s log',
			'Actions',
			'Purpose',
			'Seats',
			'Absences and cover',
			'Members',
			'Export'
		];
		const foundIn = new Map<string, TriadView[]>();
		for (const view of VIEWS) {
			await kim.gotoView(view);
			await kim.heading(TRIAD).waitFor();
			for (const part of parts) {
				if (
					(await kim.page.getByRole('heading', { name: part, exact: true, level: 2 }).count()) > 0
				) {
					foundIn.set(part, [...(foundIn.get(part) ?? []), view]);
				}
			}
		}
		// Views passed to reach each part from the first view: none for its own, one for the others.
		const taps = parts.map((part) => {
			const views = foundIn.get(part) ?? [];
			expect(views, part).toHaveLength(1);
			return views[0] === 'Proposals' ? 0 : 1;
		});
		expect(Math.max(...taps)).toBe(1);
	});

	test('each view, light and dark, passes axe, with one sync pill', async () => {
		for (const scheme of ['light', 'dark'] as const) {
			await kim.page.emulateMedia({ colorScheme: scheme });
			for (const view of VIEWS) {
				await kim.gotoView(view);
				expect(await kim.page.locator('.sync-status').count()).toBe(1);
				await checkScreen(kim.page, `${SHOT}-${view.toLowerCase()}-${scheme}`);
				await screenShots(kim, `${SHOT}-${view.toLowerCase()}-${scheme}-phone`);
			}
		}
		await kim.page.emulateMedia({ colorScheme: null });
	});

	test('leaving or moving seats asks first, with Cancel focused', async () => {
		await noa.gotoView('People');
		await noa.page.getByRole('button', { name: 'Leave seat' }).click();
		const dialog = noa.page.getByRole('dialog', { name: 'Leave the Navigator seat?' });
		await dialog.waitFor();
		expect(await noa.page.evaluate(() => document.activeElement?.textContent?.trim())).toBe(
			'Cancel'
		);
		await checkScreen(noa.page, `${SHOT}-leave-seat`);
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await dialog.waitFor({ state: 'hidden' });
		expect(await noa.seatHolder('navigator').textContent()).toContain('Noa (you)');

		await noa.page.getByRole('button', { name: 'Leave seat' }).click();
		await dialog.getByRole('button', { name: 'Leave the seat' }).click();
		await noa.seatHolder('navigator').filter({ hasText: 'Free' }).waitFor();
		await kim.seesInSeat('navigator', 'Free');
		// Taking a free seat while holding another moves seats: that asks first too.
		await kim.page.getByRole('button', { name: 'Take the Navigator seat' }).click();
		const move = kim.page.getByRole('dialog', { name: 'Move to the Navigator seat?' });
		await move.getByText('You leave the Keeper seat').waitFor();
		await move.getByRole('button', { name: 'Cancel' }).click();
		await move.waitFor({ state: 'hidden' });
		expect(await kim.seatHolder('keeper').textContent()).toContain('Kim (you)');
		await noa.claimSeat('navigator');
		await kim.seesInSeat('navigator', 'Noa');
	});

	test('a vote opened by Kim waits for Ben and Noa, badges the app, and notifies Ben only', async () => {
		for (const member of [kim, ben]) {
			await member.page.getByRole('link', { name: 'Triad', exact: true }).click();
			await member.page.getByRole('button', { name: 'Turn on notifications' }).click();
			await member.page.getByRole('button', { name: 'Turn notifications off' }).waitFor();
		}
		await ben.page.getByText('Nothing waits for you right now.').waitFor();
		await checkScreen(ben.page, `${SHOT}-home-notifications-on`);

		await kim.page.getByRole('link', { name: new RegExp(`^${TRIAD}`) }).click();
		await kim.draftProposal('Rent two kayaks');
		await kim.page.getByLabel('Deadline (optional)').fill('2030-06-01T12:00');
		await kim.openForVote();

		// Ben, on home: the ballot leads the screen, the badge counts it, one notification.
		const waiting = ben.page.getByRole('region', { name: 'Waiting for you' });
		await waiting.getByRole('link', { name: /Vote: Rent two kayaks/ }).waitFor({ timeout: 30_000 });
		expect(await waiting.textContent()).toContain('As Bearer');
		expect(await waiting.textContent()).toContain(TRIAD);
		await expect
			.poll(() => notices(ben))
			.toEqual([
				{
					title: 'Your vote is asked: Rent two kayaks',
					body: expect.stringContaining(`${TRIAD} · Bearer`)
				}
			]);
		expect(await badge(ben)).toBe(1);
		await checkScreen(ben.page, `${SHOT}-home-waiting`);

		// Noa, on the triad: the Proposals view leads with it and the bar counts it.
		await noa.gotoView('Proposals');
		await noa.page
			.getByRole('region', { name: 'Waiting for you' })
			.getByRole('link', { name: /Vote: Rent two kayaks/ })
			.waitFor({ timeout: 30_000 });
		await noa.triadNav().getByRole('link', { name: 'Proposals 1 waiting for you' }).waitFor();
		// Noa never turned notifications on.
		expect(await notices(noa)).toEqual([]);
		await checkScreen(noa.page, `${SHOT}-proposals-waiting`);

		// Kim opened it herself: it waits for her ballot, and tells her nothing.
		await kim.gotoTriad(TRIAD);
		await kim.page
			.getByRole('region', { name: 'Waiting for you' })
			.getByRole('link', { name: /Vote: Rent two kayaks/ })
			.waitFor();
		expect(await notices(kim)).toEqual([]);
		expect(await badge(kim)).toBe(1);

		// Once Ben has voted, nothing waits and the badge is cleared; no second notification.
		await ben.page.getByRole('link', { name: /Vote: Rent two kayaks/ }).click();
		await ben.vote('bearer', 'Agree');
		await ben.page.getByRole('link', { name: 'Triad', exact: true }).click();
		await ben.page.getByText('Nothing waits for you right now.').waitFor();
		expect(await badge(ben)).toBe(0);
		expect(await notices(ben)).toHaveLength(1);
	});

	test('offline, the pill says Offline, also after a reload right after a sync', async () => {
		await noa.gotoView('Decisions');
		await kim.gotoView('Decisions');
		await kim.page.getByLabel('New entry').fill('Nets checked.');
		await kim.page.getByRole('button', { name: 'Add to the log' }).click();
		await noa.page.getByText('Nets checked.').waitFor({ timeout: 30_000 });
		await noa.goOffline();
		try {
			await noa.expectPill('Offline');
			await noa.page.reload();
			await noa.heading('Decision register').waitFor();
			expect(await currentView(noa)).toBe('Decisions');
			await noa.expectPill('Offline');
			await noa.openProposal('Rent two kayaks');
			await noa.expectPill('Offline');
		} finally {
			await noa.goOnline();
		}
		await noa.expectPill('Synced');
	});
});
