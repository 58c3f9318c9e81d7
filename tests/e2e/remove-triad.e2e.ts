/**
 * A member removes a triad from their device: home stops listing it, for good, its local copy
 * (the document's IndexedDB database) is deleted, and an invite link brings it back from the
 * relay, proposals included.
 */
import { describe, expect, test } from 'vitest';
import { useHarness } from './harness';
import { Member } from './member';

const harness = useHarness();
const TRIAD = 'Night shift';

/** The names of the IndexedDB databases this member's browser holds for the app. */
function databaseNames(member: Member): Promise<string[]> {
	return member.page.evaluate(async () =>
		(await indexedDB.databases()).map((database) => database.name ?? '')
	);
}

describe('removing a triad from this device', () => {
	test('forgets it and its local copy; an invite link brings it back', async () => {
		const ada = await Member.open(await harness.newMember(), 'Ada');
		const invite = await ada.createTriad({
			name: TRIAD,
			purpose: 'Keep the lights on.',
			level: 'Operational',
			unit: 'Ops'
		});
		await ada.gotoTriad(TRIAD);
		const docId = new URL(ada.page.url()).pathname.split('/').at(-1) ?? '';
		await ada.draftProposal('Rota');
		await ada.gotoTriad(TRIAD);
		await ada.expectPill('Synced');
		expect(await databaseNames(ada)).toContain(`triad-doc-${docId}`);

		const dialog = ada.page.getByRole('dialog', { name: `Remove “${TRIAD}” from this device?` });
		const removeButton = ada.page.getByRole('button', { name: 'Remove from this device' });
		const unsyncedWarning = dialog.getByText('Some of your changes have not reached the relay');

		// An edit the relay has not seen: the confirmation says it would be lost.
		await ada.goOffline();
		await ada.draftProposal('Keys');
		await ada.gotoTriad(TRIAD);
		await ada.expectPill('Changes not yet on the relay');
		await ada.gotoView('People');
		await removeButton.click();
		await unsyncedWarning.waitFor();
		await ada.screen('remove', 'unsynced');
		await ada.page.keyboard.press('Escape');
		await dialog.waitFor({ state: 'hidden' });

		await ada.goOnline();
		await ada.expectPill('Synced');
		await removeButton.click();
		await dialog.waitFor();
		expect(await unsyncedWarning.count()).toBe(0);
		// The safe choice has the focus.
		expect(
			await dialog
				.getByRole('button', { name: 'Cancel' })
				.evaluate((b) => b === document.activeElement)
		).toBe(true);
		await ada.screen('remove', 'confirm');
		// Each frame, just before it is painted: did it show the triad screen without its triad
		// ("Triad not found"), or home still listing the triad?
		await ada.page.evaluate((id) => {
			const watch = () => {
				const home = document.querySelector('h1')?.textContent === 'Hello, Ada';
				if (
					document.body.textContent?.includes('Triad not found') ||
					(home && document.querySelector(`a[href$="/t/${id}"]`))
				) {
					(window as { sawRemoved?: boolean }).sawRemoved = true;
				}
				requestAnimationFrame(watch);
			};
			requestAnimationFrame(watch);
		}, docId);
		await dialog.getByRole('button', { name: 'Remove from this device' }).click();

		await ada.heading('Hello, Ada').waitFor();
		await ada.page.getByText('You are not in a triad yet.').waitFor();
		expect(await ada.page.locator(`a[href$="/t/${docId}"]`).count()).toBe(0);
		// No frame on the way home showed the removal half done.
		expect(
			await ada.page.evaluate(() => (window as { sawRemoved?: boolean }).sawRemoved ?? false)
		).toBe(false);
		await ada.page.reload();
		await ada.heading('Hello, Ada').waitFor();
		await ada.page.getByText('You are not in a triad yet.').waitFor();
		expect(await databaseNames(ada)).not.toContain(`triad-doc-${docId}`);

		await ada.joinWith(invite, TRIAD);
		await ada.acceptInvite(TRIAD);
		await ada.page.getByRole('link', { name: /Rota/ }).waitFor({ timeout: 20_000 });
		await ada.page.getByRole('link', { name: /Keys/ }).waitFor();
	});
});
