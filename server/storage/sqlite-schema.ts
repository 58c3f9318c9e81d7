import type { Database } from 'better-sqlite3';

/**
 * Schema migrations, applied in order; the index + 1 is the version they lead to. Never edit
 * a shipped entry: append a new one, so data written by any older relay still opens.
 */
const MIGRATIONS: readonly string[] = [
	`CREATE TABLE documents (
		doc_id TEXT PRIMARY KEY,
		token TEXT,
		state BLOB,
		state_seq INTEGER NOT NULL DEFAULT 0,
		created_at INTEGER NOT NULL,
		compacted_at INTEGER
	);
	CREATE TABLE updates (
		doc_id TEXT NOT NULL,
		seq INTEGER NOT NULL,
		data BLOB NOT NULL,
		PRIMARY KEY (doc_id, seq)
	);`
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database to `SCHEMA_VERSION` in one transaction. Refuses a database written by a
 * newer relay rather than guessing at its layout.
 */
export function migrate(db: Database): void {
	db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
	db.transaction(() => {
		const row = db.prepare('SELECT version FROM schema_version').get() as
			{ version: number } | undefined;
		const current = row?.version ?? 0;
		if (current > SCHEMA_VERSION) {
			throw new Error(
				`database schema version ${current} is newer than this relay supports (${SCHEMA_VERSION})`
			);
		}
		for (let version = current; version < SCHEMA_VERSION; version++) {
			db.exec(MIGRATIONS[version] as string);
		}
		if (row === undefined) {
			db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(SCHEMA_VERSION);
		} else if (current !== SCHEMA_VERSION) {
			db.prepare('UPDATE schema_version SET version = ?').run(SCHEMA_VERSION);
		}
	}).immediate();
}
