import { SvelteMap } from 'svelte/reactivity';
import type { DocumentId, MemberId } from '$lib/domain/ids';
import type { SyncStatus } from '$lib/sync/open-workspace';
import type { RotationRun } from '$lib/sync/pending-rotation';
import type { PendingRotation, WorkspaceEntry } from '$lib/sync/workspace-directory';
import type { WorkspaceSecret } from '$lib/sync/workspace-secret';
import { device } from './device.svelte';
import { refusalOf } from './sync-phase';
import type { TriadSession } from './triad-session.svelte';

/** What access needs of the device directory (DeviceState). */
export interface AccessDirectory {
	readonly workspaces: readonly WorkspaceEntry[];
	markAccessChanged(docId: DocumentId, secret: WorkspaceSecret): Promise<void>;
	requestRotation(docId: DocumentId): Promise<PendingRotation | null>;
	runRotation(docId: DocumentId): Promise<RotationRun>;
}

/**
 * Where a removal stands on this page: the access change it needs is `waiting` for the relay
 * (persisted, run when the relay is next reachable), being `running`, or it `rotated` (the new
 * links are ready), was `lost` to another member's rotation, or `refused`.
 */
export type RotationState = 'waiting' | 'running' | 'rotated' | 'lost' | 'refused';

/**
 * Access to the triads open on this page: removing a member (the document's part, then the
 * rotation of the triad's access through the relay), running rotations left pending, and noting
 * in the device directory when the relay refused this device's link as changed (4410).
 *
 * Sessions reconnect with a new secret once the directory holds one: OpenTriads.follow does that
 * for every entry, whichever tab or device changed it.
 */
export class TriadAccess {
	readonly #directory: AccessDirectory;
	#runs = new SvelteMap<DocumentId, Promise<RotationRun>>();
	#ended = new SvelteMap<DocumentId, RotationRun>();

	constructor(directory: AccessDirectory) {
		this.#directory = directory;
	}

	/**
	 * Follows a session's status: a pending rotation runs whenever the relay answers (synced) and
	 * when the relay closed the connection as changed (the change may be this device's own, whose
	 * answer was lost); otherwise a 4410 is noted in the directory. Returns the unsubscribe.
	 */
	watch(session: TriadSession): () => void {
		const check = (status: SyncStatus) => {
			const entry = this.#entry(session.docId);
			if (!entry) return;
			const changed = refusalOf(status) === 'access-changed';
			if (entry.pendingRotation !== null) {
				if (changed || status.connection === 'synced') void this.rotate(session.docId);
				return;
			}
			// markAccessChanged ignores a refusal of a secret the directory no longer holds.
			if (changed && !this.#runs.has(session.docId)) {
				void this.#directory.markAccessChanged(session.docId, session.secret).catch(() => {});
			}
		};
		check(session.status);
		return session.onStatus(check);
	}

	/**
	 * Removes `member` from the triad: releases their seat and records the removal in its log at
	 * once (offline too), then changes the triad's access so that their device is cut off. The
	 * change needs the relay: offline it stays pending in the directory and runs when the relay is
	 * next reachable. Throws, changing nothing, when this device may not write.
	 */
	async removeMember(session: TriadSession, member: MemberId): Promise<RotationRun> {
		if (session.refusal !== null) {
			throw new Error('The relay does not accept this device’s link, so it cannot remove anyone.');
		}
		session.write.removeMember(member);
		await this.#directory.requestRotation(session.docId);
		return this.rotate(session.docId);
	}

	/** Runs the pending rotation of a triad, once at a time; a call meanwhile joins the run. */
	rotate(docId: DocumentId): Promise<RotationRun> {
		let run = this.#runs.get(docId);
		if (!run) {
			run = this.#directory
				.runRotation(docId)
				.catch((): RotationRun => 'waiting')
				.then((result) => {
					this.#runs.delete(docId);
					if (result !== 'none') this.#ended.set(docId, result);
					return result;
				});
			this.#runs.set(docId, run);
		}
		return run;
	}

	/** Where the latest change of a triad's access on this page stands; null when there was none. */
	state(docId: DocumentId): RotationState | null {
		if (this.#runs.has(docId)) return 'running';
		if (this.#entry(docId)?.pendingRotation) return 'waiting';
		const ended = this.#ended.get(docId);
		return ended === undefined || ended === 'none' || ended === 'waiting' ? null : ended;
	}

	/** Forgets how the latest change ended, once the member has taken in its outcome. */
	dismiss(docId: DocumentId): void {
		this.#ended.delete(docId);
	}

	#entry(docId: DocumentId): WorkspaceEntry | undefined {
		return this.#directory.workspaces.find((entry) => entry.docId === docId);
	}
}

/** The page's one instance, over the device directory. */
export const triadAccess = new TriadAccess(device);
