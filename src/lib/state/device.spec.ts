import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDeviceDb } from '$lib/sync/device-db';
import { DeviceState } from './device.svelte';

const states: DeviceState[] = [];
afterEach(() => {
	for (const state of states.splice(0)) state.close();
	vi.unstubAllGlobals();
});

/** Two tabs of one browser: two device states over the same device database. */
async function twoTabs(): Promise<[DeviceState, DeviceState]> {
	const name = `device-${crypto.randomUUID()}`;
	const tabs: [DeviceState, DeviceState] = [
		new DeviceState(createDeviceDb({ name })),
		new DeviceState(createDeviceDb({ name }))
	];
	states.push(...tabs);
	await Promise.all(tabs.map((tab) => tab.load()));
	return tabs;
}

async function until(condition: () => boolean): Promise<void> {
	for (let attempt = 0; attempt < 200; attempt++) {
		if (condition()) return;
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
	throw new Error('condition not met within 1 s');
}

const names = (state: DeviceState) => state.workspaces.map((entry) => entry.name);

describe('device state across tabs', () => {
	it('shows in one tab what another tab introduced, created, joined and removed', async () => {
		const [first, second] = await twoTabs();
		await first.introduce('Ada');
		await until(() => second.identity?.name === 'Ada');

		const created = await first.createTriad('Harbour');
		await until(() => names(second).includes('Harbour'));

		vi.stubGlobal('location', { origin: 'https://triad.example' });
		const link = first.inviteLink(created.docId, 'Harbour');
		await first.forget(created.docId);
		await until(() => second.workspaces.length === 0);

		if (link === null) throw new Error('no invite link for a joined triad');
		expect((await second.join(link)).ok).toBe(true);
		await until(() => names(first).includes('Harbour'));
	});

	it('stops hearing the other tabs once closed', async () => {
		const [first, second] = await twoTabs();
		second.close();
		await first.createTriad('Quiet');
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(names(second)).toEqual([]);
	});
});
