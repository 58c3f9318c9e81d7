import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { parseDocumentId, type DocumentId } from '../../src/lib/protocol';
import { DEFAULT_SQLITE_CACHE_BYTES } from '../../server/storage/sqlite-cache';
import { SCHEMA_VERSION } from '../../server/storage/sqlite-schema';
import { SqliteWorkerStorage } from '../../server/storage/sqlite-worker-storage';
import { runStorageTests } from './storage-suite';

runStorageTests('sqlite in a worker thread', async () => {
	const dataDir = await mkdtemp(join(tmpdir(), 'triad-storage-'));
	return {
		storage: await SqliteWorkerStorage.open({ dataDir }),
		reopen: () => SqliteWorkerStorage.open({ dataDir }),
		cleanup: () => rm(dataDir, { recursive: true, force: true })
	};
});

async function withDataDir(body: (dataDir: string) => Promise<void>): Promise<void> {
	const dataDir = await mkdtemp(join(tmpdir(), 'triad-storage-'));
	try {
		await body(dataDir);
	} finally {
		await rm(dataDir, { recursive: true, force: true });
	}
}

function readOnly(dataDir: string): Database.Database {
	return new Database(join(dataDir, 'relay.sqlite'), { readonly: true });
}

it('records its schema version and runs in WAL mode', () =>
	withDataDir(async (dataDir) => {
		await (await SqliteWorkerStorage.open({ dataDir })).close();
		const db = readOnly(dataDir);
		expect(db.prepare('SELECT version FROM schema_version').all()).toEqual([
			{ version: SCHEMA_VERSION }
		]);
		expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
		db.close();
		// Reopening an up-to-date database must not migrate again or duplicate the version row.
		await (await SqliteWorkerStorage.open({ dataDir })).close();
		const again = readOnly(dataDir);
		expect(again.prepare('SELECT count(*) AS n FROM schema_version').get()).toEqual({ n: 1 });
		again.close();
	}));

it("limits the worker connection's page cache: 2 MiB by default, or as configured", () =>
	withDataDir(async (dataDir) => {
		const byDefault = await SqliteWorkerStorage.open({ dataDir });
		expect(byDefault.cacheBytes).toBe(DEFAULT_SQLITE_CACHE_BYTES);
		expect(DEFAULT_SQLITE_CACHE_BYTES).toBe(2 * 1024 * 1024);
		await byDefault.close();
		const configured = await SqliteWorkerStorage.open({ dataDir, cacheBytes: 512 * 1024 });
		expect(configured.cacheBytes).toBe(512 * 1024);
		await configured.close();
	}));

it('refuses a database written by a newer relay', () =>
	withDataDir(async (dataDir) => {
		await (await SqliteWorkerStorage.open({ dataDir })).close();
		const db = new Database(join(dataDir, 'relay.sqlite'));
		db.prepare('UPDATE schema_version SET version = ?').run(SCHEMA_VERSION + 1);
		db.close();
		await expect(SqliteWorkerStorage.open({ dataDir })).rejects.toThrow(/newer/);
	}));

it('has committed every append made before flush() when it resolves', () =>
	withDataDir(async (dataDir) => {
		// A flush delay far beyond the test keeps the worker's timer from writing them instead.
		const storage = await SqliteWorkerStorage.open({ dataDir, flushDelayMs: 500 });
		const docId = parseDocumentId('flushed00000000000000a') as DocumentId;
		const doc = new Y.Doc();
		const updates: Uint8Array[] = [];
		doc.on('update', (update: Uint8Array) => updates.push(update));
		for (let i = 0; i < 50; i++) doc.getArray('log').push([i]);
		const seqs = updates.map((update) => storage.appendUpdate(docId, update));
		await storage.flush();
		// Read by another connection while the storage is still open: committed, not just queued.
		const db = readOnly(dataDir);
		const rows = db.prepare('SELECT seq FROM updates WHERE doc_id = ? ORDER BY seq').all(docId);
		db.close();
		expect(rows).toEqual(seqs.map((seq) => ({ seq })));
		await storage.close();
	}));
