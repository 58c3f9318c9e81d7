import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { DocumentId } from '../../src/lib/protocol';
import {
	rotatedAccess,
	type DocumentAccess,
	type PushSubscriptionKeys,
	type PushTarget,
	type RelayStorage,
	type StoredDocument,
	type TokenVerifier,
	type UpdateSeq,
	type VapidKeys
} from './relay-storage';
import { coveredBy } from './update-coverage';

/** Options of {@link PostgresStorage.open}. */
export interface PostgresStorageOptions {
	/** `postgres://` URL of the database. */
	connectionString: string;
	/** Schema holding the relay's tables, created if missing (default: the search path's first). */
	schema?: string;
	/** How long appends wait to be inserted together, in ms (default 10; well under a second). */
	flushDelayMs?: number;
	/** Connections in the pool (default 8). */
	maxConnections?: number;
	/** How often reachability is checked while nothing else reaches the database, in ms. */
	pingIntervalMs?: number;
	/** Told about a failed background write; the updates stay queued and are retried. */
	onBackgroundError?: (error: Error) => void;
}

/** The schema this code writes; a newer one in the database is refused. */
export const POSTGRES_SCHEMA_VERSION = 2;

const DEFAULT_FLUSH_DELAY_MS = 10;
/** Rows per INSERT statement: three parameters each, under PostgreSQL's 65535. */
const ROWS_PER_INSERT = 1000;
const RETRY_DELAY_MS = 500;
/** Serializes migrations of concurrently starting nodes (any constant shared by all of them). */
const MIGRATION_LOCK = 7_246_917_101;

const MIGRATION = `
CREATE TABLE IF NOT EXISTS relay_schema_version (version integer NOT NULL);
CREATE TABLE IF NOT EXISTS relay_access (
	doc_id text PRIMARY KEY,
	member text NOT NULL,
	viewer text,
	retired text[] NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS relay_states (
	doc_id text PRIMARY KEY,
	seq bigint NOT NULL,
	state bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS relay_updates (
	id bigserial PRIMARY KEY,
	doc_id text NOT NULL,
	writer text NOT NULL,
	seq bigint NOT NULL,
	update bytea NOT NULL
);
CREATE INDEX IF NOT EXISTS relay_updates_by_doc ON relay_updates (doc_id, id);
CREATE TABLE IF NOT EXISTS relay_push_subscriptions (
	endpoint text PRIMARY KEY,
	p256dh text NOT NULL,
	auth text NOT NULL
);
CREATE TABLE IF NOT EXISTS relay_push_documents (
	endpoint text NOT NULL REFERENCES relay_push_subscriptions (endpoint) ON DELETE CASCADE,
	doc_id text NOT NULL,
	verifier text NOT NULL,
	PRIMARY KEY (doc_id, endpoint)
);
CREATE INDEX IF NOT EXISTS relay_push_documents_by_endpoint ON relay_push_documents (endpoint);
CREATE TABLE IF NOT EXISTS relay_vapid_keys (
	id integer PRIMARY KEY CHECK (id = 1),
	public_key text NOT NULL,
	private_key text NOT NULL
);
`;

interface PendingAppend {
	docId: DocumentId;
	seq: UpdateSeq;
	update: Uint8Array;
}

interface AccessRow {
	member: string;
	viewer: string | null;
	retired: string[];
}

/**
 * PostgreSQL storage for a cluster of relay nodes sharing one database, which is the source of
 * truth: an append is durable once its INSERT committed, and `whenDurable` (receipts) waits for
 * that COMMIT.
 *
 * Seqs are Lamport clocks kept per instance: `appendUpdate` hands out the next one
 * synchronously, and `loadDocument` moves the clock past every seq it read, so seqs grow per
 * instance and per document across restarts, but two nodes may hand out the same seq. No
 * decision across nodes rests on them: compaction deletes the updates the merged state contains
 * (see `compact`), and each row remembers the instance that wrote it (`writer`) so a load
 * dedupes this instance's appends that were being inserted meanwhile.
 *
 * Appends are queued for `flushDelayMs`, then inserted with one statement of many rows (one
 * transaction), one batch at a time and in order. A failed batch stays queued and is retried.
 */
export class PostgresStorage implements RelayStorage {
	readonly #pool: pg.Pool;
	readonly #writer = randomUUID();
	readonly #flushDelayMs: number;
	readonly #onBackgroundError: (error: Error) => void;
	#lastSeq: UpdateSeq = 0;
	/** Appends not committed yet, in seq order: the batch in flight first, then the queue. */
	#pending: PendingAppend[] = [];
	/** How many of `#pending` the running INSERT carries. */
	#inFlight = 0;
	#writing: Promise<void> | null = null;
	#timer: NodeJS.Timeout | null = null;
	#durableWaiters: { seq: UpdateSeq; resolve: () => void }[] = [];
	#flushWaiters: { upTo: UpdateSeq; resolve: () => void }[] = [];
	#reachable = true;
	#storedBytes: number;
	readonly #ping: NodeJS.Timeout;
	#closed = false;

	private constructor(pool: pg.Pool, options: PostgresStorageOptions, storedBytes: number) {
		this.#pool = pool;
		this.#storedBytes = storedBytes;
		this.#flushDelayMs = options.flushDelayMs ?? DEFAULT_FLUSH_DELAY_MS;
		this.#onBackgroundError = options.onBackgroundError ?? (() => {});
		this.#ping = setInterval(() => {
			this.#query('SELECT 1').catch(() => {});
		}, options.pingIntervalMs ?? 2000);
		this.#ping.unref();
	}

	/** Connects, creates or checks the tables, and resolves once the database answered. */
	static async open(options: PostgresStorageOptions): Promise<PostgresStorage> {
		const pool = new pg.Pool({
			connectionString: options.connectionString,
			max: options.maxConnections ?? 8,
			connectionTimeoutMillis: 5000,
			// Without a search path, the tables land in the connection's default schema.
			options: options.schema === undefined ? undefined : `-c search_path=${options.schema}`
		});
		// An idle connection the server dropped is reported here; the pool replaces it.
		pool.on('error', () => {});
		let storedBytes: number;
		try {
			await migrate(pool, options.schema);
			const sizes = await pool.query<{ bytes: string }>(
				`SELECT (SELECT coalesce(sum(octet_length(state)), 0) FROM relay_states)
				      + (SELECT coalesce(sum(octet_length(update)), 0) FROM relay_updates) AS bytes`
			);
			storedBytes = Number(sizes.rows[0]?.bytes ?? 0);
		} catch (error) {
			await pool.end();
			throw error;
		}
		return new PostgresStorage(pool, options, storedBytes);
	}

	/**
	 * The bytes of Yjs data stored, as this node knows them: what the database held when it
	 * opened, plus its own appends and compactions since. Other nodes' writes are counted at its
	 * next start, so each node's storage quota is an estimate of the cluster's.
	 */
	get storedBytes(): number {
		return this.#storedBytes;
	}

	/** Whether the last exchange with PostgreSQL (a query or the periodic ping) succeeded. */
	get reachable(): boolean {
		return this.#reachable;
	}

	async loadDocument(docId: DocumentId): Promise<StoredDocument> {
		this.#assertOpen();
		// This instance's appends not committed when the query starts: the ones the snapshot
		// misses are added from here, the others are recognized by writer and seq.
		const pending = this.#pending.filter((append) => append.docId === docId);
		// One statement, one snapshot: a compaction committing meanwhile is seen whole or not at all.
		const [access, stored] = await Promise.all([
			this.getAccess(docId),
			this.#query<{ seq: string; data: Buffer; writer: string | null }>(
				`SELECT seq, state AS data, NULL AS writer, 0 AS kind, 0 AS id
				   FROM relay_states WHERE doc_id = $1
				 UNION ALL
				 SELECT seq, update, writer, 1, id FROM relay_updates WHERE doc_id = $1
				 ORDER BY kind, id`,
				[docId]
			)
		]);
		const updates: Uint8Array[] = [];
		const seqs: UpdateSeq[] = [];
		const mine = new Set<UpdateSeq>();
		for (const row of stored.rows) {
			updates.push(new Uint8Array(row.data));
			seqs.push(Number(row.seq));
			if (row.writer === this.#writer) mine.add(Number(row.seq));
		}
		for (const append of pending) {
			if (mine.has(append.seq)) continue;
			updates.push(append.update.slice());
			seqs.push(append.seq);
		}
		const lastSeq = seqs.reduce((max, seq) => Math.max(max, seq), 0);
		this.#lastSeq = Math.max(this.#lastSeq, lastSeq);
		return { access, updates, seqs, lastSeq };
	}

	async getAccess(docId: DocumentId): Promise<DocumentAccess | null> {
		this.#assertOpen();
		const result = await this.#query<AccessRow>(
			'SELECT member, viewer, retired FROM relay_access WHERE doc_id = $1',
			[docId]
		);
		const row = result.rows[0];
		return row === undefined ? null : toAccess(row);
	}

	async registerAccess(
		docId: DocumentId,
		member: TokenVerifier,
		viewer: TokenVerifier | null
	): Promise<'registered' | 'exists'> {
		this.#assertOpen();
		// Two first connections on two nodes: the primary key lets exactly one row in.
		const result = await this.#query(
			`INSERT INTO relay_access (doc_id, member, viewer) VALUES ($1, $2, $3)
			 ON CONFLICT (doc_id) DO NOTHING`,
			[docId, member, viewer]
		);
		return result.rowCount === 1 ? 'registered' : 'exists';
	}

	async registerViewer(
		docId: DocumentId,
		member: TokenVerifier,
		viewer: TokenVerifier
	): Promise<'registered' | 'exists' | 'stale'> {
		this.#assertOpen();
		const result = await this.#query(
			`UPDATE relay_access SET viewer = $3
			 WHERE doc_id = $1 AND member = $2 AND viewer IS NULL`,
			[docId, member, viewer]
		);
		if (result.rowCount === 1) return 'registered';
		const access = await this.getAccess(docId);
		return access === null || access.member !== member ? 'stale' : 'exists';
	}

	async rotateAccess(
		docId: DocumentId,
		current: TokenVerifier,
		next: { member: TokenVerifier; viewer: TokenVerifier }
	): Promise<'rotated' | 'stale'> {
		this.#assertOpen();
		const access = await this.getAccess(docId);
		if (access === null || access.member !== current) return 'stale';
		const rotated = rotatedAccess(access, next);
		// Compare-and-set on everything the new row was computed from: of two rotations (or a
		// rotation and a viewer registration) from the same row, one finds it changed.
		const result = await this.#query(
			`UPDATE relay_access SET member = $4, viewer = $5, retired = $6
			 WHERE doc_id = $1 AND member = $2 AND viewer IS NOT DISTINCT FROM $3`,
			[docId, current, access.viewer, rotated.member, rotated.viewer, rotated.retired]
		);
		return result.rowCount === 1 ? 'rotated' : 'stale';
	}

	async savePushSubscription(
		subscription: PushSubscriptionKeys,
		documents: readonly { docId: DocumentId; verifier: TokenVerifier }[]
	): Promise<void> {
		this.#assertOpen();
		const client = await this.#connect();
		try {
			await client.query('BEGIN');
			await client.query('DELETE FROM relay_push_subscriptions WHERE endpoint = $1', [
				subscription.endpoint
			]);
			if (documents.length > 0) {
				await client.query(
					'INSERT INTO relay_push_subscriptions (endpoint, p256dh, auth) VALUES ($1, $2, $3)',
					[subscription.endpoint, subscription.p256dh, subscription.auth]
				);
				await client.query(
					`INSERT INTO relay_push_documents (endpoint, doc_id, verifier)
					 SELECT $1, doc_id, verifier FROM unnest($2::text[], $3::text[]) AS d (doc_id, verifier)
					 ON CONFLICT (doc_id, endpoint) DO UPDATE SET verifier = excluded.verifier`,
					[
						subscription.endpoint,
						documents.map((document) => document.docId),
						documents.map((document) => document.verifier)
					]
				);
			}
			await client.query('COMMIT');
		} catch (error) {
			await client.query('ROLLBACK').catch(() => {});
			throw error;
		} finally {
			client.release();
		}
	}

	async deletePushSubscription(endpoint: string): Promise<boolean> {
		this.#assertOpen();
		const result = await this.#query('DELETE FROM relay_push_subscriptions WHERE endpoint = $1', [
			endpoint
		]);
		return result.rowCount === 1;
	}

	async pushTargets(docId: DocumentId): Promise<PushTarget[]> {
		this.#assertOpen();
		const result = await this.#query<PushTarget>(
			`SELECT s.endpoint, s.p256dh, s.auth, d.verifier FROM relay_push_documents d
			 JOIN relay_push_subscriptions s ON s.endpoint = d.endpoint WHERE d.doc_id = $1`,
			[docId]
		);
		return result.rows;
	}

	async vapidKeys(candidate: VapidKeys): Promise<VapidKeys> {
		this.#assertOpen();
		await this.#query(
			`INSERT INTO relay_vapid_keys (id, public_key, private_key) VALUES (1, $1, $2)
			 ON CONFLICT (id) DO NOTHING`,
			[candidate.publicKey, candidate.privateKey]
		);
		const result = await this.#query<VapidKeys>(
			'SELECT public_key AS "publicKey", private_key AS "privateKey" FROM relay_vapid_keys'
		);
		return result.rows[0] as VapidKeys;
	}

	appendUpdate(docId: DocumentId, update: Uint8Array): UpdateSeq {
		this.#assertOpen();
		const seq = ++this.#lastSeq;
		this.#pending.push({ docId, seq, update });
		this.#storedBytes += update.byteLength;
		this.#timer ??= setTimeout(() => {
			this.#timer = null;
			this.#write();
		}, this.#flushDelayMs);
		return seq;
	}

	/**
	 * Replaces the stored state and every appended update that `mergedState` contains (see
	 * `coveredBy`) by `mergedState`, under a transaction-scoped advisory lock on the document:
	 * while another node compacts it, this call changes nothing and resolves (the other
	 * compaction covers what is stored). A merged state that does not contain the stored state
	 * (a stale compaction, or a node that missed another's updates) changes nothing either.
	 * `upToSeq` only becomes the state's seq.
	 */
	async compact(docId: DocumentId, mergedState: Uint8Array, upToSeq: UpdateSeq): Promise<void> {
		this.#assertOpen();
		// The appends this state includes are rows once they are committed.
		await this.flush();
		const covers = coveredBy(mergedState);
		const client = await this.#connect();
		try {
			await client.query('BEGIN');
			const locked = await client.query<{ locked: boolean }>(
				`SELECT pg_try_advisory_xact_lock(hashtextextended('triad-compact:' || $1, 0)) AS locked`,
				[docId]
			);
			if (locked.rows[0]?.locked !== true) {
				await client.query('ROLLBACK');
				return;
			}
			const stored = await client.query<{ seq: string; state: Buffer }>(
				'SELECT seq, state FROM relay_states WHERE doc_id = $1',
				[docId]
			);
			const previous = stored.rows[0];
			if (previous !== undefined && !covers(previous.state)) {
				await client.query('ROLLBACK');
				return;
			}
			const appended = await client.query<{ id: string; update: Buffer }>(
				'SELECT id, update FROM relay_updates WHERE doc_id = $1',
				[docId]
			);
			const containedRows = appended.rows.filter((row) => covers(row.update));
			const contained = containedRows.map((row) => row.id);
			const replaced =
				(previous?.state.length ?? 0) +
				containedRows.reduce((sum, row) => sum + row.update.length, 0);
			await client.query(
				`INSERT INTO relay_states (doc_id, seq, state) VALUES ($1, $2, $3)
				 ON CONFLICT (doc_id) DO UPDATE
				 SET seq = GREATEST(relay_states.seq, EXCLUDED.seq), state = EXCLUDED.state`,
				[docId, upToSeq, Buffer.from(mergedState)]
			);
			if (contained.length > 0) {
				await client.query('DELETE FROM relay_updates WHERE id = ANY($1::bigint[])', [contained]);
			}
			await client.query('COMMIT');
			this.#storedBytes += mergedState.length - replaced;
		} catch (error) {
			await client.query('ROLLBACK').catch(() => {});
			throw error;
		} finally {
			client.release();
		}
	}

	async flush(): Promise<void> {
		this.#assertOpen();
		await this.#flushAll();
	}

	whenDurable(seq: UpdateSeq): Promise<void> {
		if (this.#closed) return Promise.reject(new Error('storage is closed'));
		if (this.#isDurable(seq)) return Promise.resolve();
		return new Promise((resolve) => this.#durableWaiters.push({ seq, resolve }));
	}

	async close(): Promise<void> {
		if (this.#closed) return;
		await this.#flushAll();
		this.#closed = true;
		clearInterval(this.#ping);
		await this.#pool.end();
	}

	#assertOpen(): void {
		if (this.#closed) throw new Error('storage is closed');
	}

	/** Every append of this instance up to `seq` is committed. */
	#isDurable(seq: UpdateSeq): boolean {
		const first = this.#pending[0];
		return first === undefined || first.seq > seq;
	}

	/** Resolves once everything appended before the call is committed, writing it at once. */
	#flushAll(): Promise<void> {
		const last = this.#pending.at(-1);
		if (last === undefined) return Promise.resolve();
		const done = new Promise<void>((resolve) =>
			this.#flushWaiters.push({ upTo: last.seq, resolve })
		);
		if (this.#timer !== null) {
			clearTimeout(this.#timer);
			this.#timer = null;
		}
		this.#write();
		return done;
	}

	/** Inserts the queue as one batch, unless one is in flight (it starts the next one). */
	#write(): void {
		if (this.#writing !== null || this.#pending.length === 0) return;
		this.#inFlight = this.#pending.length;
		const batch = this.#pending.slice(0, this.#inFlight);
		this.#writing = this.#insert(batch).then(
			() => {
				this.#pending.splice(0, batch.length);
				this.#inFlight = 0;
				this.#writing = null;
				this.#settleWaiters();
				if (this.#pending.length > 0) this.#write();
			},
			(error: unknown) => {
				this.#inFlight = 0;
				this.#writing = null;
				this.#onBackgroundError(error instanceof Error ? error : new Error(String(error)));
				this.#timer ??= setTimeout(() => {
					this.#timer = null;
					this.#write();
				}, RETRY_DELAY_MS);
			}
		);
	}

	async #insert(batch: PendingAppend[]): Promise<void> {
		if (batch.length <= ROWS_PER_INSERT) {
			await this.#query(...insertRows(batch, this.#writer));
			return;
		}
		// One transaction for all of them, as one statement would be.
		const client = await this.#connect();
		try {
			await client.query('BEGIN');
			for (let start = 0; start < batch.length; start += ROWS_PER_INSERT) {
				await client.query(
					...insertRows(batch.slice(start, start + ROWS_PER_INSERT), this.#writer)
				);
			}
			await client.query('COMMIT');
		} catch (error) {
			await client.query('ROLLBACK').catch(() => {});
			throw error;
		} finally {
			client.release();
		}
	}

	#settleWaiters(): void {
		this.#durableWaiters = this.#durableWaiters.filter((waiter) => {
			if (!this.#isDurable(waiter.seq)) return true;
			waiter.resolve();
			return false;
		});
		this.#flushWaiters = this.#flushWaiters.filter((waiter) => {
			if (!this.#isDurable(waiter.upTo)) return true;
			waiter.resolve();
			return false;
		});
	}

	async #query<R extends pg.QueryResultRow = pg.QueryResultRow>(
		text: string,
		values?: unknown[]
	): Promise<pg.QueryResult<R>> {
		try {
			const result = await this.#pool.query<R>(text, values);
			this.#reachable = true;
			return result;
		} catch (error) {
			if (isConnectionError(error)) this.#reachable = false;
			throw error;
		}
	}

	async #connect(): Promise<pg.PoolClient> {
		try {
			const client = await this.#pool.connect();
			this.#reachable = true;
			return client;
		} catch (error) {
			this.#reachable = false;
			throw error;
		}
	}
}

function insertRows(batch: PendingAppend[], writer: string): [string, unknown[]] {
	const values: unknown[] = [writer];
	const rows = batch.map((append) => {
		values.push(
			append.docId,
			append.seq,
			Buffer.from(append.update.buffer, append.update.byteOffset, append.update.byteLength)
		);
		const n = values.length;
		return `($${n - 2}, $1, $${n - 1}, $${n})`;
	});
	return [
		`INSERT INTO relay_updates (doc_id, writer, seq, update) VALUES ${rows.join(', ')}`,
		values
	];
}

function toAccess(row: AccessRow): DocumentAccess {
	return {
		member: row.member as TokenVerifier,
		viewer: row.viewer as TokenVerifier | null,
		retired: row.retired as TokenVerifier[]
	};
}

/** Errors of the connection rather than of the statement: PostgreSQL is not reachable. */
function isConnectionError(error: unknown): boolean {
	if (!(error instanceof Error)) return false;
	const code = (error as Error & { code?: unknown }).code;
	// SQLSTATE classes 08 (connection exception) and 57P0x (server shutting down), or a socket
	// error (ECONNREFUSED, ECONNRESET...); pg's own connection errors carry no code.
	if (typeof code === 'string') return /^(08|57P0|E)/.test(code);
	return /connect|terminat|timeout/i.test(error.message);
}

async function migrate(pool: pg.Pool, schema: string | undefined): Promise<void> {
	const client = await pool.connect();
	try {
		await client.query('BEGIN');
		await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
		if (schema !== undefined) {
			await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(schema)}`);
		}
		await client.query(MIGRATION);
		const version = await client.query<{ version: number }>(
			'SELECT version FROM relay_schema_version'
		);
		const stored = version.rows[0]?.version;
		if (stored === undefined) {
			await client.query('INSERT INTO relay_schema_version (version) VALUES ($1)', [
				POSTGRES_SCHEMA_VERSION
			]);
		} else if (stored > POSTGRES_SCHEMA_VERSION) {
			throw new Error(
				`the database holds schema version ${stored}, newer than this relay's ${POSTGRES_SCHEMA_VERSION}`
			);
		} else if (stored < POSTGRES_SCHEMA_VERSION) {
			// Every table is created IF NOT EXISTS above, so an older schema only lacks new tables.
			await client.query('UPDATE relay_schema_version SET version = $1', [POSTGRES_SCHEMA_VERSION]);
		}
		await client.query('COMMIT');
	} catch (error) {
		await client.query('ROLLBACK').catch(() => {});
		throw error;
	} finally {
		client.release();
	}
}
