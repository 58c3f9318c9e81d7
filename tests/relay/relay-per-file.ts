import { afterAll, afterEach, beforeAll } from 'vitest';
import type { RelayServerOptions } from '../../server/relay-server';
import { destroyProviders, startInProcessRelay, type InProcessRelay } from './harness';

/**
 * One in-process relay for all the tests of the calling file: started before the first, stopped
 * after the last, with the providers each test connected destroyed after that test. Returns a
 * getter, because the relay exists only once the file's tests run, not while they are collected.
 */
export function relayPerFile(options: RelayServerOptions = {}): () => InProcessRelay {
	let relay: InProcessRelay | undefined;
	beforeAll(async () => {
		relay = await startInProcessRelay(options);
	});
	afterEach(() => destroyProviders());
	afterAll(() => relay?.stop());
	return () => {
		if (relay === undefined) throw new Error('the relay starts before the first test');
		return relay;
	};
}
