import Database from 'better-sqlite3';
import type { Statement } from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
	rotatedAccess,
	type DocumentAccess,
	type PushSubscriptionKeys,
	type PushTarget,
	type StoredDocument,
	type VapidKeys,
	type TokenVerifier,
	type UpdateSeq
} from './relay-storage';
import { DEFAULT_SQLITE_CACHE_BYTES } from './sqlite-cache';
import { migrate } from './sqlite-schema';

/** One appended update as it is written. */
export interface AppendRow {
	docId: string;
	seq: UpdateSeq;
	data: Uint8Array;
}

/**
 * The relay's SQLite file (better-sqlite3), synchronous: every call blocks its thread until the
 * disk work is done, which is why only the storage worker (`sqlite-worker.ts`) uses it.
 *
 * Durability: journal_mode=WAL with synchronous=NORMAL. A committed transaction has been
 * written into the WAL file (a write() to the OS) before `COMMIT` returns; only the fsync is
 * deferred to checkpoints. So a killed process (`kill -9`, crash) loses nothing committed: the
 * OS still holds and later writes those pages, and the next open replays the WAL. Only an OS
 * crash or power loss can drop the last transactions, which FULL would prevent at the cost of
 * one fsync per transaction; for a relay whose clients keep their own copy and resend it on
 * the next sync, NORMAL is the right trade.
 */
export class SqliteDatabase {
	readonly #db: Database.Database;
	readonly #insertUpdate: Statement<[string, number, Buffer]>;
	readonly #selectDocument: Statement<
		[string],
		AccessRow & { state: Buffer | null; state_seq: number }
	>;
	readonly #selectUpdates: Statement<[string], { seq: number; data: Buffer }>;
	readonly #selectAccess: Statement<[string], AccessRow>;
	readonly #insertAccess: Statement<[string, string, string | null, number]>;
	readonly #setViewer: Statement<[string, string, string]>;
	readonly #setAccess: Statement<[string, string | null, string, string, string]>;
	readonly #rotate: (
		docId: string,
		current: TokenVerifier,
		next: { member: TokenVerifier; viewer: TokenVerifier }
	) => 'rotated' | 'stale';
	readonly #upsertState: Statement<[string, Buffer, number, number, number]>;
	readonly #deleteUpdates: Statement<[string, number]>;
	readonly #appendAll: (rows: readonly AppendRow[]) => void;
	readonly #compact: (docId: string, state: Uint8Array, upToSeq: UpdateSeq) => number;
	readonly #replacedBytes: Statement<[string, number, string], { bytes: number }>;
	readonly #savePush: (
		subscription: PushSubscriptionKeys,
		documents: readonly { docId: string; verifier: TokenVerifier }[]
	) => void;
	readonly #deletePush: Statement<[string]>;
	readonly #selectPushTargets: Statement<[string], PushTarget>;
	readonly #vapidKeys: (candidate: VapidKeys) => VapidKeys;

	/**
	 * Opens (creating `dataDir` and the file if missing) and migrates `dataDir/relay.sqlite`, with
	 * a page cache of at most `cacheBytes` (rounded to whole KiB). The directory is made 0700 and
	 * the database's files 0600, however they were left.
	 */
	constructor(dataDir: string, cacheBytes = DEFAULT_SQLITE_CACHE_BYTES) {
		mkdirSync(dataDir, { recursive: true, mode: 0o700 });
		chmodSync(dataDir, 0o700);
		const file = join(dataDir, 'relay.sqlite');
		this.#db = new Database(file);
		this.#db.pragma('journal_mode = WAL');
		// SQLite creates the -wal and -shm files with the mode of the database file, so once it is
		// 0600 so are they; these may exist already, created under an open umask. (The relay process
		// sets umask 077 at start; a worker thread cannot set it, and tests run without it.)
		for (const path of [file, `${file}-wal`, `${file}-shm`]) {
			if (existsSync(path)) chmodSync(path, 0o600);
		}
		this.#db.pragma('synchronous = NORMAL');
		this.#db.pragma('busy_timeout = 5000');
		// Deleting a push subscription deletes the documents it follows (ON DELETE CASCADE).
		this.#db.pragma('foreign_keys = ON');
		// A negative cache_size is a limit in KiB rather than in pages.
		this.#db.pragma(`cache_size = ${-Math.max(1, Math.round(cacheBytes / 1024))}`);
		migrate(this.#db);

		this.#insertUpdate = this.#db.prepare(
			'INSERT INTO updates (doc_id, seq, data) VALUES (?, ?, ?)'
		);
		this.#selectDocument = this.#db.prepare(
			`SELECT ${ACCESS_COLUMNS}, state, state_seq FROM documents WHERE doc_id = ?`
		);
		this.#selectUpdates = this.#db.prepare(
			'SELECT seq, data FROM updates WHERE doc_id = ? ORDER BY seq'
		);
		this.#selectAccess = this.#db.prepare(
			`SELECT ${ACCESS_COLUMNS} FROM documents WHERE doc_id = ?`
		);
		this.#insertAccess = this.#db.prepare(
			`INSERT INTO documents (doc_id, member_verifier, viewer_verifier, created_at) VALUES (?, ?, ?, ?)
			 ON CONFLICT (doc_id) DO UPDATE SET
			   member_verifier = excluded.member_verifier, viewer_verifier = excluded.viewer_verifier
			 WHERE documents.member_verifier IS NULL`
		);
		this.#setViewer = this.#db.prepare(
			`UPDATE documents SET viewer_verifier = ?
			 WHERE doc_id = ? AND member_verifier = ? AND viewer_verifier IS NULL`
		);
		this.#setAccess = this.#db.prepare(
			`UPDATE documents SET member_verifier = ?, viewer_verifier = ?, retired_verifiers = ?
			 WHERE doc_id = ? AND member_verifier = ?`
		);
		this.#rotate = this.#db.transaction((docId, current, next) => {
			const access = readAccess(this.#selectAccess.get(docId));
			if (access === null || access.member !== current) return 'stale';
			const rotated = rotatedAccess(access, next);
			const result = this.#setAccess.run(
				rotated.member,
				rotated.viewer,
				JSON.stringify(rotated.retired),
				docId,
				current
			);
			return result.changes === 1 ? 'rotated' : 'stale';
		});
		this.#upsertState = this.#db.prepare(
			`INSERT INTO documents (doc_id, state, state_seq, created_at, compacted_at)
			 VALUES (?, ?, ?, ?, ?)
			 ON CONFLICT (doc_id) DO UPDATE SET
			   state = excluded.state, state_seq = excluded.state_seq, compacted_at = excluded.compacted_at
			 WHERE documents.state_seq <= excluded.state_seq`
		);
		this.#deleteUpdates = this.#db.prepare('DELETE FROM updates WHERE doc_id = ? AND seq <= ?');
		this.#appendAll = this.#db.transaction((rows: readonly AppendRow[]) => {
			for (const row of rows) this.#insertUpdate.run(row.docId, row.seq, toBuffer(row.data));
		});
		// length() of a BLOB reads its size from the record header, not its pages.
		this.#replacedBytes = this.#db.prepare(
			`SELECT coalesce((SELECT sum(length(data)) FROM updates WHERE doc_id = ? AND seq <= ?), 0)
			      + coalesce((SELECT length(state) FROM documents WHERE doc_id = ?), 0) AS bytes`
		);
		this.#compact = this.#db.transaction((docId: string, state: Uint8Array, upToSeq: UpdateSeq) => {
			const now = Date.now();
			const replaced = (this.#replacedBytes.get(docId, upToSeq, docId) as { bytes: number }).bytes;
			const result = this.#upsertState.run(docId, toBuffer(state), upToSeq, now, now);
			if (result.changes !== 1) return 0;
			this.#deleteUpdates.run(docId, upToSeq);
			return state.length - replaced;
		});
		this.#deletePush = this.#db.prepare('DELETE FROM push_subscriptions WHERE endpoint = ?');
		const insertPush = this.#db.prepare(
			'INSERT INTO push_subscriptions (endpoint, p256dh, auth) VALUES (?, ?, ?)'
		);
		const insertPushDocument = this.#db.prepare(
			'INSERT OR REPLACE INTO push_documents (endpoint, doc_id, verifier) VALUES (?, ?, ?)'
		);
		this.#savePush = this.#db.transaction((subscription, documents) => {
			this.#deletePush.run(subscription.endpoint);
			if (documents.length === 0) return;
			insertPush.run(subscription.endpoint, subscription.p256dh, subscription.auth);
			for (const { docId, verifier } of documents) {
				insertPushDocument.run(subscription.endpoint, docId, verifier);
			}
		});
		this.#selectPushTargets = this.#db.prepare(
			`SELECT s.endpoint, s.p256dh, s.auth, d.verifier FROM push_documents d
			 JOIN push_subscriptions s ON s.endpoint = d.endpoint WHERE d.doc_id = ?`
		);
		const insertVapid = this.#db.prepare(
			'INSERT OR IGNORE INTO vapid_keys (id, public_key, private_key) VALUES (1, ?, ?)'
		);
		const selectVapid = this.#db.prepare<[], { publicKey: string; privateKey: string }>(
			'SELECT public_key AS publicKey, private_key AS privateKey FROM vapid_keys WHERE id = 1'
		);
		this.#vapidKeys = this.#db.transaction((candidate: VapidKeys) => {
			insertVapid.run(candidate.publicKey, candidate.privateKey);
			return selectVapid.get() as VapidKeys;
		});
	}

	/** Stores a push subscription (see `RelayStorage.savePushSubscription`). */
	savePushSubscription(
		subscription: PushSubscriptionKeys,
		documents: readonly { docId: string; verifier: TokenVerifier }[]
	): void {
		this.#savePush(subscription, documents);
	}

	/** Deletes a push subscription (see `RelayStorage.deletePushSubscription`). */
	deletePushSubscription(endpoint: string): boolean {
		return this.#deletePush.run(endpoint).changes === 1;
	}

	/** The subscriptions that follow a document. */
	pushTargets(docId: string): PushTarget[] {
		return this.#selectPushTargets.all(docId);
	}

	/** The stored VAPID keys, or `candidate` once stored (see `RelayStorage.vapidKeys`). */
	vapidKeys(candidate: VapidKeys): VapidKeys {
		return this.#vapidKeys(candidate);
	}

	/** The page cache limit in force, in bytes. */
	cacheBytes(): number {
		const size = this.#db.pragma('cache_size', { simple: true }) as number;
		if (size < 0) return -size * 1024;
		return size * (this.#db.pragma('page_size', { simple: true }) as number);
	}

	/** The highest seq ever stored, appended or compacted (0 for an empty database). */
	lastSeq(): UpdateSeq {
		const row = this.#db
			.prepare(
				`SELECT max(coalesce((SELECT max(seq) FROM updates), 0),
				            coalesce((SELECT max(state_seq) FROM documents), 0)) AS last`
			)
			.get() as { last: number };
		return row.last;
	}

	/** Bytes of every stored state and appended update (see `RelayStorage.storedBytes`). */
	storedBytes(): number {
		const row = this.#db
			.prepare(
				`SELECT coalesce((SELECT sum(length(state)) FROM documents), 0)
				      + coalesce((SELECT sum(length(data)) FROM updates), 0) AS bytes`
			)
			.get() as { bytes: number };
		return row.bytes;
	}

	/** The stored state and appends of a document (see `StoredDocument`). */
	loadDocument(docId: string): StoredDocument {
		const document = this.#selectDocument.get(docId);
		const rows = this.#selectUpdates.all(docId);
		const updates: Uint8Array[] = rows.map((row) => row.data);
		const seqs = rows.map((row) => row.seq);
		if (document?.state) {
			updates.unshift(document.state);
			seqs.unshift(document.state_seq);
		}
		const lastSeq = Math.max(document?.state_seq ?? 0, rows.at(-1)?.seq ?? 0);
		return { access: readAccess(document), updates, seqs, lastSeq };
	}

	/** Who may open a document, or null (see `RelayStorage.getAccess`). */
	getAccess(docId: string): DocumentAccess | null {
		return readAccess(this.#selectAccess.get(docId));
	}

	/** Registers access unless it is registered already (see `RelayStorage.registerAccess`). */
	registerAccess(
		docId: string,
		member: TokenVerifier,
		viewer: TokenVerifier | null
	): 'registered' | 'exists' {
		const result = this.#insertAccess.run(docId, member, viewer, Date.now());
		return result.changes === 1 ? 'registered' : 'exists';
	}

	/** Sets the viewer verifier (see `RelayStorage.registerViewer`). */
	registerViewer(
		docId: string,
		member: TokenVerifier,
		viewer: TokenVerifier
	): 'registered' | 'exists' | 'stale' {
		if (this.#setViewer.run(viewer, docId, member).changes === 1) return 'registered';
		return this.getAccess(docId)?.member === member ? 'exists' : 'stale';
	}

	/** Rotates access (see `RelayStorage.rotateAccess`). */
	rotateAccess(
		docId: string,
		current: TokenVerifier,
		next: { member: TokenVerifier; viewer: TokenVerifier }
	): 'rotated' | 'stale' {
		return this.#rotate(docId, current, next);
	}

	/** Writes appends in one transaction: all of them or, when it throws, none. */
	appendAll(rows: readonly AppendRow[]): void {
		if (rows.length > 0) this.#appendAll(rows);
	}

	/**
	 * Replaces state and appends up to `upToSeq` atomically (see `RelayStorage.compact`); returns
	 * by how many bytes the stored data grew (negative when it shrank; 0 when stale).
	 */
	compact(docId: string, state: Uint8Array, upToSeq: UpdateSeq): number {
		return this.#compact(docId, state, upToSeq);
	}

	/** Closes the file; nothing may be called afterwards. */
	close(): void {
		this.#db.close();
	}
}

/** A Buffer view of the same bytes: better-sqlite3 binds Buffers as BLOBs. */
function toBuffer(bytes: Uint8Array): Buffer {
	return Buffer.isBuffer(bytes)
		? bytes
		: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const ACCESS_COLUMNS = 'member_verifier, viewer_verifier, retired_verifiers';

interface AccessRow {
	member_verifier: string | null;
	viewer_verifier: string | null;
	retired_verifiers: string;
}

function readAccess(row: AccessRow | undefined): DocumentAccess | null {
	if (row === undefined || row.member_verifier === null) return null;
	const retired: unknown = JSON.parse(row.retired_verifiers);
	return {
		member: row.member_verifier as TokenVerifier,
		viewer: row.viewer_verifier as TokenVerifier | null,
		retired: Array.isArray(retired) ? (retired as TokenVerifier[]) : []
	};
}
