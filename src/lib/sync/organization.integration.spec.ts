import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WebSocket as NodeWebSocket } from 'ws';
import type { DocumentId, MemberId } from '../domain/ids';
import { initFeed, raiseEscalation, readFeed } from '../doc/feed';
import { addUnit, initOrganization, readOrganization, readUnitTree } from '../doc/organization';
import { createClock } from '../domain/hlc';
import { viewerInvite } from './access-rotation';
import { feedIdFor, feedReadSecretFor, feedSecretFor } from './feed-capability';
import type { Invite } from './invite-link';
import { openWorkspace, type WorkspaceHandle } from './open-workspace';
import { testIdentity } from './testing/identity';
import { createMemoryStorage } from './testing/memory-local-store';
import { startTestRelay, type TestRelay } from './testing/test-relay';
import { untilStatus } from './testing/until-status';
import { newDocumentId, newWorkspaceSecret } from './workspace-secret';

/*
 * The organization's documents through the project's relay, opened with the same machinery as a
 * triad: a steward writes the organization document and a person with its view-only link reads
 * it; a triad's member writes its feed with the derived secret and the strategic triad follows
 * it with the derived read secret.
 */

let relay: TestRelay;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
	relay = await startTestRelay();
});
afterEach(async () => {
	await Promise.all(closers.splice(0).map((close) => close()));
});
afterAll(async () => {
	await relay.dispose();
});

function open(invite: Invite, name: string): WorkspaceHandle {
	const handle = openWorkspace({
		docId: invite.docId,
		secret: invite.secret,
		access: invite.access,
		identity: testIdentity(name),
		relayUrl: relay.url,
		WebSocket: NodeWebSocket as unknown as typeof WebSocket,
		crossTab: false,
		// Each handle is a device of its own: what one stores, another never loads.
		localStore: createMemoryStorage().open
	});
	closers.push(() => handle.close());
	return handle;
}

function untilDoc(doc: Y.Doc, check: () => boolean): Promise<void> {
	return new Promise((resolve) => {
		const test = () => {
			if (!check()) return;
			doc.off('update', test);
			resolve();
		};
		doc.on('update', test);
		test();
	});
}

const clock = () => createClock('steward', () => Date.now());

describe('organization documents through the relay', { timeout: 20_000 }, () => {
	it('a steward writes the organization; a viewer follows it and its writes never leave it', async () => {
		const steward: Invite = {
			docId: newDocumentId(),
			secret: newWorkspaceSecret(),
			access: 'member',
			name: 'Riverside'
		};
		const ana = open(steward, 'Ana');
		await ana.whenLocalLoaded;
		initOrganization(ana.doc, { name: 'Riverside', purpose: 'Reading', createdAt: Date.now() });
		addUnit(ana.doc, clock(), { name: 'Year 1', kind: 'cohort' });
		await untilStatus(ana, (s) => s.connection === 'synced' && !s.unsyncedLocalChanges);

		const vic = open(await viewerInvite(steward), 'Vic');
		await untilDoc(vic.doc, () => readUnitTree(vic.doc).length === 1);
		expect(readOrganization(vic.doc)?.name).toBe('Riverside');

		// A viewer's app that writes anyway (the state layer refuses before this) is refused by the
		// relay with its reason, and what it wrote reaches nobody.
		addUnit(vic.doc, clock(), { name: 'Vic’s unit', kind: 'team' });
		const refused = await untilStatus(vic, (s) => s.refusal !== null);
		expect(refused.refusal?.reason).toMatch(/viewers cannot write/);
		addUnit(ana.doc, clock(), { name: 'Year 2', kind: 'cohort' });
		await untilStatus(ana, (s) => s.connection === 'synced' && !s.unsyncedLocalChanges);
		const ben = open({ ...steward }, 'Ben');
		await untilDoc(ben.doc, () => readUnitTree(ben.doc).length >= 2);
		expect(readUnitTree(ben.doc).map((u) => u.name)).toEqual(['Year 1', 'Year 2']);
		expect(readUnitTree(ana.doc).map((u) => u.name)).toEqual(['Year 1', 'Year 2']);
	});

	it('a triad member writes its feed with the derived secret; the strategic triad reads it', async () => {
		const triad = newDocumentId();
		const triadSecret = newWorkspaceSecret();
		const feedId = await feedIdFor(triad);
		const member = open(
			{ docId: feedId, secret: await feedSecretFor(triadSecret), access: 'member', name: 'feed' },
			'Kim'
		);
		await member.whenLocalLoaded;
		initFeed(member.doc, triad);
		raiseEscalation(member.doc, clock(), { title: 'Budget', raisedBy: 'kim' as MemberId });
		await untilStatus(member, (s) => s.connection === 'synced' && !s.unsyncedLocalChanges);

		const strategic = open(
			{
				docId: feedId,
				secret: await feedReadSecretFor(triadSecret),
				access: 'viewer',
				name: 'feed'
			},
			'Sam'
		);
		await untilDoc(strategic.doc, () => readFeed(strategic.doc).records.length === 1);
		expect(readFeed(strategic.doc).records[0]).toMatchObject({
			kind: 'escalation',
			title: 'Budget'
		});

		// The triad's own secret is not the feed's: the relay refuses it there.
		const wrong = open(
			{ docId: feedId, secret: triadSecret, access: 'member', name: 'feed' },
			'Eve'
		);
		const refused = await untilStatus(wrong, (s) => s.refusal !== null);
		expect(refused.refusal).not.toBeNull();
		expect(feedId as DocumentId).not.toBe(triad);
	});
});
