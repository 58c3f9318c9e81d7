import { execFileSync } from 'node:child_process';
import { beforeAll, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
	BUNDLED_RELAY_ARGS,
	connectProvider,
	destroyProviders,
	newRoom,
	REPO_ROOT,
	synced,
	waitFor
} from './harness';
import { spawnedPerTest } from './spawned-per-test';

const spawned = spawnedPerTest();

beforeAll(() => {
	// The bundle `npm start` runs: its storage worker is a second entry point found beside it.
	execFileSync('npm', ['run', '--silent', 'build:server'], { cwd: REPO_ROOT, stdio: 'inherit' });
});

const bundledRelay = (dataDir: string) => spawned.relay({ dataDir, nodeArgs: BUNDLED_RELAY_ARGS });

it('runs bundled, with its storage worker, and keeps edits through kill -9', async () => {
	const dir = await spawned.dataDir();
	const room = newRoom();
	const first = await bundledRelay(dir);
	const doc = new Y.Doc();
	await synced(connectProvider(first.syncUrl, room, doc));
	doc.getText('body').insert(0, 'bundled');
	const witness = new Y.Doc();
	await synced(connectProvider(first.syncUrl, room, witness));
	await waitFor(() => witness.getText('body').length > 0, 'the edit at the relay');
	// The relay answers a sync only once storage committed everything it received before, and
	// it had received the edit: so once this one syncs, the edit is on disk.
	await synced(connectProvider(first.syncUrl, room, new Y.Doc()));
	expect(await first.stop('SIGKILL')).toBeNull();
	destroyProviders();

	const second = await bundledRelay(dir);
	const reader = new Y.Doc();
	await synced(connectProvider(second.syncUrl, room, reader));
	expect(reader.getText('body').toString()).toBe('bundled');
});

it('runs bundled with its compaction worker, and a compacted document loads again', async () => {
	const dir = await spawned.dataDir();
	const room = newRoom();
	const relay = await spawned.relay({
		dataDir: dir,
		nodeArgs: BUNDLED_RELAY_ARGS,
		env: { COMPACT_IDLE_MS: '50' }
	});
	const doc = new Y.Doc();
	await synced(connectProvider(relay.syncUrl, room, doc));
	for (let i = 0; i < 5; i++) doc.getArray<number>('log').push([i]);
	const compactions = async () => {
		const metrics = await (await fetch(`${relay.url}/metrics`)).text();
		return Number(/storage_compactions_total (\d+)/.exec(metrics)?.[1] ?? 0);
	};
	await waitFor(async () => (await compactions()) >= 1, 'a compaction by the bundled relay');
	destroyProviders();
	const reader = new Y.Doc();
	await synced(connectProvider(relay.syncUrl, room, reader));
	expect(reader.getArray('log').toJSON()).toEqual([0, 1, 2, 3, 4]);
});
