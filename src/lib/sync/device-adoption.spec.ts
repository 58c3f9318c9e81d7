import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { adoptDeviceLink, planAdoption } from './device-adoption';
import { createDeviceDb, type DeviceDb } from './device-db';
import { createDeviceLinks, parseDeviceLink, type DeviceLink } from './device-link';
import { StorageError } from './storage-error';
import { failWritesWithQuota } from './testing/fake-indexeddb-faults';
import {
	adoptIdentity,
	loadIdentity,
	saveIdentity,
	signerOf,
	type Identity,
	type LinkedIdentity
} from './identity';
import { createVerifier } from '../doc/ed25519';
import type { Invite } from './invite-link';
import {
	addWorkspace,
	createWorkspace,
	listWorkspaces,
	type WorkspaceEntry
} from './workspace-directory';
import { newDocumentId, newWorkspaceSecret } from './workspace-secret';

const NOW = 1_800_000_000_000;

function freshDevice(): DeviceDb {
	return createDeviceDb({ indexedDB: new IDBFactory() });
}

/**
 * The phone of a person: their identity and triads, and the device link it makes, read back as
 * the other device reads it.
 */
async function phone(triadNames: string[]): Promise<{
	identity: Identity;
	triads: WorkspaceEntry[];
	link: DeviceLink;
}> {
	const db = freshDevice();
	const identity = await saveIdentity(db, 'Kim', 1000);
	for (const [i, name] of triadNames.entries()) await createWorkspace(db, name, 2000 + i);
	const triads = await listWorkspaces(db);
	const [text = ''] = createDeviceLinks({ identity, triads }, 'https://triad.example');
	const parsed = parseDeviceLink(text);
	if (!parsed.ok) throw parsed.error;
	return { identity, triads, link: parsed.link };
}

/** The identity as a device link carries it. */
function linked({ signingKey, ...identity }: Identity): LinkedIdentity {
	return { ...identity, privateKey: signingKey!.privateKey };
}

const summary = (entries: WorkspaceEntry[]) =>
	entries.map(({ name, access, secret }) => ({ name, access, secret }));

describe('adopting a device link', () => {
	it('makes a new device the person, in every triad of the link, listed in the same order', async () => {
		const { identity, triads, link } = await phone(['Harbour', 'Ops', 'Board']);
		const laptop = freshDevice();
		const plan = await adoptDeviceLink(laptop, link, NOW);
		expect(plan).toMatchObject({ ok: true, identity: 'adopt', previous: null, changes: true });
		expect(await loadIdentity(laptop)).toEqual(identity);
		const joined = await listWorkspaces(laptop);
		expect(summary(joined)).toEqual(summary(triads));
		expect(joined.map((entry) => entry.docId)).toEqual(triads.map((entry) => entry.docId));
		expect(joined[0]).toMatchObject({ joinedAt: NOW, lastOpened: NOW });
	});

	it('adds only what a device of the same person lacks, and takes the name of the link', async () => {
		const { identity, triads, link } = await phone(['Harbour', 'Ops', 'Board', 'Guild']);
		const [harbour, ops, board] = triads.slice().reverse() as WorkspaceEntry[];
		if (!harbour || !ops || !board) throw new Error('three triads expected');
		const laptop = freshDevice();
		await adoptIdentity(laptop, { ...linked(identity), name: 'Kim on the laptop' });
		// Held already: as a member (kept), as a viewer (upgraded), and with an older secret (kept).
		await addWorkspace(laptop, harbour, 10);
		await addWorkspace(laptop, { ...ops, access: 'viewer', secret: newWorkspaceSecret() }, 11);
		const stale = newWorkspaceSecret();
		await addWorkspace(laptop, { ...board, secret: stale }, 12);

		const plan = await adoptDeviceLink(laptop, link, NOW);
		if (!plan.ok) throw new Error('refused');
		expect(plan.identity).toBe('rename');
		expect(Object.fromEntries(plan.triads.map((step) => [step.triad.name, step.action]))).toEqual({
			Harbour: 'keep',
			Ops: 'upgrade',
			Board: 'keep-own',
			Guild: 'add'
		});
		expect(await loadIdentity(laptop)).toEqual(identity);
		const held = new Map((await listWorkspaces(laptop)).map((entry) => [entry.name, entry]));
		expect(held.get('Harbour')).toEqual({ ...harbour, joinedAt: 10, lastOpened: 10 });
		expect(held.get('Ops')).toEqual({ ...ops, joinedAt: 11, lastOpened: 11 });
		expect(held.get('Board')?.secret).toBe(stale);
		expect(held.get('Guild')?.access).toBe('member');
	});

	it('keeps member access when the link carries only a viewer’s', async () => {
		const member: Invite = {
			docId: newDocumentId(),
			secret: newWorkspaceSecret(),
			access: 'member',
			name: 'Harbour'
		};
		const { identity } = await phone([]);
		const link: DeviceLink = {
			identity: linked(identity),
			triads: [{ ...member, access: 'viewer', secret: newWorkspaceSecret() }],
			part: 1,
			parts: 1
		};
		const plan = planAdoption(
			{
				identity,
				workspaces: [
					{ ...member, joinedAt: 1, lastOpened: 1, accessChanged: false, pendingRotation: null }
				]
			},
			link
		);
		expect(plan).toMatchObject({ ok: true, identity: 'same', changes: false });
		expect(plan.ok && plan.triads[0]?.action).toBe('keep');
	});

	it('says when the device already is everything the link makes it', async () => {
		const { identity, link } = await phone(['Harbour']);
		const laptop = freshDevice();
		await adoptDeviceLink(laptop, link, NOW);
		const again = await adoptDeviceLink(laptop, link, NOW + 1);
		expect(again).toMatchObject({ ok: true, identity: 'same', changes: false });
		expect(await loadIdentity(laptop)).toEqual(identity);
		expect(await listWorkspaces(laptop)).toHaveLength(1);
	});

	it('carries the signing key: the new device signs as the same member, with the same key', async () => {
		const { identity, link } = await phone(['Harbour']);
		const laptop = freshDevice();
		await adoptDeviceLink(laptop, link, NOW);
		const adopted = await loadIdentity(laptop);
		expect(adopted?.signingKey).toEqual(identity.signingKey);
		const signature = await (await signerOf(adopted!)!).sign('a ballot');
		const verifier = createVerifier();
		expect(await verifier.verify(identity.signingKey!.publicKey, 'a ballot', signature)).toBe(true);
	});

	it('takes the link’s key on a device of the same person that made a key of its own', async () => {
		const { identity, link } = await phone(['Harbour']);
		const laptop = freshDevice();
		// Linked before members had keys: the laptop is Kim, and made its own key at its next start.
		await laptop.put(
			'settings',
			{ memberId: identity.memberId, name: 'Kim', createdAt: 1000 },
			'identity'
		);
		const own = await loadIdentity(laptop);
		expect(own?.signingKey?.publicKey).not.toBe(identity.signingKey?.publicKey);
		expect(await loadIdentity(laptop)).toEqual(own);
		const plan = await adoptDeviceLink(laptop, link, NOW);
		expect(plan).toMatchObject({ ok: true, identity: 'rekey', changes: true });
		expect(await loadIdentity(laptop)).toEqual(identity);
	});

	it('replaces another identity that is in no triad on this device', async () => {
		const { identity, link } = await phone(['Harbour']);
		const laptop = freshDevice();
		const other = await saveIdentity(laptop, 'Kim (laptop)');
		const plan = await adoptDeviceLink(laptop, link, NOW);
		expect(plan).toMatchObject({
			ok: true,
			identity: 'replace',
			previous: other,
			next: linked(identity)
		});
		expect(await loadIdentity(laptop)).toEqual(identity);
		expect(await listWorkspaces(laptop)).toHaveLength(1);
	});

	it('refuses a device that another member uses in triads, and changes nothing', async () => {
		const { link } = await phone(['Harbour']);
		const laptop = freshDevice();
		const other = await saveIdentity(laptop, 'Ana');
		const own = await createWorkspace(laptop, 'Ana’s triad', 5);
		const plan = await adoptDeviceLink(laptop, link, NOW);
		expect(plan).toEqual({ ok: false, reason: 'other-person', current: other, triadCount: 1 });
		expect(await loadIdentity(laptop)).toEqual(other);
		expect(await listWorkspaces(laptop)).toEqual([own]);
	});

	it('plans again from the database when applying, whatever the screen showed', async () => {
		const { link } = await phone(['Harbour']);
		const laptop = freshDevice();
		await saveIdentity(laptop, 'Ana');
		// Shown while the device held no triad: replacing looked possible.
		const shown = planAdoption({ identity: await loadIdentity(laptop), workspaces: [] }, link);
		expect(shown).toMatchObject({ ok: true, identity: 'replace' });
		// Meanwhile another tab joined a triad as Ana.
		await createWorkspace(laptop, 'Joined in another tab');
		expect(await adoptDeviceLink(laptop, link, NOW)).toMatchObject({
			ok: false,
			reason: 'other-person'
		});
	});

	it('writes the identity first, so opening the link again finishes after a failure', async () => {
		const { identity, triads, link } = await phone(['Harbour', 'Ops']);
		const laptop = freshDevice();
		// The identity write goes through; the disk is full by the first triad (written with put or
		// in a read-and-write transaction, update).
		const put = laptop.put.bind(laptop);
		const update = laptop.update.bind(laptop);
		let restore: (() => void) | null = null;
		const fullFromWorkspaces = (store: string) => {
			if (store === 'workspaces' && restore === null) restore = failWritesWithQuota();
		};
		laptop.put = async (store, value, key) => {
			fullFromWorkspaces(store);
			return put(store, value, key);
		};
		laptop.update = async (store, key, change) => {
			fullFromWorkspaces(store);
			return update(store, key, change);
		};
		try {
			// The fault is injected as a synchronous throw, which inside a read-and-write transaction
			// aborts it without the quota error attached: any storage failure will do here.
			await expect(adoptDeviceLink(laptop, link, NOW)).rejects.toBeInstanceOf(StorageError);
		} finally {
			(restore as (() => void) | null)?.();
			laptop.put = put;
			laptop.update = update;
		}
		expect(await loadIdentity(laptop)).toEqual(identity);
		expect(await listWorkspaces(laptop)).toEqual([]);

		expect(await adoptDeviceLink(laptop, link, NOW)).toMatchObject({ ok: true, identity: 'same' });
		expect(summary(await listWorkspaces(laptop))).toEqual(summary(triads));
	});
});
