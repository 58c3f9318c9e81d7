import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DocumentId } from '$lib/domain/ids';
import { createDeviceDb } from '$lib/sync/device-db';
import { deleteLocalCopy, workspaceDatabaseName } from '$lib/sync/local-copy';
import { createMemoryStorage } from '$lib/sync/testing/memory-local-store';
import { MemoryRelay } from '$lib/sync/testing/memory-transport';
import { openWorkspace } from '$lib/sync/open-workspace';
import { StorageError, storageError } from '$lib/sync/storage-error';
import { untilStatus } from '$lib/sync/testing/until-status';
import type { WorkspaceEntry } from '$lib/sync/workspace-directory';
import { DeviceState } from './device.svelte';
import { OpenTriads, type SessionOpenerLoader } from './open-triads.svelte';
import { proposalViews } from './proposal-views';
import { removeTriadFromDevice, type TriadRemovalParts } from './remove-triad';
import { TriadSession } from './triad-session.svelte';
import { testIdentity } from '$lib/sync/testing/identity';

/*
 * The real pieces on fake-indexeddb: the device database, the directory, sessions saving into
 * their IndexedDB copy (meeting through an in-memory relay), and the deletion of that copy.
 */

const opened: TriadSession[] = [];
afterEach(async () => {
	await Promise.all(opened.splice(0).map((session) => session.close()));
});

interface Device {
	state: DeviceState;
	dbName: string;
	triads: OpenTriads;
	relay: MemoryRelay;
	/** How many sessions were opened, reopenings included. */
	openings(): number;
	entry: WorkspaceEntry;
	session: TriadSession;
	parts: TriadRemovalParts;
}

/** A device that joined one triad, opened it and drafted a proposal in it. */
async function deviceWithTriad(): Promise<Device> {
	const dbName = `device-${crypto.randomUUID()}`;
	const state = new DeviceState(createDeviceDb({ name: dbName }), () => null);
	await state.load();
	await state.introduce('Ada');
	const entry = await state.createTriad('Ops');
	const relay = new MemoryRelay();
	let openings = 0;
	const loadOpener: SessionOpenerLoader = () =>
		Promise.resolve((workspace, identity, overviews) => {
			openings++;
			const handle = openWorkspace({
				docId: workspace.docId,
				secret: workspace.secret,
				identity,
				transport: relay.transport,
				crossTab: false
			});
			const session = new TriadSession(handle, identity, overviews);
			opened.push(session);
			return session;
		});
	const triads = new OpenTriads(state, loadOpener);
	const identity = state.identity;
	if (!identity) throw new Error('no identity');
	const session = await triads.open(entry, identity);
	await session.whenLocalLoaded;
	session.initialize({ name: 'Ops', purpose: '', level: 'operational', unit: '' });
	session.write.createProposal('Rota');
	return {
		state,
		dbName,
		triads,
		relay,
		openings: () => openings,
		entry,
		session,
		parts: { device: state, triads, deleteLocalCopy }
	};
}

async function localCopyExists(docId: DocumentId): Promise<boolean> {
	const databases = await indexedDB.databases();
	return databases.some((database) => database.name === workspaceDatabaseName(docId));
}

/** The directory as a reload reads it: a new device state over the same database. */
async function directoryAfterReload(device: Device): Promise<DocumentId[]> {
	const reloaded = new DeviceState(createDeviceDb({ name: device.dbName }), () => null);
	await reloaded.load();
	return reloaded.workspaces.map((workspace) => workspace.docId);
}

/** The proposal titles another member's device gets from the relay. */
async function titlesOnTheRelay(device: Device): Promise<string[]> {
	const handle = openWorkspace({
		docId: device.entry.docId,
		secret: device.entry.secret,
		identity: testIdentity('Kai'),
		transport: device.relay.transport,
		localStore: createMemoryStorage().open,
		crossTab: false
	});
	await untilStatus(handle, (status) => status.connection === 'synced');
	const titles = proposalViews(handle.doc, Date.now()).map((view) => view.proposal.title);
	await handle.close();
	return titles;
}

function gate(): { promise: Promise<void>; open: () => void } {
	let open = () => undefined as void;
	const promise = new Promise<void>((resolve) => (open = resolve));
	return { promise, open };
}

/** Lets queued IndexedDB tasks and promise callbacks run. */
function settle(): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, 20));
}

describe('removeTriadFromDevice', () => {
	it('deletes the local copy, the directory entry and the overview, and closes the triad', async () => {
		const device = await deviceWithTriad();
		const { docId } = device.entry;
		await vi.waitFor(() => expect(device.session.phase).toBe('synced'));
		expect(await localCopyExists(docId)).toBe(true);

		await removeTriadFromDevice(docId, {}, device.parts);

		expect(device.state.workspaces).toEqual([]);
		expect(await directoryAfterReload(device)).toEqual([]);
		// The session saved its overview on closing; the removal ran after it and deleted it.
		expect(await device.state.readOverview(docId)).toBeNull();
		expect(await localCopyExists(docId)).toBe(false);
		expect(device.triads.get(docId)).toBeUndefined();
		// The closed session neither saves nor syncs: no edit brings the database back.
		device.session.write.createProposal('Too late');
		await settle();
		expect(await localCopyExists(docId)).toBe(false);
		expect(await titlesOnTheRelay(device)).toEqual(['Rota']);
	});

	it('leaves the triad screen once the triad is deleted, before screens stop listing it', async () => {
		const device = await deviceWithTriad();
		const { docId } = device.entry;
		let seenOnLeaving: unknown = null;

		await removeTriadFromDevice(
			docId,
			{
				leave: async () => {
					seenOnLeaving = {
						copy: await localCopyExists(docId),
						afterReload: await directoryAfterReload(device),
						listed: device.state.workspaces.map((workspace) => workspace.docId),
						session: device.triads.get(docId) === device.session
					};
				}
			},
			device.parts
		);

		expect(seenOnLeaving).toEqual({ copy: false, afterReload: [], listed: [docId], session: true });
		expect(device.state.workspaces).toEqual([]);
		expect(device.triads.get(docId)).toBeUndefined();
	});

	it('reports a failure to leave without undoing the removal', async () => {
		const device = await deviceWithTriad();
		const { docId } = device.entry;
		const stuck = new Error('navigation failed');

		const removal = removeTriadFromDevice(
			docId,
			{ leave: () => Promise.reject(stuck) },
			device.parts
		);

		await expect(removal).rejects.toBe(stuck);
		expect(device.state.workspaces).toEqual([]);
		expect(device.triads.get(docId)).toBeUndefined();
		await settle();
		expect(await localCopyExists(docId)).toBe(false);
		expect(device.openings()).toBe(1);
	});

	it('hands out the closed session while the copy is deleted, instead of opening it again', async () => {
		const device = await deviceWithTriad();
		const { docId } = device.entry;
		const deleting = gate();
		const removal = removeTriadFromDevice(
			docId,
			{},
			{
				...device.parts,
				deleteLocalCopy: async (id, options) => {
					await deleting.promise;
					await deleteLocalCopy(id, options);
				}
			}
		);
		await settle();

		const identity = device.state.identity;
		if (!identity) throw new Error('no identity');
		expect(await device.triads.open(device.entry, identity)).toBe(device.session);
		expect(device.triads.get(docId)).toBe(device.session);
		deleting.open();
		await removal;

		expect(device.openings()).toBe(1);
		expect(await localCopyExists(docId)).toBe(false);
	});

	it('keeps the triad listed and opens it again from its copy when the deletion fails', async () => {
		const device = await deviceWithTriad();
		const { docId } = device.entry;
		const refused = storageError('failed');

		const removal = removeTriadFromDevice(
			docId,
			{},
			{
				...device.parts,
				deleteLocalCopy: () => Promise.reject(refused)
			}
		);

		await expect(removal).rejects.toBe(refused);
		expect(device.state.workspaces.map((workspace) => workspace.docId)).toEqual([docId]);
		expect(await directoryAfterReload(device)).toEqual([docId]);
		const reopened = device.triads.get(docId);
		expect(reopened).toBeDefined();
		expect(reopened).not.toBe(device.session);
		await reopened?.whenLocalLoaded;
		expect(reopened?.proposals.map((view) => view.proposal.title)).toEqual(['Rota']);
	});

	it('keeps the directory entry when taking it out fails after the copy was deleted', async () => {
		const device = await deviceWithTriad();
		const { docId } = device.entry;
		const refused = storageError('failed');

		const removal = removeTriadFromDevice(
			docId,
			{},
			{
				...device.parts,
				device: {
					workspaces: device.state.workspaces,
					identity: device.state.identity,
					forget: () => Promise.reject(refused)
				}
			}
		);

		await expect(removal).rejects.toBeInstanceOf(StorageError);
		expect(await directoryAfterReload(device)).toEqual([docId]);
		// Still joined, so it is open again: empty on this device until the relay sends it back.
		expect(device.triads.get(docId)).not.toBe(device.session);
		expect(device.triads.get(docId)).toBeDefined();
	});

	it('waits for another tab that holds the copy open, and says so meanwhile', async () => {
		const device = await deviceWithTriad();
		const { docId } = device.entry;
		const stubborn = await new Promise<IDBDatabase>((resolve, reject) => {
			const request = indexedDB.open(workspaceDatabaseName(docId));
			request.onsuccess = () => {
				// Unlike this app's stores, this connection does not close when asked to.
				request.result.onversionchange = () => undefined;
				resolve(request.result);
			};
			request.onerror = () => reject(request.error);
		});
		let blocked = 0;
		let done = false;

		const removal = removeTriadFromDevice(docId, { onBlocked: () => blocked++ }, device.parts);
		void removal.then(() => (done = true));
		await settle();

		expect(blocked).toBe(1);
		expect(done).toBe(false);
		expect(device.state.workspaces.map((workspace) => workspace.docId)).toEqual([docId]);
		stubborn.close();
		await removal;
		expect(device.state.workspaces).toEqual([]);
		expect(await localCopyExists(docId)).toBe(false);
	});

	it('runs once when asked twice', async () => {
		const device = await deviceWithTriad();
		let deletions = 0;
		const parts: TriadRemovalParts = {
			...device.parts,
			deleteLocalCopy: (id, options) => {
				deletions++;
				return deleteLocalCopy(id, options);
			}
		};

		await Promise.all([
			removeTriadFromDevice(device.entry.docId, {}, parts),
			removeTriadFromDevice(device.entry.docId, {}, parts)
		]);

		expect(deletions).toBe(1);
		expect(device.state.workspaces).toEqual([]);
	});
});
