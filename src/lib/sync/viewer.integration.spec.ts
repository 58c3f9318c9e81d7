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
import { addMember, memberNames } from './spec-members';
import { startTestRelay, type TestRelay } from './test-relay';
import { untilStatus } from './until-status';
import { createWebsocketTransport } from './websocket-transport';
import { newDocumentId, newMemberId, newWorkspaceSecret } from './workspace-secret';

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

const identity = (name: string): Identity => ({ memberId: newMemberId(), name, createdAt: 0 });

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
	 * Bug in websocket-transport.ts (left to its owner): y-websocket's awareness handler sends every
	 * awareness `update` to the relay, those received from others included, so a viewer transport
	 * given a plain Awareness sends the members' presence back and the relay closes it with 4405.
	 * openWorkspace works around it (a viewer's awareness emits no `update`). This case passes while
	 * the bug is there; once the transport drops awareness for viewers, it fails: remove `.fails`.
	 */
	it.fails(
		'websocket transport: a viewer sends others’ presence back and is closed (bug)',
		async () => {
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
		}
	);

	/*
	 * Bug in the relay's trust on first use (server/access.ts, left to its owner): the first token
	 * presented for an unknown document is registered as its member token, whoever presents it. A
	 * viewer link opened before any member's device reached the relay registers the viewer token as
	 * the member token, and every member is refused from then on (4403). The protocol has no way for
	 * a viewer to say it is one. The app offers the viewer link only once the triad has reached the
	 * relay. This case passes while the bug is there; once fixed, it fails: remove `.fails`.
	 */
	it.fails(
		'relay: a viewer link opened before any member connected locks members out (bug)',
		async () => {
			const member: Invite = {
				docId: newDocumentId(),
				secret: newWorkspaceSecret(),
				access: 'member',
				name: 'Harbour'
			};
			const vic = open(await viewerInvite(member), 'Vic');
			await untilStatus(vic, (s) => s.connection === 'synced' || s.refusal !== null);
			const ana = open(member, 'Ana');
			const status = await untilStatus(ana, (s) => s.connection === 'synced' || s.refusal !== null);
			expect(status.refusal).toBeNull();
		}
	);
});
