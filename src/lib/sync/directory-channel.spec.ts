import { afterEach, describe, expect, it } from 'vitest';
import { openDirectoryChannel, type DirectoryChannel } from './directory-channel';

// Node's BroadcastChannel connects channels of one name across the process, like tabs.

const open: Array<DirectoryChannel | BroadcastChannel> = [];
afterEach(() => {
	for (const channel of open.splice(0)) channel.close();
});

function listening(): { channel: DirectoryChannel; changes: () => number } {
	let changes = 0;
	const channel = openDirectoryChannel(() => changes++);
	if (channel === null) throw new Error('this Node has no BroadcastChannel');
	open.push(channel);
	return { channel, changes: () => changes };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('directory channel', () => {
	it('tells the other tabs of a change, not the tab that made it', async () => {
		const first = listening();
		const second = listening();
		first.channel.announce();
		await settle();
		expect(second.changes()).toBe(1);
		expect(first.changes()).toBe(0);
	});

	it('ignores anything else on its channel', async () => {
		const tab = listening();
		const intruder = new BroadcastChannel('triad-device-directory');
		open.push(intruder);
		for (const message of [null, 'directory-changed', 7, {}, { kind: 'changed' }, [1, 2]]) {
			intruder.postMessage(message);
		}
		await settle();
		expect(tab.changes()).toBe(0);
		intruder.postMessage({ kind: 'directory-changed' });
		await settle();
		expect(tab.changes()).toBe(1);
	});
});
