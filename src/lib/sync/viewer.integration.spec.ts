import 'fake-indexeddb/auto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { WebSocket as NodeWebSocket } from 'ws';
import { relayCredentials } from './relay-token';
import { viewerInvite } from './access-rotation';
import type { Identity } from './identity';
import type { Invite } from './invite-link';
import { openWorkspace, type WorkspaceHandle } from './open-workspace';
import type { RelayTransport } from './relay-transport';
import { addMember, memberNames } from './testing/members';
import { startTestRelay, type TestRelay } from './testing/test-relay';
import { untilStatus } from './testing/until-status';
import { createWebsocketTransport } from './websocket-transport';
import { newDocumentId, newWorkspaceSecret } from './workspace-secret';
import { testIdentity } from './testing/identity';

/*
 * A viewer against the project's relay, which closes a viewer connection that sends anything
 * but a sync step 1 (4405). Members come, change presence and edit while the viewer watches.
 */

let relay: TestRelay;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
	relay = await startTestRelay();
});
afterEach(async () => {
	await Promise.all(closers.splice(0).map((close) => close()));
});
afterAll(async () => {
	await relay.dispose();
});

const identity = (name: string): Identity => testIdentity(name);

function open(invite: Invite, name: string): WorkspaceHandle {
	const handle = openWorkspace({
		docId: invite.docId,
		secret: invite.secret,
		access: invite.access,
		identity: identity(name),
		relayUrl: relay.url,
		WebSocket: NodeWebSocket as unknown as typeof WebSocket,
		crossTab: false
	});
	closers.push(() => handle.close());
	return handle;
}

function untilDoc(doc: Y.Doc, check: () => boolean): Promise<void> {
	return new Promise((resolve) => {
		const test = () => {
			if (!check()) return;
			doc.off('update', test);
			resolve();
		};
		doc.on('update', test);
		test();
	});
}

/** A member triad on the relay, and its viewer link. */
async function triadWithViewerLink() {
	const member: Invite = {
		docId: newDocumentId(),
		secret: newWorkspaceSecret(),
		access: 'member',
		name: 'Harbour'
	};
	const ana = open(member, 'Ana');
	await ana.whenLocalLoaded;
	addMember(ana.doc, 'Ana');
	await untilStatus(ana, (s) => s.connection === 'synced' && !s.unsyncedLocalChanges);
	return { member, viewer: await viewerInvite(member), ana };
}

/** Waits `ms`, for what would arrive if something went wrong. */
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a viewer through the relay', { timeout: 20_000 }, () => {
	it('stays connected and follows edits while members come, go and change presence', async () => {
		const { member, viewer, ana } = await triadWithViewerLink();
		const vic = open(viewer, 'Vic');
		await untilStatus(vic, (s) => s.connection === 'synced');
		expect(memberNames(vic.doc)).toEqual(['Ana']);

		const ben = open(member, 'Ben');
		await untilStatus(ben, (s) => s.connection === 'synced');
		await new Promise<void>((resolve) => {
			const stop = vic.onPeers((peers) => {
				if (peers.some((peer) => peer.user.name === 'Ben')) resolve(stop());
			});
		});
		ana.setEditing('some proposal');
		ben.updatePresence({ seat: 'bearer' });
		addMember(ana.doc, 'Later');
		await untilDoc(vic.doc, () => memberNames(vic.doc).includes('Later'));
		await ben.close();
		await settle(500);
		expect(vic.status.refusal).toBeNull();
		expect(vic.status.connection).toBe('synced');
		addMember(ana.doc, 'Last');
		await untilDoc(vic.doc, () => memberNames(vic.doc).includes('Last'));
		// Nobody sees the viewer: it announced nothing.
		expect(ana.peers().map((peer) => peer.user.name)).toEqual([]);
	});

	/*
	 * y-websocket's awareness handler sends every awareness `update` to the relay, those received
	 * from others included; the relay drops a viewer's echoes of what it heard and refuses only a
	 * presence of its own. openWorkspace also gives a viewer an awareness that emits nothing.
	 */
	it('websocket transport: a viewer that echoes others’ presence stays connected', async () => {
		const { viewer, ana } = await triadWithViewerLink();
		const doc = new Y.Doc();
		const awareness = new Awareness(doc);
		awareness.setLocalState(null);
		const credentials = await relayCredentials(viewer.docId, viewer.secret, 'viewer');
		const transport: RelayTransport = createWebsocketTransport({
			docId: viewer.docId,
			doc,
			awareness,
			token: credentials.token,
			viewerToken: null,
			access: 'viewer',
			relayUrl: relay.url,
			WebSocket: NodeWebSocket as unknown as typeof WebSocket,
			network: null
		});
		closers.push(() => transport.destroy());
		transport.connect();
		await new Promise<void>((resolve) => {
			const stop = transport.onStateChange((state) => {
				if (state === 'synced') resolve(stop());
			});
		});
		ana.setEditing('a proposal');
		await settle(1000);
		expect(transport.refusal).toBeNull();
	});

	/*
	 * A viewer says it is one (`role=viewer`), and the relay never registers a document from it: a
	 * viewer link opened before any member's device reached the relay waits (1013, retried) instead
	 * of taking the viewer token as the member token.
	 */
	it('relay: a viewer link opened before any member connected waits for one, and then follows', async () => {
		const member: Invite = {
			docId: newDocumentId(),
			secret: newWorkspaceSecret(),
			access: 'member',
			name: 'Harbour'
		};
		const vic = open(await viewerInvite(member), 'Vic');
		await settle(300);
		expect(vic.status.connection).not.toBe('synced');
		expect(vic.status.refusal).toBeNull();
		const ana = open(member, 'Ana');
		const status = await untilStatus(ana, (s) => s.connection === 'synced' || s.refusal !== null);
		expect(status.refusal).toBeNull();
		addMember(ana.doc, 'Ana');
		await untilDoc(vic.doc, () => memberNames(vic.doc).includes('Ana'));
		expect(vic.status.refusal).toBeNull();
	});
});
