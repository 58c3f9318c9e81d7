import 'fake-indexeddb/auto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { putMember } from '../doc/members';
import { failWritesWithQuota } from './testing/fake-indexeddb-faults';
import type { Identity } from './identity';
import { openWorkspace, type WorkspaceHandle } from './open-workspace';
import { startTestRelay, type TestRelay } from './testing/test-relay';
import { newDocumentId, newMemberId, newWorkspaceSecret } from './workspace-secret';
import { memberNames } from './testing/members';
import { untilStatus } from './testing/until-status';
import { testIdentity } from './testing/identity';

/*
 * The real stack in Node: y-indexeddb on fake-indexeddb, y-websocket over `ws`, and the
 * project's relay (server/main.ts) on 127.0.0.1.
 */

const identity: Identity = testIdentity('Ada');
let relay: TestRelay;
let relayUp = true;
const handles: WorkspaceHandle[] = [];

beforeAll(async () => {
	relay = await startTestRelay();
});
afterEach(async () => {
	await Promise.all(handles.splice(0).map((h) => h.close()));
	if (!relayUp) await relay.start();
	relayUp = true;
});
afterAll(async () => {
	await relay.dispose();
});

function openReal(docId = newDocumentId(), secret = newWorkspaceSecret()): WorkspaceHandle {
	const handle = openWorkspace({
		docId,
		secret,
		identity,
		relayUrl: relay.url,
		WebSocket: NodeWebSocket as unknown as typeof WebSocket,
		// Node has BroadcastChannel too; devices must meet only through the relay here.
		crossTab: false
	});
	handles.push(handle);
	return handle;
}

// Restarting the relay (a child process running TypeScript) takes seconds on a loaded machine,
// and the client's backoff grows meanwhile: more than the 5 s a unit test gets by default.
describe('openWorkspace with IndexedDB and the WebSocket relay', { timeout: 30_000 }, () => {
	it('syncs an offline edit once the relay is back, and clears the unsynced flag', async () => {
		await relay.stop();
		relayUp = false;
		const docId = newDocumentId();
		const secret = newWorkspaceSecret();
		const a = openReal(docId, secret);
		await a.whenLocalLoaded;
		putMember(a.doc, { id: newMemberId(), name: 'Offline', joinedAt: 1 });
		expect(a.status.unsyncedLocalChanges).toBe(true);
		await relay.start();
		relayUp = true;
		const settled = await untilStatus(
			a,
			(s) => s.connection === 'synced' && !s.unsyncedLocalChanges
		);
		expect(settled.storageError).toBeNull();

		const b = openReal(docId, secret);
		await untilStatus(b, (s) => s.connection === 'synced');
		expect(memberNames(b.doc)).toEqual(['Offline']);
	});

	it('keeps edits across a reload from IndexedDB before connecting', async () => {
		await relay.stop();
		relayUp = false;
		const docId = newDocumentId();
		const secret = newWorkspaceSecret();
		const first = openReal(docId, secret);
		await first.whenLocalLoaded;
		putMember(first.doc, { id: newMemberId(), name: 'Saved', joinedAt: 1 });
		await first.close();
		const again = openReal(docId, secret);
		await again.whenLocalLoaded;
		expect(memberNames(again.doc)).toEqual(['Saved']);
		await untilStatus(again, (s) => s.unsyncedLocalChanges);
	});

	it('shows a full disk as status.storageError kind "quota"', async () => {
		const handle = openReal();
		await handle.whenLocalLoaded;
		const heal = failWritesWithQuota();
		try {
			putMember(handle.doc, { id: newMemberId(), name: 'Too much', joinedAt: 1 });
			const failed = await untilStatus(handle, (s) => s.storageError !== null);
			expect(failed.storageError?.kind).toBe('quota');
		} finally {
			heal();
		}
	});
});
