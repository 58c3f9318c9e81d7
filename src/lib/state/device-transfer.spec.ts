import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeviceDb } from '$lib/sync/device-db';
import { parseDeviceLink } from '$lib/sync/device-link';
import { DeviceState } from './device.svelte';
import { adoptOnThisDevice, deviceLinksOf } from './device-transfer';

const states: DeviceState[] = [];
afterEach(() => {
	for (const state of states.splice(0)) state.close();
});

async function deviceState(name: string): Promise<DeviceState> {
	const state = new DeviceState(createDeviceDb({ name }));
	states.push(state);
	await state.load();
	return state;
}

async function until(condition: () => boolean): Promise<void> {
	for (let attempt = 0; attempt < 200; attempt++) {
		if (condition()) return;
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
	throw new Error('condition not met within 1 s');
}

describe('device state adopting a device link', () => {
	it('shows the person and their triads at once, in this tab and the others', async () => {
		const phone = await deviceState(`phone-${crypto.randomUUID()}`);
		const identity = await phone.introduce('Kim');
		await phone.createTriad('Harbour');
		const [part] = deviceLinksOf(phone, 'https://triad.example');
		expect(part?.triads.map((triad) => triad.name)).toEqual(['Harbour']);
		const parsed = parseDeviceLink(part?.url ?? '');
		if (!parsed.ok) throw parsed.error;

		const laptopDb = `laptop-${crypto.randomUUID()}`;
		const [laptop, otherTab] = [await deviceState(laptopDb), await deviceState(laptopDb)];
		const plan = await adoptOnThisDevice(parsed.link, laptop);
		expect(plan.ok).toBe(true);
		expect(laptop.identity).toEqual(identity);
		expect(laptop.workspaces.map((entry) => entry.name)).toEqual(['Harbour']);
		await until(() => otherTab.identity?.memberId === identity.memberId);
		expect(otherTab.workspaces.map((entry) => entry.name)).toEqual(['Harbour']);
	});
});
