import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readMembers } from '../doc/members';
import type { MemberId } from '../domain/ids';
import type { Identity } from './identity';
import { createMemoryStorage, type MemoryStorage } from './memory-local-store';
import { MemoryRelay } from './memory-transport';
import { openWorkspace, type SyncStatus, type WorkspaceHandle } from './open-workspace';
import { memberColor } from './presence';
import { newDocumentId, newMemberId, newWorkspaceSecret } from './workspace-secret';
import { addMember, memberNames } from './spec-members';
import { untilStatus } from './until-status';

const ada: Identity = { memberId: newMemberId(), name: 'Ada', createdAt: 0 };
const bo: Identity = { memberId: newMemberId(), name: 'Bo', createdAt: 0 };

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

function openOn(w: World, storage: MemoryStorage, identity = ada): WorkspaceHandle {
	const handle = openWorkspace({
		docId: w.docId,
		secret: w.secret,
		identity,
		transport: w.relay.transport,
		localStore: storage.open
	});
	open.push(handle);
	return handle;
}

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
			if (subtle) Object.defineProperty(globalThis.crypto, 'subtle', subtle);
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
