/**
 * A push wakes a member's service worker with the app closed: it syncs the triad from the relay
 * and notifies only what waits for that member. Headless Chromium has no push service
 * (`pushManager.subscribe` is refused), so the push is delivered the way DevTools does it
 * (`ServiceWorker.deliverPushMessage`), with the payload the relay sends; the relay's side of
 * push is tested against a real push endpoint in tests/relay/push.test.ts.
 */
import type { Page, Worker } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { useHarness } from './harness';
import { Member } from './member';

const harness = useHarness();
const TRIAD = 'Harbour triad';
const SHOT = 'push';

interface ShownNotification {
	title: string;
	body: string;
	tag: string;
	data: unknown;
}

function shownNotifications(worker: Worker): Promise<ShownNotification[]> {
	return worker.evaluate(async () => {
		const sw = self as unknown as { registration: ServiceWorkerRegistration };
		const shown = await sw.registration.getNotifications();
		return shown.map(({ title, body, tag, data }) => ({ title, body, tag, data: data as unknown }));
	});
}

/**
 * Records the notifications a page of the app shows, in place of showing them; the worker's own
 * (`shownNotifications`) are not touched, so the two can be told apart.
 */
function recordPageNotices(): void {
	const log: string[] = [];
	Object.assign(window, { __pageNotices: log });
	ServiceWorkerRegistration.prototype.showNotification = function (title) {
		log.push(title);
		return Promise.resolve();
	};
}

const pageNotices = (page: Page) =>
	page.evaluate(() => (window as unknown as { __pageNotices: string[] }).__pageNotices);

/** The id of the proposal a member's page shows. */
function proposalIdOf(page: Page): string {
	return /\/p\/([A-Za-z0-9_-]+)/.exec(page.url())?.[1] as string;
}

describe('push notifications', () => {
	test('a push with the app closed tells Bo his vote is asked, and neither it nor the app tells it twice', async () => {
		const ada = await Member.open(await harness.newMember(), 'Ada');
		const invite = await ada.createTriad({
			name: TRIAD,
			purpose: 'Keep the boats afloat.',
			level: 'Operational',
			unit: 'Docks'
		});
		await ada.page.getByRole('link', { name: 'Go to the triad' }).click();
		await ada.heading(TRIAD).waitFor();
		await ada.claimSeat('keeper');
		const docId = /\/t\/([A-Za-z0-9_-]{22})/.exec(ada.page.url())?.[1] as string;

		const boContext = await harness.newMember();
		await boContext.grantPermissions(['notifications'], { origin: harness.server.url });
		await boContext.addInitScript(recordPageNotices);
		const bo = await Member.open(boContext, 'Bo');
		await bo.joinWith(invite, TRIAD);
		await bo.acceptInvite(TRIAD);
		await bo.claimSeat('bearer');
		await ada.seesInSeat('bearer', 'Bo');
		// The opt-in sits on home once a triad is there, for the member to press; nothing is asked before.
		await bo.page.goto('/');
		await bo.page.getByRole('heading', { name: 'Notifications' }).waitFor();
		await bo.page.getByRole('button', { name: 'Turn on notifications' }).waitFor();
		await bo.screen(SHOT, 'home-opt-in');
		await bo.page.emulateMedia({ colorScheme: 'dark' });
		await bo.screen(SHOT, 'home-opt-in-dark');
		await bo.page.emulateMedia({ colorScheme: 'light' });
		await bo.page.getByRole('button', { name: 'Turn on notifications' }).click();
		await bo.page.getByRole('button', { name: 'Turn notifications off' }).waitFor();

		// Bo closes the app; a blank tab is no window of the app, so the worker acts alone.
		const blank = await boContext.newPage();
		const cdp = await boContext.newCDPSession(blank);
		const registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] = [];
		cdp.on('ServiceWorker.workerRegistrationUpdated', (event) => {
			registrations.push(...event.registrations);
		});
		await cdp.send('ServiceWorker.enable');
		await expect.poll(() => registrations.some((entry) => !entry.isDeleted)).toBe(true);
		const registrationId = registrations.find((entry) => !entry.isDeleted)?.registrationId ?? '';
		await bo.page.close();

		await ada.draftProposal('Paint the pier');
		await ada.openForVote();
		await ada.expectPill('Synced');

		const [worker] = boContext.serviceWorkers();
		expect(worker).toBeDefined();
		expect(await shownNotifications(worker as Worker)).toEqual([]);
		await cdp.send('ServiceWorker.deliverPushMessage', {
			origin: harness.server.url,
			registrationId,
			data: JSON.stringify({ doc: docId })
		});
		const pier = proposalIdOf(ada.page);
		// The same notification the page would show: its words, its tag, the proposal it opens.
		await expect
			.poll(() => shownNotifications(worker as Worker), { timeout: 20_000 })
			.toEqual([
				{
					title: 'Your vote is asked: Paint the pier',
					body: `${TRIAD} · Bearer`,
					tag: `vote:${docId}:${pier}`,
					data: { url: `/t/${docId}/p/${pier}` }
				}
			]);

		// Bo opens the app: the vote waits on home, and the page does not tell of it again. A
		// second proposal opened while the page is open is the page's to tell, and the only one.
		const reopened = await boContext.newPage();
		await reopened.goto('/');
		const waiting = reopened.getByRole('region', { name: 'Waiting for you' });
		await waiting.getByRole('link', { name: /Vote: Paint the pier/ }).waitFor({ timeout: 30_000 });
		await ada.gotoTriad(TRIAD);
		await ada.draftProposal('Fix the crane');
		await ada.openForVote();
		await waiting.getByRole('link', { name: /Vote: Fix the crane/ }).waitFor({ timeout: 30_000 });
		await expect
			.poll(() => pageNotices(reopened), { timeout: 20_000 })
			.toEqual(['Your vote is asked: Fix the crane']);
		await reopened.close();
		// The worker leaves the telling to a window of the app while one is there.
		await expect
			.poll(() =>
				(worker as Worker).evaluate(async () => {
					// The worker's own types are not in this test's scope: only the one call is described.
					const sw = self as unknown as {
						clients: { matchAll(options: object): Promise<readonly unknown[]> };
					};
					return (await sw.clients.matchAll({ type: 'window', includeUncontrolled: true })).length;
				})
			)
			.toBe(0);

		// Bo dismisses the worker's notification and closes the app again. A third proposal
		// opens: the next push tells of that one only, not of what the worker or the page told.
		await (worker as Worker).evaluate(async () => {
			const sw = self as unknown as { registration: ServiceWorkerRegistration };
			for (const shown of await sw.registration.getNotifications()) shown.close();
		});
		await ada.gotoTriad(TRIAD);
		await ada.draftProposal('Mend the nets');
		await ada.openForVote();
		await ada.expectPill('Synced');
		const nets = proposalIdOf(ada.page);
		await cdp.send('ServiceWorker.deliverPushMessage', {
			origin: harness.server.url,
			registrationId,
			data: JSON.stringify({ doc: docId })
		});
		await expect
			.poll(() => shownNotifications(worker as Worker), { timeout: 20_000 })
			.toEqual([
				{
					title: 'Your vote is asked: Mend the nets',
					body: `${TRIAD} · Bearer`,
					tag: `vote:${docId}:${nets}`,
					data: { url: `/t/${docId}/p/${nets}` }
				}
			]);
		await boContext.close();
		await ada.context.close();
	});
});
