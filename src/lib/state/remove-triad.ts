import type { DocumentId } from '$lib/domain/ids';
import { deleteLocalCopy, type DeleteLocalCopyOptions } from '$lib/sync/local-copy';
import { device, type DeviceState } from './device.svelte';
import { openTriads, type OpenTriads } from './open-triads.svelte';

/** What a removal works with; the app's own by default, tests pass their own. */
export interface TriadRemovalParts {
	device: Pick<DeviceState, 'workspaces' | 'identity' | 'forget'>;
	triads: Pick<OpenTriads, 'remove'>;
	deleteLocalCopy: (docId: DocumentId, options: DeleteLocalCopyOptions) => Promise<void>;
}

const appParts: TriadRemovalParts = { device, triads: openTriads, deleteLocalCopy };

/**
 * Removes a joined triad from this device: closes it on this page, deletes its document's
 * local copy, then takes it out of the directory, so that home no longer lists it and a reload
 * does not bring it back. The other members and the relay keep everything; an invite link
 * brings it back. Edits the relay has not confirmed are lost.
 *
 * The copy is deleted before the directory entry: should that deletion fail, the triad is
 * still joined and opens again from what is left, instead of a copy no screen can reach staying
 * behind. `onBlocked` is called while another tab holds the copy open and will not let go; the
 * removal finishes once that tab closes it. Rejects (a StorageError for storage trouble) with
 * the triad still listed; resolves at once when this device does not list it.
 */
export async function removeTriadFromDevice(
	docId: DocumentId,
	options: { onBlocked?: () => void } = {},
	parts: TriadRemovalParts = appParts
): Promise<void> {
	const entry = parts.device.workspaces.find((workspace) => workspace.docId === docId);
	const identity = parts.device.identity;
	if (!entry || !identity) return;
	await parts.triads.remove(entry, identity, async () => {
		await parts.deleteLocalCopy(docId, { onBlocked: options.onBlocked });
		await parts.device.forget(docId);
	});
}
