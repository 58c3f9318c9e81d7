import Database from 'better-sqlite3';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import * as Y from 'yjs';
import {
	connectProvider,
	destroyProviders,
	makeTempDir,
	newRoom,
	startInProcessRelay,
	synced,
	waitFor
} from './harness';

/*
 * While storage cannot write, /healthz says so (503), so that a supervisor or load balancer stops
 * sending members to a relay that would not keep their edits; it turns 200 again after the next
 * successful commit. A full disk is simulated by what it does to the worker's writes: another
 * connection holds the database's write lock, so each batched write fails (SQLITE_BUSY after the
 * busy timeout) and is retried, exactly as a write failing with SQLITE_FULL is.
 */

async function health(url: string): Promise<[number, string]> {
	const res = await fetch(`${url}/healthz`);
	return [res.status, await res.text()];
}

it('answers /healthz with 503 while storage writes fail, and 200 after the next commit', async () => {
	const data = await makeTempDir();
	const relay = await startInProcessRelay({ dataDir: data.path });
	const blocker = new Database(join(data.path, 'relay.sqlite'));
	try {
		const room = newRoom();
		const doc = new Y.Doc();
		await synced(connectProvider(relay.syncUrl, room, doc));
		expect(await health(relay.url)).toEqual([200, 'ok']);

		blocker.exec('BEGIN IMMEDIATE');
		doc.getText('t').insert(0, 'waits for the disk');
		await waitFor(async () => (await health(relay.url))[0] === 503, 'healthz to fail', 30_000);
		expect(await health(relay.url)).toEqual([503, 'storage writes failing']);
		expect(relay.logs).toContainEqual(expect.objectContaining({ event: 'storage_write_failed' }));
		expect(relay.metrics.errors.get('storage_write')).toBeGreaterThan(0);

		blocker.exec('ROLLBACK');
		await waitFor(async () => (await health(relay.url))[0] === 200, 'healthz to recover', 30_000);
		expect(relay.logs).toContainEqual(
			expect.objectContaining({ event: 'storage_write_recovered' })
		);
		// The edit that waited is stored.
		destroyProviders();
		const reader = new Y.Doc();
		await synced(connectProvider(relay.syncUrl, room, reader));
		expect(reader.getText('t').toString()).toBe('waits for the disk');
	} finally {
		destroyProviders();
		blocker.close();
		await relay.stop();
		await data.remove();
	}
});
