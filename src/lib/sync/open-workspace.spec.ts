import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readMembers } from '../doc/members';
import type { MemberId } from '../domain/ids';
import { viewerInvite } from './access-rotation';
import type { Identity } from './identity';
import { createMemoryStorage, type MemoryStorage } from './testing/memory-local-store';
import { MemoryRelay } from './testing/memory-transport';
import {
	openWorkspace,
	type OpenWorkspaceOptions,
	type SyncStatus,
	type WorkspaceHandle
} from './open-workspace';
import { tabChannelName } from './tab-channel';
import { memberColor } from './presence';
import { newDocumentId, newMemberId, newWorkspaceSecret } from './workspace-secret';
import { addMember, memberNames } from './testing/members';
import { untilStatus } from './testing/until-status';
import { testIdentity } from './testing/identity';

const ada: Identity = testIdentity('Ada');
const bo: Identity = testIdentity('Bo');

const open: WorkspaceHandle[] = [];
afterEach(async () => {
	await Promise.all(open.splice(0).map((handle) => handle.close()));
});

interface World {
	relay: MemoryRelay;
	docId: ReturnType<typeof newDocumentId>;
	secret: ReturnType<typeof newWorkspaceSecret>;
}

function world(): World {
	return { relay: new MemoryRelay(), docId: newDocumentId(), secret: newWorkspaceSecret() };
}

/**
 * Opens `w` as a device of its own. Node has BroadcastChannel too, and devices in one process
 * would otherwise meet as tabs of one browser, without the relay.
 */
function openOn(w: World, storage: MemoryStorage, identity = ada): WorkspaceHandle {
	return openTab(w, storage, identity, { crossTab: false });
}

/** Opens `w` as a tab of this browser: it syncs with the other tabs of its document. */
function openTab(
	w: World,
	storage: MemoryStorage,
	identity = ada,
	options: Partial<OpenWorkspaceOptions> = {}
): WorkspaceHandle {
	const handle = openWorkspace({
		docId: w.docId,
		secret: w.secret,
		identity,
		transport: w.relay.transport,
		localStore: storage.open,
		...options
	});
	open.push(handle);
	return handle;
}

/** Resolves once `check` holds, re-checking after every update of the handles' documents. */
function untilDocs(handles: WorkspaceHandle[], check: () => boolean): Promise<void> {
	return new Promise((resolve) => {
		const test = () => {
			if (!check()) return;
			for (const handle of handles) handle.doc.off('update', test);
			resolve();
		};
		for (const handle of handles) handle.doc.on('update', test);
		test();
	});
}

const cannotConnect = () => {
	throw new Error('no WebSocket here');
};

describe('openWorkspace', () => {
	it('loads the local copy first, then goes offline → connecting → syncing → synced', async () => {
		const w = world();
		const handle = openOn(w, createMemoryStorage());
		const seen: SyncStatus[] = [];
		handle.onStatus((status) => seen.push(status));
		expect(handle.status.connection).toBe('offline');
		await untilStatus(handle, (s) => s.connection === 'synced');
		expect(seen.map((s) => s.connection).filter((c, i, all) => c !== all[i - 1])).toEqual([
			'offline',
			'connecting',
			'syncing',
			'synced'
		]);
		expect(seen.find((s) => s.connection === 'connecting')?.localLoaded).toBe(true);
		expect(handle.status).toMatchObject({ unsyncedLocalChanges: false, storageError: null });
	});

	it('flags an offline edit as unsynced until the relay holds it', async () => {
		const w = world();
		w.relay.setOnline(false);
		const handle = openOn(w, createMemoryStorage());
		await handle.whenLocalLoaded;
		addMember(handle.doc, 'Offline');
		expect(handle.status.unsyncedLocalChanges).toBe(true);
		expect(handle.status.connection).not.toBe('synced');
		w.relay.setOnline(true);
		const settled = await untilStatus(handle, (s) => !s.unsyncedLocalChanges);
		expect(settled.connection).toBe('synced');
		const relayCopy = w.relay.documentOf(w.docId);
		expect(relayCopy && readMembers(relayCopy).map((m) => m.name)).toEqual(['Offline']);
	});

	it('flags an edit made while synced until it is confirmed', async () => {
		const w = world();
		const handle = openOn(w, createMemoryStorage());
		await untilStatus(handle, (s) => s.connection === 'synced');
		const flags: boolean[] = [];
		handle.onStatus((s) => flags.push(s.unsyncedLocalChanges));
		addMember(handle.doc, 'Live');
		expect(handle.status.unsyncedLocalChanges).toBe(true);
		await untilStatus(handle, (s) => !s.unsyncedLocalChanges);
		expect(flags.filter((f, i) => f !== flags[i - 1])).toEqual([true, false]);
	});

	it('still knows about unsynced edits after a reload while offline', async () => {
		const w = world();
		const storage = createMemoryStorage();
		w.relay.setOnline(false);
		const first = openOn(w, storage);
		await first.whenLocalLoaded;
		addMember(first.doc, 'Unsent');
		await first.close();

		const reloaded = openOn(w, storage);
		await reloaded.whenLocalLoaded;
		await untilStatus(reloaded, (s) => s.unsyncedLocalChanges);
		expect(memberNames(reloaded.doc)).toEqual(['Unsent']);
		w.relay.setOnline(true);
		await untilStatus(reloaded, (s) => !s.unsyncedLocalChanges && s.connection === 'synced');
		expect(readMembers(w.relay.documentOf(w.docId)!).map((m) => m.name)).toEqual(['Unsent']);
	});

	it('does not report synced data as unsynced after a reload, even with remote changes', async () => {
		const w = world();
		const storage = createMemoryStorage();
		const mine = openOn(w, storage);
		const theirs = openOn(w, createMemoryStorage(), bo);
		addMember(mine.doc, 'Mine');
		await untilStatus(mine, (s) => s.connection === 'synced' && !s.unsyncedLocalChanges);
		addMember(theirs.doc, 'Theirs');
		await untilStatus(theirs, (s) => !s.unsyncedLocalChanges && s.connection === 'synced');
		await new Promise<void>((resolve) => {
			if (memberNames(mine.doc).length === 2) return resolve();
			mine.doc.on('update', () => memberNames(mine.doc).length === 2 && resolve());
		});
		await mine.close();

		w.relay.setOnline(false);
		const reloaded = openOn(w, storage);
		// The session connects only after comparing the loaded copy with its sync marker.
		const attempting = await untilStatus(reloaded, (s) => s.connection === 'connecting');
		expect(memberNames(reloaded.doc)).toEqual(['Mine', 'Theirs']);
		expect(attempting.unsyncedLocalChanges).toBe(false);
		expect(reloaded.status.unsyncedLocalChanges).toBe(false);
	});

	it('converges two members through the relay and shows their presence', async () => {
		const w = world();
		const a = openOn(w, createMemoryStorage(), ada);
		const b = openOn(w, createMemoryStorage(), bo);
		addMember(a.doc, 'Ada');
		addMember(b.doc, 'Bo');
		a.setEditing('proposal-1');
		await untilStatus(a, (s) => s.connection === 'synced' && !s.unsyncedLocalChanges);
		await untilStatus(b, (s) => s.connection === 'synced' && !s.unsyncedLocalChanges);
		await new Promise<void>((resolve) => {
			const check = () =>
				memberNames(a.doc).length === 2 &&
				memberNames(b.doc).length === 2 &&
				b.peers().some((p) => p.editing === 'proposal-1') &&
				resolve();
			if (!check()) {
				a.doc.on('update', check);
				b.doc.on('update', check);
				b.onPeers(check);
			}
		});
		expect(memberNames(a.doc)).toEqual(['Ada', 'Bo']);
		expect(memberNames(b.doc)).toEqual(['Ada', 'Bo']);
		expect(b.peers()).toEqual([
			{
				clientId: a.doc.clientID,
				user: { memberId: ada.memberId, name: 'Ada', color: memberColor(ada.memberId), seat: null },
				editing: 'proposal-1'
			}
		]);
	});

	it('changes only its own presence fields, keeping what the editor caret put there', () => {
		const a = openOn(world(), createMemoryStorage(), ada);
		const cursor = { anchor: { type: 'caret-anchor' }, head: { type: 'caret-head' } };
		a.awareness.setLocalStateField('cursor', cursor);
		a.setEditing('proposal-1');
		a.updatePresence({ seat: 'keeper', name: 'Ada L.' });
		expect(a.awareness.getLocalState()).toEqual({
			user: {
				memberId: ada.memberId,
				name: 'Ada L.',
				color: memberColor(ada.memberId),
				seat: 'keeper'
			},
			editing: 'proposal-1',
			cursor
		});
		a.setEditing(null);
		expect(a.awareness.getLocalState()?.cursor).toEqual(cursor);
		expect(a.awareness.getLocalState()?.editing).toBeNull();
	});

	it('merges an outside update as a local change that reaches the relay', async () => {
		const w = world();
		const source = openOn({ ...world(), docId: w.docId }, createMemoryStorage(), bo);
		addMember(source.doc, 'From the file');
		const target = openOn(w, createMemoryStorage(), ada);
		await untilStatus(target, (s) => s.connection === 'synced');
		target.mergeUpdate(Y.encodeStateAsUpdate(source.doc));
		expect(memberNames(target.doc)).toEqual(['From the file']);
		expect(target.status.unsyncedLocalChanges).toBe(true);
		await untilStatus(target, (s) => !s.unsyncedLocalChanges);
		const other = openOn(w, createMemoryStorage(), bo);
		await untilStatus(other, (s) => s.connection === 'synced');
		expect(memberNames(other.doc)).toEqual(['From the file']);
	});

	it('merges no update that fails validation', async () => {
		const w = world();
		const target = openOn(w, createMemoryStorage(), ada);
		await target.whenLocalLoaded;
		addMember(target.doc, 'Ada');
		const before = Y.encodeStateAsUpdate(target.doc);
		// Client 99, a GC struct of length 0: merged, the document would no longer load.
		expect(() => target.mergeUpdate(Uint8Array.of(1, 1, 99, 0, 0, 0, 0))).toThrow('empty');
		expect(Y.encodeStateAsUpdate(target.doc)).toEqual(before);
	});

	it('surfaces a full disk as status.storageError', async () => {
		const w = world();
		const storage = createMemoryStorage();
		const handle = openOn(w, storage);
		await handle.whenLocalLoaded;
		storage.failWrites('quota');
		addMember(handle.doc, 'Too much');
		expect(handle.status.storageError?.kind).toBe('quota');
		expect(handle.status.storageError?.message).toMatch(/storage/);
	});

	it('surfaces a refused token as status.refusal', async () => {
		const w = world();
		const owner = openOn(w, createMemoryStorage());
		await untilStatus(owner, (s) => s.connection === 'synced');
		const intruder = openWorkspace({
			docId: w.docId,
			secret: newWorkspaceSecret(),
			identity: bo,
			transport: w.relay.transport,
			localStore: createMemoryStorage().open
		});
		open.push(intruder);
		const refused = await untilStatus(intruder, (s) => s.refusal !== null);
		expect(refused.connection).toBe('offline');
	});

	it('reconnects with another secret, keeping the document and sending what the relay lacks', async () => {
		const w = world();
		const owner = openOn(w, createMemoryStorage());
		await owner.whenLocalLoaded;
		addMember(owner.doc, 'Owner');
		await untilStatus(owner, (s) => s.connection === 'synced' && !s.unsyncedLocalChanges);
		const wrong = newWorkspaceSecret();
		const device = openWorkspace({
			docId: w.docId,
			secret: wrong,
			identity: bo,
			transport: w.relay.transport,
			localStore: createMemoryStorage().open,
			crossTab: false
		});
		open.push(device);
		await untilStatus(device, (s) => s.refusal !== null);
		addMember(device.doc, 'Written while refused');
		expect(device.secret).toBe(wrong);

		device.reconnect(w.secret);
		expect(device.secret).toBe(w.secret);
		expect(device.access).toBe('member');
		expect(device.status.refusal).toBeNull();
		await untilStatus(device, (s) => s.connection === 'synced' && !s.unsyncedLocalChanges);
		await untilDocs([owner], () => memberNames(owner.doc).length === 2);
		expect(memberNames(owner.doc)).toEqual(['Owner', 'Written while refused']);
		expect(memberNames(device.doc)).toEqual(['Owner', 'Written while refused']);
	});

	it('sends nothing as a viewer, and refuses merged updates', async () => {
		const w = world();
		const owner = openOn(w, createMemoryStorage());
		await owner.whenLocalLoaded;
		addMember(owner.doc, 'Owner');
		await untilStatus(owner, (s) => s.connection === 'synced' && !s.unsyncedLocalChanges);
		expect(owner.access).toBe('member');
		const { secret: readSecret } = await viewerInvite({
			docId: w.docId,
			secret: w.secret,
			access: 'member',
			name: 'T'
		});
		const reader = openWorkspace({
			docId: w.docId,
			secret: readSecret,
			access: 'viewer',
			identity: bo,
			transport: w.relay.transport,
			localStore: createMemoryStorage().open,
			crossTab: false
		});
		open.push(reader);
		await untilStatus(reader, (s) => s.connection === 'synced');
		expect(reader.access).toBe('viewer');
		expect(memberNames(reader.doc)).toEqual(['Owner']);
		expect(reader.awareness.getLocalState()).toBeNull();
		reader.updatePresence({ name: 'Bo' });
		expect(reader.awareness.getLocalState()).toBeNull();
		expect(() => reader.mergeUpdate(Y.encodeStateAsUpdate(new Y.Doc()))).toThrow(/viewer/);
		// It follows live changes.
		addMember(owner.doc, 'Later');
		await untilDocs([reader], () => memberNames(reader.doc).length === 2);
		expect(reader.status.unsyncedLocalChanges).toBe(false);
	});

	it('surfaces a transport that cannot be made as status.setupError, and keeps local work', async () => {
		const w = world();
		const handle = openWorkspace({
			docId: w.docId,
			secret: w.secret,
			identity: ada,
			transport: () => {
				throw new Error('no WebSocket here');
			},
			localStore: createMemoryStorage().open
		});
		open.push(handle);
		const failed = await untilStatus(handle, (s) => s.setupError !== null);
		expect(failed.setupError).toMatch(/no WebSocket here/);
		expect(failed.connection).toBe('offline');
		addMember(handle.doc, 'Still here');
		expect(memberNames(handle.doc)).toEqual(['Still here']);
	});

	it('says the page is not secure when WebCrypto is missing', async () => {
		const w = world();
		const subtle = Object.getOwnPropertyDescriptor(globalThis.crypto, 'subtle');
		Object.defineProperty(globalThis.crypto, 'subtle', { value: undefined, configurable: true });
		try {
			const handle = openOn(w, createMemoryStorage());
			const failed = await untilStatus(handle, (s) => s.setupError !== null);
			expect(failed.setupError).toMatch(/not secure/);
		} finally {
			// Node defines `subtle` on Crypto's prototype: then the own property shadowing it goes.
			if (subtle) Object.defineProperty(globalThis.crypto, 'subtle', subtle);
			else delete (globalThis.crypto as { subtle?: SubtleCrypto }).subtle;
		}
	});
});

describe('openWorkspace in several tabs of one browser', () => {
	it('syncs edits and presence between tabs when there is no relay transport (setupError)', async () => {
		const w = world();
		const first = openTab(w, createMemoryStorage(), ada, { transport: cannotConnect });
		const second = openTab(w, createMemoryStorage(), ada, { transport: cannotConnect });
		await untilStatus(first, (s) => s.setupError !== null);
		await untilStatus(second, (s) => s.setupError !== null);
		addMember(first.doc, 'From the first tab');
		await untilDocs([second], () => memberNames(second.doc).length === 1);
		addMember(second.doc, 'From the second tab');
		await untilDocs([first], () => memberNames(first.doc).length === 2);
		expect(memberNames(first.doc)).toEqual(['From the first tab', 'From the second tab']);
		expect(second.status.unsyncedLocalChanges).toBe(true);
		await new Promise<void>((resolve) => {
			if (first.peers().length === 1) return resolve();
			first.onPeers((peers) => peers.length === 1 && resolve());
		});
		expect(first.peers().map((peer) => peer.clientId)).toEqual([second.doc.clientID]);
	});

	it('sends what another tab wrote to the relay, flagged unsynced until the relay holds it', async () => {
		const w = world();
		const offlineTab = openTab(w, createMemoryStorage(), ada, { connect: false });
		const onlineTab = openTab(w, createMemoryStorage(), ada);
		await untilStatus(onlineTab, (s) => s.connection === 'synced' && !s.unsyncedLocalChanges);
		await offlineTab.whenLocalLoaded;
		const flags: boolean[] = [];
		onlineTab.onStatus((s) => flags.push(s.unsyncedLocalChanges));
		addMember(offlineTab.doc, 'Written in the other tab');
		await untilDocs([onlineTab], () => memberNames(onlineTab.doc).length === 1);
		await untilStatus(onlineTab, (s) => !s.unsyncedLocalChanges);
		expect(flags.filter((f, i) => f !== flags[i - 1])).toEqual([true, false]);
		expect(readMembers(w.relay.documentOf(w.docId)!).map((m) => m.name)).toEqual([
			'Written in the other tab'
		]);
	});

	it('does not pass what came from the relay on to the other tabs', async () => {
		const w = world();
		const first = openTab(w, createMemoryStorage(), ada);
		const second = openTab(w, createMemoryStorage(), ada);
		await untilStatus(first, (s) => s.connection === 'synced');
		await untilStatus(second, (s) => s.connection === 'synced');
		await new Promise((resolve) => setTimeout(resolve, 50));
		const onChannel: unknown[] = [];
		const listener = new BroadcastChannel(tabChannelName(w.docId));
		listener.onmessage = (event: MessageEvent) => onChannel.push(event.data);
		try {
			const otherDevice = openOn(w, createMemoryStorage(), bo);
			addMember(otherDevice.doc, 'From another device');
			await untilDocs([first, second], () =>
				[first, second].every((tab) => memberNames(tab.doc).length === 1)
			);
			await new Promise((resolve) => setTimeout(resolve, 50));
			expect(
				onChannel.filter((message) => (message as { kind?: unknown }).kind === 'update')
			).toEqual([]);
			expect(first.status.unsyncedLocalChanges || second.status.unsyncedLocalChanges).toBe(false);
		} finally {
			listener.close();
		}
	});
});

describe('memberColor', () => {
	it('is stable per member and spreads members over the palette', () => {
		const id = 'AAECAwQFBgcICQoLDA0ODw' as MemberId;
		expect(memberColor(id)).toBe(memberColor(id));
		const colours = new Set(Array.from({ length: 50 }, () => memberColor(newMemberId())));
		expect(colours.size).toBeGreaterThan(5);
		for (const colour of colours) expect(colour).toMatch(/^#[0-9a-f]{6}$/);
	});
});
