import { adoptDeviceLink, type AdoptionPlan } from '$lib/sync/device-adoption';
import { createDeviceLinks, type DeviceLink } from '$lib/sync/device-link';
import { device, type DeviceState } from './device.svelte';

/*
 * Moving a person to another device, for the two screens that do it. This module and the sync
 * code below it load with those screens only, not with the app.
 */

/**
 * The device links of the person on this device (one per part), on this app's origin, or none
 * before they chose a name.
 */
export function deviceLinksOf(state: DeviceState = device, origin = location.origin): string[] {
	const identity = state.identity;
	return identity ? createDeviceLinks({ identity, triads: state.workspaces }, origin) : [];
}

/**
 * Makes this device the person of `link` and joins its triads (rules in device-adoption.ts),
 * planned again from the device database; every tab then shows the result. Resolves to what was
 * done, or to the refusal.
 */
export function adoptOnThisDevice(
	link: DeviceLink,
	state: DeviceState = device
): Promise<AdoptionPlan> {
	return state.change((db) => adoptDeviceLink(db, link));
}
