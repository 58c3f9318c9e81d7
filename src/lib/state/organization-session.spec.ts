import { afterEach, describe, expect, it } from 'vitest';
import { createClock } from '$lib/domain/hlc';
import type { DocumentId, MemberId } from '$lib/domain/ids';
import { escalationStates } from '$lib/domain/organization-feed';
import type { UnitId } from '$lib/domain/organization';
import { viewerInvite } from '$lib/sync/access-rotation';
import { createMemoryStorage } from '$lib/sync/testing/memory-local-store';
import { MemoryRelay } from '$lib/sync/testing/memory-transport';
import { testIdentity } from '$lib/sync/testing/identity';
import { openWorkspace, type SyncStatus } from '$lib/sync/open-workspace';
import {
	newDocumentId,
	newWorkspaceSecret,
	type WorkspaceSecret
} from '$lib/sync/workspace-secret';
import { FeedSession } from './feed-session.svelte';
import {
	OrganizationNotLoadedError,
	OrganizationReadOnlyError,
	OrganizationSession
} from './organization-session.svelte';

/*
 * The organization's session over the same machinery as a triad's: a steward writes, a viewer
 * follows and every write of theirs is refused with the reason before it reaches the document.
 */

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
	await Promise.all(open.splice(0).map((session) => session.close()));
});

function organization(
	relay: MemoryRelay,
	docId: DocumentId,
	secret: WorkspaceSecret,
	access: 'member' | 'viewer',
	name: string
): OrganizationSession {
	const session = new OrganizationSession(
		openWorkspace({
			docId,
			secret,
			access,
			identity: testIdentity(name),
			localStore: createMemoryStorage().open,
			transport: relay.transport,
			crossTab: false
		}),
		createClock(name, () => Date.now())
	);
	open.push(session);
	return session;
}

function until(session: { status: SyncStatus }, check: () => boolean): Promise<void> {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const poll = () => {
			if (check()) return resolve();
			// A guard against a hung test, not a timing assertion.
			if (Date.now() - started > 10_000) return reject(new Error('timed out'));
			setTimeout(poll, 10);
		};
		poll();
	});
}

describe('an organization session', () => {
	it('lets a steward create and change the organization, and a viewer follow it', async () => {
		const relay = new MemoryRelay();
		const docId = newDocumentId();
		const secret = newWorkspaceSecret();
		const steward = organization(relay, docId, secret, 'member', 'Ana');
		expect(() => steward.addUnit({ name: 'Early', kind: 'team', parent: null })).toThrow(
			OrganizationNotLoadedError
		);
		await steward.whenLocalLoaded;
		steward.create({ name: 'Riverside', purpose: 'Reading', culture: 'Kindly' });
		const year = steward.addUnit({ name: 'Year 1', kind: 'cohort', parent: null });
		steward.addUnit({ name: 'Teachers', kind: 'team', parent: year });
		expect(steward.units.map((u) => [u.name, u.depth])).toEqual([
			['Year 1', 0],
			['Teachers', 1]
		]);
		expect(() => steward.moveUnit(year, steward.units[1]!.id)).toThrow(/inside itself/);
		steward.registerTriad({
			id: newDocumentId(),
			name: 'Leadership',
			unit: null,
			level: 'strategic',
			reportsTo: null,
			feed: newDocumentId()
		});

		const { secret: readSecret } = await viewerInvite({
			docId,
			secret,
			access: 'member',
			name: 'Riverside'
		});
		const viewer = organization(relay, docId, readSecret, 'viewer', 'Vic');
		await until(viewer, () => viewer.register.length === 1 && viewer.units.length === 2);
		expect(viewer.identity?.name).toBe('Riverside');
		expect(viewer.writable).toBe(false);
		const writes = [
			() => viewer.addUnit({ name: 'Mine', kind: 'team', parent: null }),
			() => viewer.moveUnit(year, null),
			() => viewer.addResource({ title: 'Wiki', detail: '', holder: '' }),
			() => viewer.setCulture('Other'),
			() =>
				viewer.registerTriad({
					id: newDocumentId(),
					name: 'X',
					unit: null as UnitId | null,
					level: 'strategic',
					reportsTo: null,
					feed: newDocumentId()
				})
		];
		for (const write of writes) {
			expect(write).toThrow(OrganizationReadOnlyError);
			expect(write).toThrow(/view-only access/);
		}
		expect(viewer.units).toHaveLength(2);
	});
});

describe('a feed session', () => {
	it('is written only by a member device, and only once the triad opted in', async () => {
		const relay = new MemoryRelay();
		const docId = newDocumentId();
		const triad = newDocumentId();
		const handle = (access: 'member' | 'viewer') =>
			openWorkspace({
				docId,
				secret: newWorkspaceSecret(),
				access,
				identity: testIdentity('Kim'),
				localStore: createMemoryStorage().open,
				transport: relay.transport,
				crossTab: false
			});
		const member = new FeedSession(handle('member'));
		const viewer = new FeedSession(handle('viewer'));
		open.push(member, viewer);
		await member.whenLocalLoaded;
		await viewer.whenLocalLoaded;
		member.ensureCreated(triad);
		member.ensureCreated(triad);
		expect(member.publishing).toBe(false);
		let reads = 0;
		const readTriad = <T>(): T => {
			reads++;
			throw new Error('not reached while publishing is off');
		};
		expect(member.publishFrom(readTriad, Date.now())).toBe(0);
		expect(reads).toBe(0);
		expect(() => viewer.setPublishing(true)).toThrow(/Only the members of a triad/);
		expect(() => viewer.ensureCreated(triad)).toThrow(/Only the members of a triad/);
		member.setPublishing(true);
		expect(member.publishing).toBe(true);
	});

	it('raises and answers escalations on a member device only, joined by escalationStates', async () => {
		const relay = new MemoryRelay();
		const open1 = (docId: DocumentId, access: 'member' | 'viewer') =>
			new FeedSession(
				openWorkspace({
					docId,
					secret: newWorkspaceSecret(),
					access,
					identity: testIdentity('Kim'),
					localStore: createMemoryStorage().open,
					transport: relay.transport,
					crossTab: false
				})
			);
		const operationalFeed = newDocumentId();
		const operational = open1(operationalFeed, 'member');
		const strategic = open1(newDocumentId(), 'member');
		const viewer = open1(newDocumentId(), 'viewer');
		open.push(operational, strategic, viewer);
		await Promise.all([operational, strategic, viewer].map((f) => f.whenLocalLoaded));
		// A feed is stamped with its triad before anything is appended to it.
		operational.ensureCreated(newDocumentId());
		strategic.ensureCreated(newDocumentId());
		const raisedBy = 'kim-member-id' as MemberId;
		const escalation = operational.raise({ title: 'More hands', text: 'Doubled', raisedBy });
		expect(() => operational.raise({ title: '   ', raisedBy })).toThrow(/title/);
		expect(() => viewer.raise({ title: 'Mine', raisedBy })).toThrow(/Only the members of a triad/);
		const answer = {
			escalation,
			fromFeed: operationalFeed,
			answer: 'decided' as const,
			outcome: 'consensus' as const,
			reason: 'Yes'
		};
		expect(() => viewer.answer(answer)).toThrow(/Only the members of a triad/);
		expect(() => strategic.answer({ ...answer, outcome: null })).toThrow(/decided answer/);
		strategic.answer(answer);
		const states = escalationStates(
			operationalFeed,
			operational.entries.records.filter((e) => e.kind === 'escalation'),
			strategic.entries.records.filter((e) => e.kind === 'answer')
		);
		expect(states.map((s) => [s.title, s.state, s.outcome, s.reason])).toEqual([
			['More hands', 'decided', 'consensus', 'Yes']
		]);
	});
});
