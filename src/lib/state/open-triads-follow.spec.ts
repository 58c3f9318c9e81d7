import { afterEach, describe, expect, it } from 'vitest';
import type { Identity } from '$lib/sync/identity';
import { createMemoryStorage } from '$lib/sync/testing/memory-local-store';
import { MemoryRelay } from '$lib/sync/testing/memory-transport';
import { openWorkspace } from '$lib/sync/open-workspace';
import type { WorkspaceEntry } from '$lib/sync/workspace-directory';
import { newDocumentId, newWorkspaceSecret } from '$lib/sync/workspace-secret';
import { OpenTriads, type OverviewStore, type SessionOpener } from './open-triads.svelte';
import { TriadSession } from './triad-session.svelte';
import { testIdentity } from '$lib/sync/testing/identity';

const ada: Identity = testIdentity('Ada');

const opened: TriadSession[] = [];
afterEach(async () => {
	await Promise.all(opened.splice(0).map((session) => session.close()));
});

function setUp() {
	const entry: WorkspaceEntry = {
		docId: newDocumentId(),
		secret: newWorkspaceSecret(),
		access: 'viewer',
		name: 'Ops',
		joinedAt: 1,
		lastOpened: 1,
		accessChanged: false,
		pendingRotation: null
	};
	const store: OverviewStore = {
		readOverview: async () => null,
		saveOverview: async () => undefined,
		load: async () => undefined,
		workspaces: [entry]
	};
	const relay = new MemoryRelay();
	const storage = createMemoryStorage();
	const watched: TriadSession[] = [];
	const opener: SessionOpener = (joined, identity, overviews) => {
		const session = new TriadSession(
			openWorkspace({
				docId: joined.docId,
				secret: joined.secret,
				access: joined.access,
				identity,
				transport: relay.transport,
				localStore: storage.open,
				crossTab: false,
				connect: false
			}),
			identity,
			overviews
		);
		opened.push(session);
		return session;
	};
	const triads = new OpenTriads(
		store,
		async () => opener,
		(session) => watched.push(session)
	);
	return { entry, triads, watched };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('OpenTriads.follow', () => {
	it('reopens a viewer’s session as a member once the directory says so', async () => {
		const { entry, triads, watched } = setUp();
		const viewer = await triads.open(entry, ada);
		expect(viewer.access).toBe('viewer');
		expect(watched).toEqual([viewer]);

		const member: WorkspaceEntry = { ...entry, access: 'member', secret: newWorkspaceSecret() };
		triads.follow(member, ada);
		triads.follow(member, ada);
		await settle();
		const reopened = triads.get(entry.docId);
		expect(reopened).not.toBe(viewer);
		expect(reopened?.access).toBe('member');
		expect(reopened?.secret).toBe(member.secret);
		expect(watched).toEqual([viewer, reopened]);
		expect(await triads.open(member, ada)).toBe(reopened);
	});

	it('reconnects a session in place with a new secret, and passes on the directory’s refusal', async () => {
		const { entry, triads } = setUp();
		const member: WorkspaceEntry = { ...entry, access: 'member' };
		const session = await triads.open(member, ada);
		await session.whenLocalLoaded;

		triads.follow({ ...member, accessChanged: true }, ada);
		expect(session.readOnly).toBe('access-changed');

		const next = newWorkspaceSecret();
		triads.follow({ ...member, secret: next }, ada);
		expect(triads.get(member.docId)).toBe(session);
		expect(session.secret).toBe(next);
		expect(session.readOnly).toBeNull();
		// A triad not open here is left alone.
		triads.follow({ ...member, docId: newDocumentId() }, ada);
		expect(opened).toHaveLength(1);
	});
});
