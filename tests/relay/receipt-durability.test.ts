import Database from 'better-sqlite3';
import pg from 'pg';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
	accessTokens,
	encodeSyncUpdate,
	MESSAGE_RECEIPT,
	parseDocumentId,
	type DocumentId
} from '../../src/lib/protocol';
import {
	connectProvider,
	openRawClient,
	refusalOf,
	synced,
	schemaOfDataDir,
	TEST_STORAGE,
	waitFor,
	type RelayProcess
} from './harness';
import { TEST_DATABASE_URL } from './testing/postgres';
import { spawnedPerTest } from './spawned-per-test';

const spawned = spawnedPerTest();

function newDocId(): DocumentId {
	return parseDocumentId(randomBytes(16).toString('base64url')) as DocumentId;
}

async function readBack(relay: RelayProcess, docId: string, token: string) {
	const doc = new Y.Doc();
	const provider = connectProvider(relay.syncUrl, { docId, token }, doc);
	await synced(provider);
	provider.destroy();
	return doc.getMap('m').toJSON() as Record<string, number>;
}

describe('receipts and kill -9', () => {
	it('loses nothing a receipt covered when the relay is killed right after sending it', async () => {
		const dataDir = await spawned.dataDir();
		for (let round = 0; round < 3; round++) {
			const relay = await spawned.relay({ dataDir });
			const docId = newDocId();
			const { member } = await accessTokens(docId, randomBytes(32));
			const raw = openRawClient(`${relay.syncUrl}/${docId}?token=${member}&protocol=2`);
			await raw.opened;
			const doc = new Y.Doc();
			const updates: Uint8Array[] = [];
			doc.on('update', (update: Uint8Array) => updates.push(update));
			// A burst the relay batches: the receipt lands somewhere in the middle of it.
			for (let i = 0; i < 200; i++) doc.getMap('m').set(`k${i}`, i);
			let covered = 0;
			raw.ws.on('message', (message: Buffer) => {
				if (message[0] !== MESSAGE_RECEIPT || covered > 0) return;
				covered = message[1] as number;
				// At once, from inside the handler of the receipt.
				relay.child.kill('SIGKILL');
			});
			for (const update of updates) raw.ws.send(encodeSyncUpdate(update));
			await waitFor(() => covered > 0, 'the first receipt');
			await relay.stop('SIGKILL');

			const restarted = await spawned.relay({ dataDir });
			const stored = await readBack(restarted, docId, member);
			// A one-byte varUint: receipts here cover fewer than 128 updates, or the check below says.
			expect(covered).toBeLessThan(128);
			for (let i = 0; i < covered; i++) expect(stored[`k${i}`]).toBe(i);
			await restarted.stop('SIGKILL');
		}
	});
});

describe('stored access', () => {
	// Reads the SQLite file itself; the PostgreSQL twin is the test below it.
	it.skipIf(TEST_STORAGE === 'postgres')(
		'keeps verifiers, never tokens, and opens a database that stored plain tokens (SQLite)',
		async () => {
			const dataDir = await spawned.dataDir();
			// A database as the first schema wrote it: the token itself in `documents.token`.
			const docId = newDocId();
			const { member } = await accessTokens(docId, randomBytes(32));
			const db = new Database(join(dataDir, 'relay.sqlite'));
			db.exec(`CREATE TABLE schema_version (version INTEGER NOT NULL);
			INSERT INTO schema_version (version) VALUES (1);
			CREATE TABLE documents (doc_id TEXT PRIMARY KEY, token TEXT, state BLOB,
				state_seq INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, compacted_at INTEGER);
			CREATE TABLE updates (doc_id TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL,
				PRIMARY KEY (doc_id, seq));`);
			const doc = new Y.Doc();
			doc.getMap('m').set('before', 1);
			db.prepare(
				'INSERT INTO documents (doc_id, token, state, state_seq, created_at) VALUES (?, ?, ?, 1, 0)'
			).run(docId, member, Buffer.from(Y.encodeStateAsUpdate(doc)));
			db.close();

			const relay = await spawned.relay({ dataDir });
			expect(await readBack(relay, docId, member)).toEqual({ before: 1 });
			const wrong = await accessTokens(docId, randomBytes(32));
			expect(await refusalOf(`${relay.syncUrl}/${docId}?token=${wrong.member}`)).toMatchObject({
				code: 4403,
				received: 0
			});
			await relay.stop('SIGTERM');

			const file = await readFile(join(dataDir, 'relay.sqlite'));
			expect(file.includes(Buffer.from(member))).toBe(false);
			const verifier = createHash('sha256').update(member).digest('base64url');
			const reopened = new Database(join(dataDir, 'relay.sqlite'), { readonly: true });
			expect(
				reopened.prepare('SELECT member_verifier FROM documents WHERE doc_id = ?').get(docId)
			).toEqual({ member_verifier: verifier });
			reopened.close();
		}
	);

	it.runIf(TEST_STORAGE === 'postgres')('keeps verifiers, never tokens (PostgreSQL)', async () => {
		const dataDir = await spawned.dataDir();
		const relay = await spawned.relay({ dataDir });
		const docId = newDocId();
		const { member } = await accessTokens(docId, randomBytes(32));
		const doc = new Y.Doc();
		doc.getMap('m').set('before', 1);
		await synced(connectProvider(relay.syncUrl, { docId, token: member }, doc));
		await waitFor(async () => (await readBack(relay, docId, member)).before === 1, 'the edit');
		await relay.stop('SIGTERM');
		const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
		await client.connect();
		try {
			const schema = schemaOfDataDir(dataDir);
			const access = await client.query<{ member: string }>(
				`SELECT member FROM ${schema}.relay_access WHERE doc_id = $1`,
				[docId]
			);
			expect(access.rows).toEqual([
				{ member: createHash('sha256').update(member).digest('base64url') }
			]);
			const dump = await client.query<{ rows: string }>(
				`SELECT coalesce((SELECT string_agg(a::text, ' ') FROM ${schema}.relay_access a), '')
				     || coalesce((SELECT string_agg(encode(update, 'escape'), ' ') FROM ${schema}.relay_updates), '')
				     || coalesce((SELECT string_agg(encode(state, 'escape'), ' ') FROM ${schema}.relay_states), '')
				   AS rows`
			);
			expect(dump.rows[0]?.rows).toContain(docId);
			expect(dump.rows[0]?.rows).not.toContain(member);
		} finally {
			await client.end();
		}
	});
});
