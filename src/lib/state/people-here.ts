import type { MemberId } from '$lib/domain/ids';
import type { Peer } from '$lib/sync/presence';

/**
 * Who else has `target` (a proposal id, as announced in presence) open, as the names a screen
 * lists: each member once, however many tabs or devices they have it open in, and "you" (first)
 * when the viewer has it open in another tab. The others follow by name, then by member id, so
 * every device lists them in the same order whatever order their presence arrived in.
 *
 * Presence is per awareness client, that is per tab, which is right for the editor's carets but
 * would list a member with two tabs twice ("Kai, Kai").
 */
export function namesHere(peers: readonly Peer[], viewer: MemberId, target: string): string[] {
	const others = new Map<MemberId, string>();
	let viewerElsewhere = false;
	for (const peer of peers) {
		if (peer.editing !== target) continue;
		const { memberId, name } = peer.user;
		if (memberId === viewer) viewerElsewhere = true;
		else if (!others.has(memberId)) others.set(memberId, name);
	}
	const names = [...others]
		.sort(([idA, nameA], [idB, nameB]) => nameA.localeCompare(nameB) || idA.localeCompare(idB))
		.map(([, name]) => name);
	return viewerElsewhere ? ['you', ...names] : names;
}
