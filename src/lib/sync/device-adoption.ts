import type { DeviceDb } from './device-db';
import type { DeviceLink } from './device-link';
import { adoptIdentity, loadIdentity, type Identity, type LinkedIdentity } from './identity';
import type { Invite } from './invite-link';
import {
	addWorkspace,
	getWorkspace,
	listWorkspaces,
	type WorkspaceEntry
} from './workspace-directory';

/*
 * What a device link does to the device that opens it. The person's member id is what their
 * seats, ballots, cover and edits are recorded under in every triad, so a device that takes the
 * link must take that id, and can then hold no other:
 *
 * - No identity yet: it becomes the person, and joins every triad of the link.
 * - The same member id: it already is the person. It joins the triads it lacks, and takes the
 *   link's name (the link was made moments ago by the same person; two devices announcing two
 *   names would rewrite each other's member entry at every opening), and the link's signing key:
 *   the first key a member publishes in a triad is theirs for good, and only the device whose key
 *   that is would otherwise sign records that count.
 * - Another member id and no triads: that identity is in nothing this device holds, so it may be
 *   replaced, once the person confirmed it on the screen.
 * - Another member id with triads: refused. Its triads were joined as that other member; opened
 *   as this person, each would list this person as a new member nobody invited there, and the
 *   seats and ballots of that other member would have nobody left to act for them on this
 *   device. The person removes those triads from this device first (leaving any seat held there).
 *
 * Triads the device already holds keep their entry, with one exception: a viewer entry becomes a
 * member entry when the link carries the member secret. A member entry whose secret differs from
 * the link's is kept as it is: after an access rotation either device may hold the current
 * secret, and only the relay could tell which.
 */

/** What adopting does to one triad of the link. */
export type TriadAdoption =
	| 'add'
	/** Already here, with this access or more. */
	| 'keep'
	/** Here as a viewer; the link makes this device a member of it. */
	| 'upgrade'
	/** Here with another secret than the link's; this device's entry is kept. */
	| 'keep-own';

/**
 * What adopting does to the identity of this device. `rekey`: the same person and name with
 * another signing key (each device made its own before they were linked); it takes the link's,
 * so that both devices sign as the same member.
 */
export type IdentityAdoption = 'adopt' | 'same' | 'rename' | 'rekey' | 'replace';

/** The effect of a device link on this device, shown before it is applied. */
export type AdoptionPlan =
	| {
			ok: true;
			identity: IdentityAdoption;
			/** The identity this device had, or null. */
			previous: Identity | null;
			/** The identity this device has afterwards: the link's. */
			next: LinkedIdentity;
			triads: { triad: Invite; action: TriadAdoption }[];
			/** False when the device already is what the link makes it. */
			changes: boolean;
	  }
	| {
			ok: false;
			/** The device belongs to another member, who has triads on it. */
			reason: 'other-person';
			current: Identity;
			/** How many triads that other member has on this device. */
			triadCount: number;
	  };

/** What a device holds now: its identity and its directory. */
export interface DeviceHoldings {
	identity: Identity | null;
	workspaces: readonly WorkspaceEntry[];
}

function triadAdoption(existing: WorkspaceEntry | undefined, triad: Invite): TriadAdoption {
	if (existing === undefined) return 'add';
	if (existing.access === 'viewer' && triad.access === 'member') return 'upgrade';
	if (existing.access === triad.access && existing.secret !== triad.secret) return 'keep-own';
	return 'keep';
}

/** What `link` would do to a device holding `holdings`; see the rules above. */
export function planAdoption(holdings: DeviceHoldings, link: DeviceLink): AdoptionPlan {
	const { identity: current, workspaces } = holdings;
	const next = link.identity;
	let identity: IdentityAdoption;
	if (current === null) identity = 'adopt';
	else if (current.memberId !== next.memberId) {
		if (workspaces.length > 0) {
			return { ok: false, reason: 'other-person', current, triadCount: workspaces.length };
		}
		identity = 'replace';
	} else if (current.name !== next.name) identity = 'rename';
	else identity = current.signingKey?.privateKey === next.privateKey ? 'same' : 'rekey';
	const byId = new Map(workspaces.map((entry) => [entry.docId, entry]));
	const triads = link.triads.map((triad) => ({
		triad,
		action: triadAdoption(byId.get(triad.docId), triad)
	}));
	const changes =
		identity !== 'same' || triads.some(({ action }) => action === 'add' || action === 'upgrade');
	return { ok: true, identity, previous: current, next, triads, changes };
}

/**
 * Applies a device link to the device database, planned afresh from what it holds now (another
 * tab may have changed it since the screen showed the plan), and returns the plan it applied or
 * the refusal. The identity is written first: should a later write fail, the device already is
 * the person, and opening the link again adds the triads still missing, whereas triads written
 * without it would be opened under a new identity at the next start.
 *
 * Added triads get opening times a millisecond apart in the link's order, so home lists them as
 * the other device does.
 */
export async function adoptDeviceLink(
	db: DeviceDb,
	link: DeviceLink,
	now = Date.now()
): Promise<AdoptionPlan> {
	const plan = planAdoption(
		{ identity: await loadIdentity(db), workspaces: await listWorkspaces(db) },
		link
	);
	if (!plan.ok) return plan;
	if (plan.identity !== 'same') await adoptIdentity(db, plan.next);
	let order = 0;
	for (const { triad, action } of plan.triads) {
		if (action === 'add') await addWorkspace(db, triad, now - order++);
		else if (action === 'upgrade') await upgradeToMember(db, triad);
	}
	return plan;
}

/** Replaces the read secret of a viewer entry with the link's member secret, keeping the rest. */
async function upgradeToMember(db: DeviceDb, triad: Invite): Promise<void> {
	const existing = await getWorkspace(db, triad.docId);
	if (existing === null || existing.access !== 'viewer') return;
	const upgraded: WorkspaceEntry = { ...existing, secret: triad.secret, access: 'member' };
	await db.put('workspaces', upgraded);
}
