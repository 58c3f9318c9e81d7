import { describe } from 'vitest';
import { MemoryRelay } from './memory-transport';
import { runRelayTransportContract } from './relay-transport.contract';

describe('memory transport', () => {
	const relay = new MemoryRelay();
	runRelayTransportContract(() => ({
		transport: relay.transport,
		reportsRefusal: true,
		setRelayReachable: async (reachable) => relay.setOnline(reachable)
	}));
});
