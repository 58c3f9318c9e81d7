import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../server/storage/sqlite-schema';
import { SqliteStorage } from '../../server/storage/sqlite-storage';
import { runStorageTests } from './storage-suite';

runStorageTests('sqlite', async () => {
	const dataDir = await mkdtemp(join(tmpdir(), 'triad-storage-'));
	return {
		storage: new SqliteStorage({ dataDir }),
		reopen: async () => new SqliteStorage({ dataDir }),
		cleanup: () => rm(dataDir, { recursive: true, force: true })
	};
});

it('records its schema version and runs in WAL mode', async () => {
	const dataDir = await mkdtemp(join(tmpdir(), 'triad-storage-'));
	try {
		await new SqliteStorage({ dataDir }).close();
		const db = new Database(join(dataDir, 'relay.sqlite'), { readonly: true });
		expect(db.prepare('SELECT version FROM schema_version').all()).toEqual([
			{ version: SCHEMA_VERSION }
		]);
		expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
		db.close();
		// Reopening an up-to-date database must not migrate again or duplicate the version row.
		await new SqliteStorage({ dataDir }).close();
		const again = new Database(join(dataDir, 'relay.sqlite'), { readonly: true });
		expect(again.prepare('SELECT count(*) AS n FROM schema_version').get()).toEqual({ n: 1 });
		again.close();
	} finally {
		await rm(dataDir, { recursive: true, force: true });
	}
});

it('refuses a database written by a newer relay', async () => {
	const dataDir = await mkdtemp(join(tmpdir(), 'triad-storage-'));
	try {
		await new SqliteStorage({ dataDir }).close();
		const db = new Database(join(dataDir, 'relay.sqlite'));
		db.prepare('UPDATE schema_version SET version = ?').run(SCHEMA_VERSION + 1);
		db.close();
		expect(() => new SqliteStorage({ dataDir })).toThrow(/newer/);
	} finally {
		await rm(dataDir, { recursive: true, force: true });
	}
});
