import pg from 'pg';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { parseDocumentId, type DocumentId } from '../../src/lib/protocol';
import { PostgresStorage, POSTGRES_SCHEMA_VERSION } from '../../server/storage/postgres-storage';
import type { TokenVerifier } from '../../server/storage/relay-storage';
import { runStorageTests } from './storage-suite';
import { freshSchema, TEST_DATABASE_URL } from './testing/postgres';

function open(schema: string, flushDelayMs?: number): Promise<PostgresStorage> {
	return PostgresStorage.open({ connectionString: TEST_DATABASE_URL, schema, flushDelayMs });
}

runStorageTests('postgres', async () => {
	const { schema, drop } = await freshSchema();
	return { storage: await open(schema), reopen: () => open(schema), cleanup: drop };
});

/** Two storages on one schema: two relay nodes sharing one database. */
async function withTwoNodes(
	body: (a: PostgresStorage, b: PostgresStorage, schema: string) => Promise<void>
): Promise<void> {
	const { schema, drop } = await freshSchema();
	const [a, b] = await Promise.all([open(schema), open(schema)]);
	try {
		await body(a, b, schema);
	} finally {
		await Promise.all([a.close(), b.close()]);
		await drop();
	}
}

let counter = 0;
function docId(): DocumentId {
	return parseDocumentId(`pg${String(++counter).padStart(20, '0')}`) as DocumentId;
}
function verifier(fill: string): TokenVerifier {
	return fill.repeat(43).slice(0, 43) as TokenVerifier;
}

/** A replica of the document on one node, recording the updates it makes. */
class Replica {
	readonly doc = new Y.Doc();
	set(key: string, value: unknown): Uint8Array {
		let update: Uint8Array | null = null;
		const capture = (u: Uint8Array) => (update = u);
		this.doc.on('update', capture);
		this.doc.getMap('m').set(key, value);
		this.doc.off('update', capture);
		return update as unknown as Uint8Array;
	}
	receive(update: Uint8Array): void {
		Y.applyUpdate(this.doc, update);
	}
}

function replay(updates: Uint8Array[]): Record<string, unknown> {
	const doc = new Y.Doc();
	for (const update of updates) Y.applyUpdate(doc, update);
	return doc.getMap('m').toJSON();
}

describe('PostgresStorage across nodes', () => {
	it('compacts only what the merged state contains, whatever the other node’s seqs', () =>
		withTwoNodes(async (a, b) => {
			const id = docId();
			const [onA, onB] = [new Replica(), new Replica()];
			// Node A runs far ahead in seqs, so numerically its appends sit below anything B hands
			// out after loading: a seq-based compaction on B would delete A's last append.
			for (let i = 0; i < 20; i++) a.appendUpdate(id, onA.set(`warmup${i % 2}`, i));
			const a1 = onA.set('a1', 1);
			a.appendUpdate(id, a1);
			await a.flush();
			for (const update of (await b.loadDocument(id)).updates) onB.receive(update);
			onB.set('b1', 1);
			b.appendUpdate(id, Y.encodeStateAsUpdate(onB.doc, Y.encodeStateVector(onA.doc)));
			// A's next append never reaches B (a lost fan-out message).
			const aSeq = a.appendUpdate(id, onA.set('a2', 2));
			await a.flush();
			const bSeq = b.appendUpdate(id, onB.set('b2', 2));
			expect(bSeq).toBeGreaterThan(aSeq);
			await b.compact(id, Y.encodeStateAsUpdate(onB.doc), bSeq);

			const loaded = await a.loadDocument(id);
			expect(replay(loaded.updates)).toMatchObject({ a1: 1, a2: 2, b1: 1, b2: 2 });
			// The state and A's unseen append, nothing else.
			expect(loaded.updates).toHaveLength(2);
		}));

	it('keeps every update when two nodes append and compact one document concurrently', () =>
		withTwoNodes(async (a, b) => {
			const id = docId();
			const [onA, onB] = [new Replica(), new Replica()];
			const rounds = 30;
			for (let round = 0; round < rounds; round++) {
				const fromA = onA.set(`a${round}`, round);
				const fromB = onB.set(`b${round}`, round);
				a.appendUpdate(id, fromA);
				b.appendUpdate(id, fromB);
				// Fan-out that delivers every other update only.
				if (round % 2 === 0) onB.receive(fromA);
				if (round % 3 === 0) onA.receive(fromB);
				if (round % 5 === 4) {
					await Promise.all([
						a.compact(id, Y.encodeStateAsUpdate(onA.doc), round),
						b.compact(id, Y.encodeStateAsUpdate(onB.doc), round)
					]);
				}
			}
			await Promise.all([a.flush(), b.flush()]);
			const expected: Record<string, number> = {};
			for (let round = 0; round < rounds; round++) {
				expected[`a${round}`] = round;
				expected[`b${round}`] = round;
			}
			expect(replay((await a.loadDocument(id)).updates)).toEqual(expected);
			expect(replay((await b.loadDocument(id)).updates)).toEqual(expected);
		}));

	it('skips a compaction while another node holds the document’s lock, and keeps appending', () =>
		withTwoNodes(async (a, _b, schema) => {
			const id = docId();
			const replica = new Replica();
			const seq = a.appendUpdate(id, replica.set('x', 1));
			const holder = new pg.Client({ connectionString: TEST_DATABASE_URL });
			await holder.connect();
			try {
				await holder.query('BEGIN');
				await holder.query(
					`SELECT pg_advisory_xact_lock(hashtextextended('triad-compact:' || $1, 0))`,
					[id]
				);
				await a.compact(id, Y.encodeStateAsUpdate(replica.doc), seq);
				const later = a.appendUpdate(id, replica.set('y', 2));
				await a.whenDurable(later);
				const rows = await holder.query(
					`SELECT count(*)::int AS n FROM ${schema}.relay_updates WHERE doc_id = $1`,
					[id]
				);
				expect(rows.rows[0]).toEqual({ n: 2 });
				await holder.query('COMMIT');
			} finally {
				await holder.end();
			}
			await a.compact(id, Y.encodeStateAsUpdate(replica.doc), seq + 1);
			const loaded = await a.loadDocument(id);
			expect(loaded.updates).toHaveLength(1);
			expect(replay(loaded.updates)).toEqual({ x: 1, y: 2 });
		}));

	it('registers exactly one of two first connections racing on two nodes', () =>
		withTwoNodes(async (a, b) => {
			const id = docId();
			const results = await Promise.all([
				a.registerAccess(id, verifier('a'), null),
				b.registerAccess(id, verifier('b'), null)
			]);
			expect([...results].sort()).toEqual(['exists', 'registered']);
			const winner = results[0] === 'registered' ? verifier('a') : verifier('b');
			expect((await b.getAccess(id))?.member).toBe(winner);
			expect((await a.getAccess(id))?.member).toBe(winner);
		}));

	it('lets exactly one of two rotations racing on two nodes win', () =>
		withTwoNodes(async (a, b) => {
			const id = docId();
			await a.registerAccess(id, verifier('a'), verifier('v'));
			const results = await Promise.all([
				a.rotateAccess(id, verifier('a'), { member: verifier('m'), viewer: verifier('n') }),
				b.rotateAccess(id, verifier('a'), { member: verifier('x'), viewer: verifier('y') })
			]);
			expect([...results].sort()).toEqual(['rotated', 'stale']);
		}));

	it('resolves whenDurable only once the rows are committed', () =>
		withTwoNodes(async (a, b) => {
			const id = docId();
			const seq = a.appendUpdate(id, new Replica().set('k', 1));
			await a.whenDurable(seq);
			// Another node sees it: committed, not just accepted.
			expect(replay((await b.loadDocument(id)).updates)).toEqual({ k: 1 });
		}));

	it('records its schema version and refuses a newer one', async () => {
		const { schema, drop } = await freshSchema();
		try {
			await (await open(schema)).close();
			const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
			await client.connect();
			try {
				const rows = await client.query(`SELECT version FROM ${schema}.relay_schema_version`);
				expect(rows.rows).toEqual([{ version: POSTGRES_SCHEMA_VERSION }]);
				await client.query(`UPDATE ${schema}.relay_schema_version SET version = version + 1`);
			} finally {
				await client.end();
			}
			await expect(open(schema)).rejects.toThrow(/newer/);
		} finally {
			await drop();
		}
	});
});
