import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { viewerInvite } from './access-rotation';
import { createDeviceDb, type DeviceDb } from './device-db';
import { createInviteLink, type Invite } from './invite-link';
import {
	addWorkspace,
	createWorkspace,
	endRotation,
	getWorkspace,
	joinChange,
	joinFromInviteLink,
	listWorkspaces,
	markAccessChanged,
	requestRotation,
	touchWorkspace,
	type JoinChange,
	type WorkspaceEntry
} from './workspace-directory';
import { newDocumentId, newWorkspaceSecret } from './workspace-secret';

const ORIGIN = 'https://triad.example';

function freshDb(): DeviceDb {
	return createDeviceDb({ indexedDB: new IDBFactory() });
}

function entry(overrides: Partial<WorkspaceEntry> = {}): WorkspaceEntry {
	return {
		docId: newDocumentId(),
		secret: newWorkspaceSecret(),
		access: 'member',
		name: 'Ops',
		joinedAt: 1,
		lastOpened: 1,
		accessChanged: false,
		pendingRotation: null,
		...overrides
	};
}

describe('the join rule', () => {
	const cases: [string, Partial<WorkspaceEntry> | null, Partial<Invite>, JoinChange][] = [
		['a new triad is added', null, {}, 'added'],
		['the same member link changes nothing', {}, { same: true } as Partial<Invite>, 'same'],
		[
			'nor does the same viewer link',
			{ access: 'viewer' },
			{ same: true, access: 'viewer' } as Partial<Invite>,
			'same'
		],
		['a viewer becomes a member from a member link', { access: 'viewer' }, {}, 'upgraded'],
		[
			'a refused viewer too',
			{ access: 'viewer', accessChanged: true },
			{ access: 'member' },
			'upgraded'
		],
		['a member never becomes a viewer', {}, { access: 'viewer' }, 'kept'],
		[
			'not even when their access was changed',
			{ accessChanged: true },
			{ access: 'viewer' },
			'kept'
		],
		['a working secret is not swapped for another', {}, {}, 'kept'],
		['a secret refused as changed is replaced', { accessChanged: true }, {}, 'replaced'],
		[
			'a viewer’s refused read secret is replaced by a new viewer link',
			{ access: 'viewer', accessChanged: true },
			{ access: 'viewer' },
			'replaced'
		],
		['a working viewer link is kept', { access: 'viewer' }, { access: 'viewer' }, 'kept']
	];
	for (const [name, existing, link, expected] of cases) {
		it(name, () => {
			const stored = existing === null ? null : entry(existing);
			const { same, ...rest } = link as Partial<Invite> & { same?: boolean };
			const invite: Invite = {
				docId: stored?.docId ?? newDocumentId(),
				secret: same && stored ? stored.secret : newWorkspaceSecret(),
				access: 'member',
				name: 'Ops',
				...rest
			};
			expect(joinChange(stored, invite)).toBe(expected);
		});
	}
});

describe('joining by the rule', () => {
	it('upgrades a viewer to a member from a member link, keeping when it joined', async () => {
		const inviter = freshDb();
		const created = await createWorkspace(inviter, 'Cohort 3', 1000);
		const viewerLink = createInviteLink(await viewerInvite(created), ORIGIN);
		const memberLink = createInviteLink(created, ORIGIN);

		const db = freshDb();
		const asViewer = await joinFromInviteLink(db, viewerLink, 2000);
		expect(asViewer).toMatchObject({ ok: true, change: 'added', alreadyJoined: false });
		expect(asViewer.ok && asViewer.entry.access).toBe('viewer');
		expect(asViewer.ok && asViewer.entry.secret).not.toBe(created.secret);

		const upgraded = await joinFromInviteLink(db, memberLink, 3000);
		expect(upgraded).toEqual({
			ok: true,
			alreadyJoined: true,
			change: 'upgraded',
			entry: { ...created, joinedAt: 2000, lastOpened: 2000 }
		});
		// And never back: the view-only link changes nothing now.
		const again = await joinFromInviteLink(db, viewerLink, 4000);
		expect(again).toMatchObject({ ok: true, change: 'kept' });
		expect(await listWorkspaces(db)).toEqual([{ ...created, joinedAt: 2000, lastOpened: 2000 }]);
	});

	it('replaces a secret only once the relay refused it as changed, and then the refusal ends', async () => {
		const db = freshDb();
		const created = await createWorkspace(db, 'Cohort 3', 1000);
		const rotated = { ...created, secret: newWorkspaceSecret() };
		const link = createInviteLink(rotated, ORIGIN);

		expect(await joinFromInviteLink(db, link, 2000)).toMatchObject({ ok: true, change: 'kept' });
		expect((await getWorkspace(db, created.docId))?.secret).toBe(created.secret);

		// A refusal of a secret the entry no longer holds is not this entry's.
		await markAccessChanged(db, created.docId, newWorkspaceSecret());
		expect((await getWorkspace(db, created.docId))?.accessChanged).toBe(false);
		await markAccessChanged(db, created.docId, created.secret);
		expect((await getWorkspace(db, created.docId))?.accessChanged).toBe(true);

		expect(await joinFromInviteLink(db, link, 3000)).toMatchObject({
			ok: true,
			change: 'replaced',
			entry: { secret: rotated.secret, accessChanged: false, joinedAt: 1000 }
		});
		// The new secret works (nothing refused it): the next link is kept out again.
		const third = createInviteLink({ ...created, secret: newWorkspaceSecret() }, ORIGIN);
		expect(await joinFromInviteLink(db, third, 4000)).toMatchObject({ change: 'kept' });
		expect((await getWorkspace(db, created.docId))?.secret).toBe(rotated.secret);
	});

	it('reads entries stored before access could change, as working member entries', async () => {
		const db = freshDb();
		const { accessChanged: _a, pendingRotation: _p, ...old } = entry();
		await db.put('workspaces', old);
		await db.put('workspaces', { ...entry(), pendingRotation: { from: 'garbage' } });
		const [first, second] = await listWorkspaces(db);
		expect(first).toMatchObject({ accessChanged: false, pendingRotation: null });
		expect(second).toMatchObject({ accessChanged: false, pendingRotation: null });
		expect([first?.docId, second?.docId]).toContain(old.docId);
	});

	it('keeps the first secret when a workspace is added twice (addWorkspace)', async () => {
		const db = freshDb();
		const first = await addWorkspace(db, entry(), 1000);
		const second = await addWorkspace(db, { ...first, secret: newWorkspaceSecret() }, 2000);
		expect(second).toEqual(first);
	});
});

describe('asking for a rotation', () => {
	it('keeps one pending rotation, with a next secret minted once', async () => {
		const db = freshDb();
		const created = await createWorkspace(db, 'Cohort 3', 1000);
		const pending = await requestRotation(db, created.docId, 5000);
		expect(pending).toEqual({
			from: created.secret,
			next: expect.any(String),
			sent: false,
			requestedAt: 5000
		});
		expect(pending?.next).not.toBe(created.secret);
		// A second removal before the first rotation ran is covered by it.
		expect(await requestRotation(db, created.docId, 6000)).toEqual(pending);
		expect((await getWorkspace(db, created.docId))?.pendingRotation).toEqual(pending);

		await endRotation(db, created.docId, { rotated: pending!.next });
		expect(await getWorkspace(db, created.docId)).toMatchObject({
			secret: pending!.next,
			pendingRotation: null,
			accessChanged: false
		});
	});

	it('is refused to a viewer and to a member whose access was changed', async () => {
		const db = freshDb();
		const viewer = await addWorkspace(db, entry({ access: 'viewer' }));
		const refused = entry();
		await addWorkspace(db, refused);
		await markAccessChanged(db, refused.docId, refused.secret);
		expect(await requestRotation(db, viewer.docId)).toBeNull();
		expect(await requestRotation(db, refused.docId)).toBeNull();
		expect(await requestRotation(db, newDocumentId())).toBeNull();
		expect((await listWorkspaces(db)).map((e) => e.pendingRotation)).toEqual([null, null]);
	});

	it('ends as lost: the secret is kept and marked refused as changed', async () => {
		const db = freshDb();
		const created = await createWorkspace(db, 'Cohort 3', 1000);
		await requestRotation(db, created.docId);
		await endRotation(db, created.docId, { accessChanged: true });
		expect(await getWorkspace(db, created.docId)).toMatchObject({
			secret: created.secret,
			pendingRotation: null,
			accessChanged: true
		});
	});
});

describe('changes to one entry at once', () => {
	it('keep each other: a rotation ending while the triad is opened loses neither', async () => {
		const db = freshDb();
		const created = await createWorkspace(db, 'Cohort 3', 1000);
		const pending = (await requestRotation(db, created.docId))!;
		await Promise.all([
			touchWorkspace(db, created.docId, { lastOpened: 9000, name: 'Renamed' }),
			endRotation(db, created.docId, { rotated: pending.next }),
			markAccessChanged(db, created.docId, pending.next)
		]);
		expect(await getWorkspace(db, created.docId)).toMatchObject({
			secret: pending.next,
			pendingRotation: null,
			lastOpened: 9000,
			name: 'Renamed',
			accessChanged: true
		});
	});
});
