import { randomBytes } from 'node:crypto';
import * as Y from 'yjs';
import { PostgresStorage } from '../../../server/storage/postgres-storage';
import type { DocumentId } from '../../../src/lib/protocol';
import type { RelayProcess } from '../harness';
import type { SpawnedPerTest } from '../spawned-per-test';
import { TEST_DATABASE_URL } from './postgres';

/** Where the nodes of one test cluster meet: a PostgreSQL schema and a Redis. */
export interface ClusterPlace {
	schema: string;
	redisUrl: string;
}

/** A fresh cluster name, so node ids of concurrent test runs on one Redis never collide. */
export function clusterName(): string {
	return randomBytes(4).toString('hex');
}

/** Spawns `count` relay processes with STORAGE=postgres sharing `place`, killed after the test. */
export async function spawnClusterNodes(
	spawned: SpawnedPerTest,
	place: ClusterPlace,
	count: number
): Promise<RelayProcess[]> {
	const cluster = clusterName();
	const dataDir = await spawned.dataDir();
	return Promise.all(
		Array.from({ length: count }, (_, i) =>
			spawned.relay({
				dataDir,
				env: {
					STORAGE: 'postgres',
					DATABASE_URL: TEST_DATABASE_URL,
					DATABASE_SCHEMA: place.schema,
					REDIS_URL: place.redisUrl,
					NODE_ID: `test-${cluster}-${i}`
				}
			})
		)
	);
}

/** The document as PostgreSQL holds it, read by a storage of its own (as a new node would). */
export async function storedMap(schema: string, docId: string): Promise<Record<string, unknown>> {
	const storage = await PostgresStorage.open({ connectionString: TEST_DATABASE_URL, schema });
	try {
		const stored = await storage.loadDocument(docId as DocumentId);
		const doc = new Y.Doc();
		for (const update of stored.updates) Y.applyUpdate(doc, update);
		return doc.getMap('m').toJSON();
	} finally {
		await storage.close();
	}
}

/** The body of GET /healthz and its status. */
export async function health(url: string): Promise<{ status: number; body: string }> {
	const response = await fetch(`${url}/healthz`);
	return { status: response.status, body: await response.text() };
}
