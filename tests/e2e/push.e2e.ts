/**
 * A push wakes a member's service worker with the app closed: it syncs the triad from the relay
 * and notifies only what waits for that member. Headless Chromium has no push service
 * (`pushManager.subscribe` is refused), so the push is delivered the way DevTools does it
 * (`ServiceWorker.deliverPushMessage`), with the payload the relay sends; the relay's side of
 * push is tested against a real push endpoint in tests/relay/push.test.ts.
 */
import type { Worker } from 'playwright-core';
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

describe('push notifications', () => {
	test('a push with the app closed syncs the triad and tells Bo his vote is awaited, once', async () => {
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
		await expect
			.poll(() => shownNotifications(worker as Worker), { timeout: 20_000 })
			.toEqual([
				{
					title: TRIAD,
					body: 'Your vote is awaited: Paint the pier',
					tag: `triad:${docId}`,
					data: { url: `/t/${docId}` }
				}
			]);

		// Bo dismisses it. A second proposal opens: the next push tells of that one only, not
		// again of the vote he was already told about.
		await (worker as Worker).evaluate(async () => {
			const sw = self as unknown as { registration: ServiceWorkerRegistration };
			for (const shown of await sw.registration.getNotifications()) shown.close();
		});
		await ada.gotoTriad(TRIAD);
		await ada.draftProposal('Fix the crane');
		await ada.openForVote();
		await ada.expectPill('Synced');
		await cdp.send('ServiceWorker.deliverPushMessage', {
			origin: harness.server.url,
			registrationId,
			data: JSON.stringify({ doc: docId })
		});
		await expect
			.poll(() => shownNotifications(worker as Worker), { timeout: 20_000 })
			.toEqual([
				{
					title: TRIAD,
					body: 'Your vote is awaited: Fix the crane',
					tag: `triad:${docId}`,
					data: { url: `/t/${docId}` }
				}
			]);
		await boContext.close();
		await ada.context.close();
	});
});
