import Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AccessToken, DocId } from '../doc-id';
import type { RelayStorage, StoredDocument, UpdateSeq } from './relay-storage';
import { migrate } from './sqlite-schema';

/** Options of {@link SqliteStorage}. */
export interface SqliteStorageOptions {
	/** Directory of the database file `relay.sqlite`; created if missing. */
	dataDir: string;
	/**
	 * How long appends wait to be written together in one transaction, in ms (default 10). Must
	 * stay well under a second: that is the most a killed process may lose.
	 */
	flushDelayMs?: number;
	/** Told about a failed background write; the updates stay queued and are retried. */
	onBackgroundError?: (error: unknown) => void;
}

interface PendingAppend {
	docId: DocId;
	seq: UpdateSeq;
	data: Uint8Array;
}

const RETRY_DELAY_MS = 1000;

/**
 * Embedded durable storage in one SQLite file (better-sqlite3).
 *
 * Durability: journal_mode=WAL with synchronous=NORMAL. A committed transaction has been
 * written into the WAL file (a write() to the OS) before `COMMIT` returns; only the fsync is
 * deferred to checkpoints. So a killed process (`kill -9`, crash) loses nothing committed: the
 * OS still holds and later writes those pages, and the next open replays the WAL. Only an OS
 * crash or power loss can drop the last transactions, which FULL would prevent at the cost of
 * one fsync per transaction; for a relay whose clients keep their own copy and resend it on
 * the next sync, NORMAL is the right trade. Appends are batched for at most `flushDelayMs`
 * (10 ms by default), so an update that arrived more than a second before a kill is on disk.
 */
export class SqliteStorage implements RelayStorage {
	readonly #db: Database.Database;
	readonly #flushDelayMs: number;
	readonly #onBackgroundError: (error: unknown) => void;
	#pending: PendingAppend[] = [];
	#flushTimer: NodeJS.Timeout | null = null;
	#lastSeq: UpdateSeq;
	#closed = false;

	readonly #insertUpdate: Statement<[string, number, Buffer]>;
	readonly #selectDocument: Statement<
		[string],
		{ token: string | null; state: Buffer | null; state_seq: number }
	>;
	readonly #selectUpdates: Statement<[string], { seq: number; data: Buffer }>;
	readonly #selectToken: Statement<[string], { token: string | null }>;
	readonly #insertToken: Statement<[string, string, number]>;
	readonly #upsertState: Statement<[string, Buffer, number, number, number]>;
	readonly #deleteUpdates: Statement<[string, number]>;
	readonly #writePending: () => void;

	constructor(options: SqliteStorageOptions) {
		mkdirSync(options.dataDir, { recursive: true });
		this.#flushDelayMs = options.flushDelayMs ?? 10;
		this.#onBackgroundError = options.onBackgroundError ?? (() => {});
		this.#db = new Database(join(options.dataDir, 'relay.sqlite'));
		this.#db.pragma('journal_mode = WAL');
		this.#db.pragma('synchronous = NORMAL');
		this.#db.pragma('busy_timeout = 5000');
		migrate(this.#db);

		this.#insertUpdate = this.#db.prepare(
			'INSERT INTO updates (doc_id, seq, data) VALUES (?, ?, ?)'
		);
		this.#selectDocument = this.#db.prepare(
			'SELECT token, state, state_seq FROM documents WHERE doc_id = ?'
		);
		this.#selectUpdates = this.#db.prepare(
			'SELECT seq, data FROM updates WHERE doc_id = ? ORDER BY seq'
		);
		this.#selectToken = this.#db.prepare('SELECT token FROM documents WHERE doc_id = ?');
		this.#insertToken = this.#db.prepare(
			`INSERT INTO documents (doc_id, token, created_at) VALUES (?, ?, ?)
			 ON CONFLICT (doc_id) DO UPDATE SET token = excluded.token WHERE documents.token IS NULL`
		);
		this.#upsertState = this.#db.prepare(
			`INSERT INTO documents (doc_id, token, state, state_seq, created_at, compacted_at)
			 VALUES (?, NULL, ?, ?, ?, ?)
			 ON CONFLICT (doc_id) DO UPDATE SET
			   state = excluded.state, state_seq = excluded.state_seq, compacted_at = excluded.compacted_at
			 WHERE documents.state_seq <= excluded.state_seq`
		);
		this.#deleteUpdates = this.#db.prepare('DELETE FROM updates WHERE doc_id = ? AND seq <= ?');
		this.#writePending = this.#db.transaction(() => {
			for (const append of this.#pending) {
				this.#insertUpdate.run(append.docId, append.seq, toBuffer(append.data));
			}
		});

		const row = this.#db
			.prepare(
				`SELECT max(coalesce((SELECT max(seq) FROM updates), 0),
				            coalesce((SELECT max(state_seq) FROM documents), 0)) AS last`
			)
			.get() as { last: number };
		this.#lastSeq = row.last;
	}

	async loadDocument(docId: DocId): Promise<StoredDocument> {
		this.#writePendingNow();
		const document = this.#selectDocument.get(docId);
		const rows = this.#selectUpdates.all(docId);
		const updates: Uint8Array[] = rows.map((row) => row.data);
		if (document?.state) updates.unshift(document.state);
		const lastSeq = Math.max(document?.state_seq ?? 0, rows.at(-1)?.seq ?? 0);
		return { token: (document?.token ?? null) as AccessToken | null, updates, lastSeq };
	}

	async getToken(docId: DocId): Promise<AccessToken | null> {
		this.#assertOpen();
		return (this.#selectToken.get(docId)?.token ?? null) as AccessToken | null;
	}

	async registerToken(docId: DocId, token: AccessToken): Promise<'registered' | 'exists'> {
		this.#assertOpen();
		const result = this.#insertToken.run(docId, token, Date.now());
		return result.changes === 1 ? 'registered' : 'exists';
	}

	appendUpdate(docId: DocId, update: Uint8Array): UpdateSeq {
		this.#assertOpen();
		const seq = ++this.#lastSeq;
		this.#pending.push({ docId, seq, data: update });
		this.#flushTimer ??= setTimeout(() => this.#flushInBackground(), this.#flushDelayMs);
		return seq;
	}

	async compact(docId: DocId, mergedState: Uint8Array, upToSeq: UpdateSeq): Promise<void> {
		this.#writePendingNow();
		const now = Date.now();
		this.#db.transaction(() => {
			const result = this.#upsertState.run(docId, toBuffer(mergedState), upToSeq, now, now);
			if (result.changes === 1) this.#deleteUpdates.run(docId, upToSeq);
		})();
	}

	async flush(): Promise<void> {
		this.#writePendingNow();
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		this.#writePendingNow();
		this.#closed = true;
		this.#db.close();
	}

	#assertOpen(): void {
		if (this.#closed) throw new Error('storage is closed');
	}

	/** Writes every queued append in one transaction; throws and keeps them queued on failure. */
	#writePendingNow(): void {
		this.#assertOpen();
		if (this.#flushTimer !== null) {
			clearTimeout(this.#flushTimer);
			this.#flushTimer = null;
		}
		if (this.#pending.length === 0) return;
		this.#writePending();
		this.#pending = [];
	}

	#flushInBackground(): void {
		this.#flushTimer = null;
		if (this.#closed) return;
		try {
			this.#writePendingNow();
		} catch (error) {
			this.#onBackgroundError(error);
			this.#flushTimer = setTimeout(() => this.#flushInBackground(), RETRY_DELAY_MS);
		}
	}
}

/** A Buffer view of the same bytes: better-sqlite3 binds Buffers as BLOBs. */
function toBuffer(bytes: Uint8Array): Buffer {
	return Buffer.isBuffer(bytes)
		? bytes
		: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
