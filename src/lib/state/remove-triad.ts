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

/** What the screen removing a triad is told, and asked. */
export interface TriadRemovalOptions {
	/** Called while another tab holds the local copy open and will not let go (see deleteLocalCopy). */
	onBlocked?: () => void;
	/**
	 * Takes the member off the triad's screens (home, say). It runs once the triad is deleted from
	 * the device and before screens stop listing it, so that the triad's own screen never shows
	 * it missing. A failure to leave does not undo the removal: it is rethrown once that is done.
	 */
	leave?: () => Promise<void>;
}

/**
 * Removes a joined triad from this device: closes it on this page, deletes its document's
 * local copy, then takes it out of the directory, so that home no longer lists it and a reload
 * does not bring it back. The other members and the relay keep everything; an invite link
 * brings it back. Edits the relay has not confirmed are lost.
 *
 * The copy is deleted before the directory entry: should that deletion fail, the triad is
 * still joined and opens again from what is left, instead of a copy no screen can reach staying
 * behind. Rejects (a StorageError for storage trouble) with the triad still listed; resolves at
 * once when this device does not list it.
 */
export async function removeTriadFromDevice(
	docId: DocumentId,
	options: TriadRemovalOptions = {},
	parts: TriadRemovalParts = appParts
): Promise<void> {
	const entry = parts.device.workspaces.find((workspace) => workspace.docId === docId);
	const identity = parts.device.identity;
	if (!entry || !identity) return;
	let leaving: { failure: unknown } | null = null;
	const leave = async () => {
		try {
			await options.leave?.();
		} catch (failure) {
			leaving = { failure };
		}
	};
	await parts.triads.remove(entry, identity, async () => {
		await parts.deleteLocalCopy(docId, { onBlocked: options.onBlocked });
		await parts.device.forget(docId, leave);
	});
	if (leaving !== null) throw (leaving as { failure: unknown }).failure;
}
