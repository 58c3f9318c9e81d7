import { chmod, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { connectProvider, newRoom, startInProcessRelay, synced, waitFor } from './harness';
import { spawnedPerTest } from './spawned-per-test';

/*
 * The database holds every triad's content and its token verifiers: nobody but the relay's user
 * may read it. DATA_DIR is 0700 and its files 0600, whether the relay created them or found them.
 */

const spawned = spawnedPerTest();
const FILES = ['relay.sqlite', 'relay.sqlite-wal', 'relay.sqlite-shm'];

async function mode(path: string): Promise<string> {
	return ((await stat(path)).mode & 0o777).toString(8);
}

async function modes(dataDir: string): Promise<Record<string, string>> {
	const result: Record<string, string> = { '.': await mode(dataDir) };
	for (const file of FILES) result[file] = await mode(join(dataDir, file));
	return result;
}

const PRIVATE = {
	'.': '700',
	'relay.sqlite': '600',
	'relay.sqlite-wal': '600',
	'relay.sqlite-shm': '600'
};

/** Writes something through `syncUrl`, so that every file of the database exists. */
async function write(syncUrl: string): Promise<void> {
	const room = newRoom();
	const doc = new Y.Doc();
	const provider = connectProvider(syncUrl, room, doc);
	await synced(provider);
	doc.getText('t').insert(0, 'private');
	const witness = new Y.Doc();
	connectProvider(syncUrl, room, witness);
	await waitFor(() => witness.getText('t').length > 0, 'the text at the relay');
	provider.destroy();
}

describe('DATA_DIR', () => {
	it('is created 0700 with files 0600 by the relay process', async () => {
		const dataDir = join(await spawned.dataDir(), 'data');
		const relay = await spawned.relay({ dataDir });
		await write(relay.syncUrl);
		expect(await modes(dataDir)).toEqual(PRIVATE);
	});

	it('is made private when it was left open by an earlier relay or by hand', async () => {
		const dataDir = join(await spawned.dataDir(), 'data');
		const first = await spawned.relay({ dataDir });
		await write(first.syncUrl);
		await first.stop('SIGKILL');
		await chmod(dataDir, 0o755);
		for (const file of FILES) await chmod(join(dataDir, file), 0o644);
		const again = await spawned.relay({ dataDir });
		await write(again.syncUrl);
		expect(await modes(dataDir)).toEqual(PRIVATE);
	});

	it('is made private by a relay started in a process that keeps an open umask', async () => {
		const dataDir = join(await spawned.dataDir(), 'data');
		await mkdir(dataDir, { mode: 0o755 });
		const relay = await startInProcessRelay({ dataDir });
		try {
			await write(relay.syncUrl);
			expect(await modes(dataDir)).toEqual(PRIVATE);
		} finally {
			await relay.stop();
		}
	});
});
