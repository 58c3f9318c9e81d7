/**
 * Puts a large triad on a browser profile as if the device had joined it and synced it long
 * ago: a directory entry in the device database and the whole document as one stored update in
 * the triad's y-indexeddb database. The app then opens it from IndexedDB like any other triad.
 */
import type { Page } from 'playwright-core';
import * as Y from 'yjs';
import type { DocumentId } from '../../src/lib/domain/ids';
import { workspaceDatabaseName } from '../../src/lib/sync/local-copy';
import { newDocumentId, newWorkspaceSecret } from '../../src/lib/sync/workspace-secret';
import { buildTriad } from '../doc/build';
import { inPage } from './in-page';

/** A triad document ready to be written into a profile. */
export interface Seed {
	docId: DocumentId;
	secret: string;
	name: string;
	/** The document as one Yjs update, base64: page.evaluate carries strings cheaply. */
	update: string;
	updateBytes: number;
	proposals: number;
	ballots: number;
}

/**
 * Builds the triad of bench/doc (about 2 KB of body text per proposal, lens notes, amendments,
 * ballots with vote changes and reasons) through the doc layer, under a fresh id and secret.
 */
export function buildSeed(proposals: number, ballots: number): Seed {
	const update = Y.encodeStateAsUpdate(buildTriad(proposals, ballots));
	return {
		docId: newDocumentId(),
		secret: newWorkspaceSecret(),
		name: 'Bench triad',
		update: Buffer.from(update).toString('base64'),
		updateBytes: update.length,
		proposals,
		ballots
	};
}

/*
 * Runs in the page. The layouts written here are those the app reads:
 * - device database `triad-device`, store `workspaces` keyed by `docId`, entries shaped like
 *   WorkspaceEntry (src/lib/sync/workspace-directory.ts); the app created the database when the
 *   person introduced themselves;
 * - y-indexeddb 9 (src/y-indexeddb.js): database per document, version 1, stores `updates`
 *   (auto-increment keys, values are Uint8Array updates) and `custom`.
 */
async function writeSeed(seed: Seed & { databaseName: string }): Promise<void> {
	const open = (name: string, upgrade?: (db: IDBDatabase) => void) =>
		new Promise<IDBDatabase>((resolve, reject) => {
			const request = upgrade ? indexedDB.open(name, 1) : indexedDB.open(name);
			if (upgrade) request.onupgradeneeded = () => upgrade(request.result);
			request.onsuccess = () => resolve(request.result);
			request.onerror = () => reject(request.error);
		});
	const write = (db: IDBDatabase, store: string, value: unknown) =>
		new Promise<void>((resolve, reject) => {
			const transaction = db.transaction(store, 'readwrite');
			transaction.objectStore(store).add(value);
			transaction.oncomplete = () => resolve();
			transaction.onerror = () => reject(transaction.error);
		});

	const binary = atob(seed.update);
	const update = new Uint8Array(binary.length);
	for (let i = 0; i < binary.length; i++) update[i] = binary.charCodeAt(i);
	const docDb = await open(seed.databaseName, (db) => {
		db.createObjectStore('updates', { autoIncrement: true });
		db.createObjectStore('custom');
	});
	await write(docDb, 'updates', update);
	docDb.close();

	const deviceDb = await open('triad-device');
	const now = Date.now();
	await write(deviceDb, 'workspaces', {
		docId: seed.docId,
		secret: seed.secret,
		access: 'member',
		name: seed.name,
		joinedAt: now,
		lastOpened: now
	});
	deviceDb.close();
}

/** Writes the seed into the profile of `page`, which must be on the app's origin. */
export async function seedInto(page: Page, seed: Seed): Promise<void> {
	await page.evaluate(
		inPage(writeSeed, {
			...seed,
			databaseName: workspaceDatabaseName(seed.docId)
		})
	);
}
