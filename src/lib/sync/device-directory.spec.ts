import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { createDeviceDb } from './device-db';
import { loadIdentity, renameIdentity, saveIdentity } from './identity';
import { failWritesWithQuota } from './testing/fake-indexeddb-faults';
import { createInviteLink } from './invite-link';
import { StorageError } from './storage-error';
import {
	addWorkspace,
	createWorkspace,
	joinFromInviteLink,
	listWorkspaces,
	removeWorkspace,
	touchWorkspace
} from './workspace-directory';
import { newDocumentId, newWorkspaceSecret } from './workspace-secret';

/** A fresh IndexedDB per test; `reopen` simulates a reload of the app on the same device. */
function device() {
	const indexedDB = new IDBFactory();
	return { db: createDeviceDb({ indexedDB }), reopen: () => createDeviceDb({ indexedDB }) };
}

describe('identity', () => {
	it('is null until saved, then survives a reload with a stable member id', async () => {
		const { db, reopen } = device();
		expect(await loadIdentity(db)).toBeNull();
		const saved = await saveIdentity(db, '  Ada  ', 1000);
		expect(saved.name).toBe('Ada');
		expect(saved.memberId).toMatch(/^[A-Za-z0-9_-]{22}$/);
		db.close();
		const later = reopen();
		expect(await loadIdentity(later)).toEqual(saved);
		const renamed = await renameIdentity(later, 'Ada L.');
		expect(renamed).toEqual({ ...saved, name: 'Ada L.' });
		expect(await loadIdentity(reopen())).toEqual(renamed);
	});

	it('gives different people different member ids', async () => {
		const a = await saveIdentity(device().db, 'A');
		const b = await saveIdentity(device().db, 'B');
		expect(a.memberId).not.toBe(b.memberId);
	});

	it('rejects unusable names and renaming before an identity exists', async () => {
		const { db } = device();
		await expect(saveIdentity(db, '   ')).rejects.toThrow(RangeError);
		await expect(saveIdentity(db, 'x'.repeat(61))).rejects.toThrow(RangeError);
		await expect(renameIdentity(db, 'Bo')).rejects.toThrow('no identity');
	});
});

describe('workspace directory', () => {
	it('creates workspaces offline and lists them, most recently opened first', async () => {
		const { db, reopen } = device();
		const first = await createWorkspace(db, 'Strategy triad', 1000);
		const second = await createWorkspace(db, 'Ops triad', 2000);
		expect(first.docId).not.toBe(second.docId);
		expect(first.secret).not.toBe(second.secret);
		expect((await listWorkspaces(db)).map((w) => w.name)).toEqual(['Ops triad', 'Strategy triad']);
		await touchWorkspace(db, first.docId, { lastOpened: 3000 });
		expect((await listWorkspaces(reopen())).map((w) => w.name)).toEqual([
			'Strategy triad',
			'Ops triad'
		]);
		await removeWorkspace(db, first.docId);
		expect((await listWorkspaces(db)).map((w) => w.docId)).toEqual([second.docId]);
	});

	it('joins from an invite link once, keeping the first secret', async () => {
		const inviter = device();
		const joiner = device();
		const created = await createWorkspace(inviter.db, 'Cohort 3', 1000);
		const link = createInviteLink(created, 'https://triad.example');
		const joined = await joinFromInviteLink(joiner.db, link, 5000);
		expect(joined).toEqual({
			ok: true,
			alreadyJoined: false,
			change: 'added',
			entry: { ...created, joinedAt: 5000, lastOpened: 5000 }
		});
		const forged = {
			docId: created.docId,
			secret: newWorkspaceSecret(),
			name: 'Forged',
			access: 'member' as const
		};
		await addWorkspace(joiner.db, forged, 6000);
		const again = await joinFromInviteLink(joiner.db, link, 7000);
		expect(again.ok && again.alreadyJoined).toBe(true);
		expect(await listWorkspaces(joiner.db)).toEqual([
			{ ...created, joinedAt: 5000, lastOpened: 5000 }
		]);
	});

	it('reports a bad link without touching the directory', async () => {
		const { db } = device();
		const result = await joinFromInviteLink(db, `https://x/join#v1.A.${newDocumentId()}.short`);
		expect(result.ok).toBe(false);
		expect(await listWorkspaces(db)).toEqual([]);
	});
});

describe('device database failures', () => {
	it('reject with StorageError kind "unavailable" when there is no IndexedDB', async () => {
		const db = createDeviceDb({ indexedDB: undefined, name: 'x' });
		const original = globalThis.indexedDB;
		try {
			Reflect.deleteProperty(globalThis, 'indexedDB');
			await expect(loadIdentity(db)).rejects.toMatchObject({
				name: 'StorageError',
				kind: 'unavailable'
			});
		} finally {
			if (original !== undefined) globalThis.indexedDB = original;
		}
	});

	it('reopen after another tab deletes the database', async () => {
		const indexedDB = new IDBFactory();
		const shared = createDeviceDb({ indexedDB });
		await saveIdentity(shared, 'Ada');
		await new Promise<void>((resolve, reject) => {
			const request = indexedDB.deleteDatabase('triad-device');
			request.onsuccess = () => resolve();
			request.onerror = () => reject(request.error);
		});
		expect(await loadIdentity(shared)).toBeNull();
		expect((await saveIdentity(shared, 'Bo')).name).toBe('Bo');
	});

	it('surface a quota failure as StorageError kind "quota"', async () => {
		const indexedDB = new IDBFactory();
		const db = createDeviceDb({ indexedDB });
		await saveIdentity(db, 'Ada');
		const restore = failWritesWithQuota();
		try {
			const failure = await saveIdentity(db, 'Bo').catch((error: unknown) => error);
			expect(failure).toBeInstanceOf(StorageError);
			expect((failure as StorageError).kind).toBe('quota');
		} finally {
			restore();
		}
		expect((await loadIdentity(db))?.name).toBe('Ada');
	});
});
