import { adoptDeviceLink, type AdoptionPlan } from '$lib/sync/device-adoption';
import { createDeviceLinks, parseDeviceLink, type DeviceLink } from '$lib/sync/device-link';
import type { Invite } from '$lib/sync/invite-link';
import { device, type DeviceState } from './device.svelte';

/*
 * Moving a person to another device, for the two screens that do it. This module and the sync
 * code below it load with those screens only, not with the app.
 */

/** One device link, with the triads it carries (all of them unless the triads need parts). */
export interface DeviceLinkPart {
	url: string;
	triads: Invite[];
}

/**
 * The device links of the person on this device (one per part), on this app's origin, or none
 * before they chose a name. Each is read back as the other device will read it, for the screen
 * to say which triads each code carries.
 */
export function deviceLinksOf(
	state: DeviceState = device,
	origin = location.origin
): DeviceLinkPart[] {
	const identity = state.identity;
	if (!identity) return [];
	return createDeviceLinks({ identity, triads: state.workspaces }, origin).map((url) => {
		const read = parseDeviceLink(url);
		return { url, triads: read.ok ? read.link.triads : [] };
	});
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
