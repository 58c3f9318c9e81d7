import { afterEach } from 'vitest';
import {
	destroyProviders,
	makeTempDir,
	spawnRelay,
	type RelayProcess,
	type SpawnRelayOptions
} from './harness';

/** Relay processes and data directories that live for one test. */
export interface SpawnedPerTest {
	/** Spawns a relay that is killed (SIGKILL) after the test. */
	relay(options: SpawnRelayOptions): Promise<RelayProcess>;
	/** A fresh data directory, removed after the test once its relays are gone. */
	dataDir(): Promise<string>;
	/** Runs `cleanup` after the test, after whatever is registered later (newest first). */
	onCleanup(cleanup: () => Promise<unknown>): void;
}

/**
 * For files whose tests spawn their own relays: after each test, destroys the providers it
 * connected, then kills its relays and removes its directories, newest first.
 */
export function spawnedPerTest(): SpawnedPerTest {
	const cleanups: (() => Promise<unknown>)[] = [];
	afterEach(async () => {
		destroyProviders();
		for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
	});
	return {
		async relay(options) {
			const relay = await spawnRelay(options);
			cleanups.push(() => relay.stop('SIGKILL'));
			return relay;
		},
		async dataDir() {
			const dir = await makeTempDir();
			cleanups.push(dir.remove);
			return dir.path;
		},
		onCleanup(cleanup) {
			cleanups.push(cleanup);
		}
	};
}
