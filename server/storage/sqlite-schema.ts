import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';

/**
 * Schema migrations, applied in order; the index + 1 is the version they lead to. Never edit
 * a shipped entry: append a new one, so data written by any older relay still opens. An entry is
 * SQL, or a function for what SQL cannot compute.
 */
const MIGRATIONS: readonly (string | ((db: Database) => void))[] = [
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
	);`,
	// Tokens become verifiers (SHA-256), so the file no longer holds what opens a document; viewer
	// and retired verifiers join them.
	(db) => {
		db.exec(`ALTER TABLE documents ADD COLUMN member_verifier TEXT;
			ALTER TABLE documents ADD COLUMN viewer_verifier TEXT;
			ALTER TABLE documents ADD COLUMN retired_verifiers TEXT NOT NULL DEFAULT '[]';`);
		const rows = db
			.prepare('SELECT doc_id, token FROM documents WHERE token IS NOT NULL')
			.all() as {
			doc_id: string;
			token: string;
		}[];
		const update = db.prepare('UPDATE documents SET member_verifier = ? WHERE doc_id = ?');
		for (const row of rows) {
			update.run(createHash('sha256').update(row.token).digest('base64url'), row.doc_id);
		}
		db.exec('ALTER TABLE documents DROP COLUMN token');
	},
	// Web Push: devices that follow documents, and the relay's VAPID key pair (one row).
	`CREATE TABLE push_subscriptions (
		endpoint TEXT PRIMARY KEY,
		p256dh TEXT NOT NULL,
		auth TEXT NOT NULL
	);
	CREATE TABLE push_documents (
		endpoint TEXT NOT NULL REFERENCES push_subscriptions (endpoint) ON DELETE CASCADE,
		doc_id TEXT NOT NULL,
		verifier TEXT NOT NULL,
		PRIMARY KEY (doc_id, endpoint)
	);
	CREATE INDEX push_documents_endpoint ON push_documents (endpoint);
	CREATE TABLE vapid_keys (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		public_key TEXT NOT NULL,
		private_key TEXT NOT NULL
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
			const migration = MIGRATIONS[version] as string | ((db: Database) => void);
			if (typeof migration === 'string') db.exec(migration);
			else migration(db);
		}
		if (row === undefined) {
			db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(SCHEMA_VERSION);
		} else if (current !== SCHEMA_VERSION) {
			db.prepare('UPDATE schema_version SET version = ?').run(SCHEMA_VERSION);
		}
	}).immediate();
}
