import { describe, expect, it } from 'vitest';
import type { DocumentId } from '$lib/domain/ids';
import type { WorkspaceEntry } from '$lib/sync/workspace-directory';
import { newDocumentId, newWorkspaceSecret } from '$lib/sync/workspace-secret';
import { OpenTriads, type OverviewStore } from './open-triads.svelte';
import type { TriadOverview } from './triad-overview';

/**
 * A device database whose directory is read when the test says so, counting the overview reads
 * per triad: a second read for one triad shows that what was read ahead had been dropped.
 */
class ScriptedDevice implements OverviewStore {
	workspaces: WorkspaceEntry[] = [];
	readonly reads = new Map<DocumentId, number>();
	readonly #loaded: Promise<void>;
	#finishLoading: (joined: DocumentId[]) => void = () => undefined;

	constructor() {
		this.#loaded = new Promise((resolve) => {
			this.#finishLoading = (joined) => {
				this.workspaces = joined.map((docId) => ({
					docId,
					secret: newWorkspaceSecret(),
					access: 'member',
					name: 'A triad',
					joinedAt: 1,
					lastOpened: 1,
					accessChanged: false,
					pendingRotation: null
				}));
				resolve();
			};
		});
	}

	/** Ends the directory read: this device joined exactly `joined`. */
	finishLoading(joined: DocumentId[]): void {
		this.#finishLoading(joined);
	}

	readOverview(docId: DocumentId): Promise<TriadOverview | null> {
		this.reads.set(docId, (this.reads.get(docId) ?? 0) + 1);
		return Promise.resolve(null);
	}

	saveOverview(): Promise<void> {
		return Promise.resolve();
	}

	load(): Promise<void> {
		return this.#loaded;
	}
}

/** Lets every pending promise callback run. */
function settle(): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, 0));
}

describe('OpenTriads.prefetch', () => {
	it('drops what it read ahead for a triad the device directory does not hold', async () => {
		const device = new ScriptedDevice();
		const triads = new OpenTriads(device);
		const stranger = newDocumentId();

		triads.prefetch(stranger);
		device.finishLoading([newDocumentId()]);
		await settle();
		// Nothing kept for it any more, so asking again reads again.
		triads.prefetch(stranger);
		expect(device.reads.get(stranger)).toBe(2);
	});

	it('keeps what it read ahead for a triad the device joined', async () => {
		const device = new ScriptedDevice();
		const triads = new OpenTriads(device);
		const joined = newDocumentId();

		triads.prefetch(joined);
		device.finishLoading([joined]);
		await settle();
		triads.prefetch(joined);
		expect(device.reads.get(joined)).toBe(1);
	});

	it('drops a read ahead made after the directory was read, for a triad not in it', async () => {
		const device = new ScriptedDevice();
		const triads = new OpenTriads(device);
		const joined = newDocumentId();
		const stranger = newDocumentId();
		device.finishLoading([joined]);
		await settle();

		triads.prefetch(joined);
		triads.prefetch(stranger);
		await settle();
		triads.prefetch(joined);
		triads.prefetch(stranger);
		expect([device.reads.get(joined), device.reads.get(stranger)]).toEqual([1, 2]);
	});
});
