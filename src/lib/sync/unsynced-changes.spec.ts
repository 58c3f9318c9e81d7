import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createMemoryStorage } from './testing/memory-local-store';
import type { RelayTransport } from './relay-transport';
import { addMember } from './testing/members';
import { UnsyncedChangesTracker } from './unsynced-changes';
import { newDocumentId } from './workspace-secret';

describe('UnsyncedChangesTracker', () => {
	it('asks the relay for a receipt only after the change has been sent', async () => {
		const doc = new Y.Doc();
		const store = createMemoryStorage().open(newDocumentId(), doc);
		await store.whenLoaded;
		const tracker = new UnsyncedChangesTracker(doc, store);
		const wire: string[] = [];
		const transport: RelayTransport = {
			state: 'synced',
			refusal: null,
			onStateChange: () => () => undefined,
			isFromRelay: () => false,
			confirmRelayHasDoc: async () => {
				wire.push('barrier');
				return true;
			},
			connect: () => undefined,
			disconnect: () => undefined,
			destroy: () => undefined
		};
		tracker.attach(transport);
		// Like y-websocket, whose provider listens to the document after the tracker does.
		doc.on('update', () => wire.push('update'));

		addMember(doc, 'Ada');
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(wire).toEqual(['update', 'barrier']);
		expect(tracker.pending).toBe(false);
		tracker.destroy();
		await store.destroy();
	});
});
