/**
 * A broken saved update on the device. Ana's browser holds an update in her copy of the triad
 * that no app can read (what a device could have saved before remote updates were validated).
 * On the next start the app sets it aside, opens the rest of the triad, and tells her so on the
 * triad screen; her triad, synced back from the relay, is whole.
 */
import { describe, expect, test } from 'vitest';
import { useHarness } from './harness';
import { Member } from './member';

const harness = useHarness();
const TRIAD = 'Tide triad';

describe('a saved update this device cannot read', () => {
	test('is set aside, the triad opens, and the member is told', async () => {
		const ana = await Member.open(await harness.newMember(), 'Ana');
		await ana.createTriad({
			name: TRIAD,
			purpose: 'Read the tides.',
			level: 'Operational',
			unit: 'Harbour'
		});
		await ana.page.getByRole('link', { name: 'Go to the triad' }).click();
		await ana.heading(TRIAD).waitFor();
		await ana.claimSeat('keeper');
		await ana.expectPill('Synced');
		const notice = ana.page.getByTestId('saved-copy-set-aside');
		expect(await notice.count()).toBe(0);

		// Three bytes that are no Yjs update, saved beside the others in y-indexeddb's store.
		const docId = /\/t\/([A-Za-z0-9_-]{22})/.exec(ana.page.url())![1];
		await ana.page.evaluate(async (name) => {
			const db = await new Promise<IDBDatabase>((resolve, reject) => {
				const request = indexedDB.open(name);
				request.onsuccess = () => resolve(request.result);
				request.onerror = () => reject(request.error);
			});
			const transaction = db.transaction('updates', 'readwrite');
			transaction.objectStore('updates').add(Uint8Array.of(0xff, 0xff, 0xff));
			await new Promise((resolve, reject) => {
				transaction.oncomplete = resolve;
				transaction.onerror = () => reject(transaction.error);
			});
			db.close();
		}, `triad-doc-${docId}`);

		await ana.page.reload();
		await ana.heading(TRIAD).waitFor();
		await notice.waitFor({ timeout: 30_000 });
		expect((await notice.textContent())!.replace(/\s+/g, ' ')).toContain(
			'This device’s saved copy of the triad had one saved change that could not be read. It was set aside'
		);
		// The rest opened: her seat is still hers.
		await ana.seesInSeat('keeper', 'Ana');
		await ana.expectPill('Synced');
		await ana.screen('saved-copy-set-aside', 'triad');
	});
});
