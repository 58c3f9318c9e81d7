import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocumentId, ProposalId } from '$lib/domain/ids';
import { triadNeeds, type Need } from '$lib/domain/needs';
import { absence, BEA, HOLDERS, KIM, NOA, proposal, T0 } from '$lib/domain/testing/fixtures';
import { checkSignatures } from '$lib/doc/check-signatures';
import { createVerifier } from '$lib/doc/ed25519';
import { readNeedsRecords } from '$lib/doc/needs-records';
import { createDeviceDb, type DeviceDb } from '$lib/sync/device-db';
import { openWorkspace } from '$lib/sync/open-workspace';
import { createMemoryStorage } from '$lib/sync/testing/memory-local-store';
import { MemoryRelay } from '$lib/sync/testing/memory-transport';
import { testIdentity } from '$lib/sync/testing/identity';
import type { Identity } from '$lib/sync/identity';
import { newDocumentId, newWorkspaceSecret } from '$lib/sync/workspace-secret';
import { MemberNeeds, sessionNeeds } from './member-needs.svelte';
import {
	LEGACY_SEEN_STORAGE_KEY,
	migrateLegacySeen,
	noticeMessage,
	readSeen,
	SEEN_SETTING,
	takeNotices,
	workerNotices
} from './notices';
import { parseOverview } from './triad-overview';
import { TriadSession } from './triad-session.svelte';

const TRIAD = 'triadtriadtriadtriadt0' as DocumentId;
const P1 = 'proposal1proposal1pro0' as ProposalId;

function ballotNeeds(id: ProposalId = P1): Need[] {
	return triadNeeds({
		triad: TRIAD,
		me: KIM,
		holders: HOLDERS,
		absences: [],
		proposals: [
			{
				proposal: proposal({ id, title: 'Paint the pier', createdBy: BEA }),
				outcome: { state: 'open', waitingFor: ['keeper'] }
			}
		],
		actions: [],
		now: T0
	});
}

const decision = (needs: Need[]) => ({
	needs,
	triads: [TRIAD],
	me: () => KIM,
	node: null,
	now: T0
});

/** Two connections to one device database: a page and the service worker. */
function device(): { page: DeviceDb; worker: DeviceDb } {
	const indexedDB = new IDBFactory();
	return { page: createDeviceDb({ indexedDB }), worker: createDeviceDb({ indexedDB }) };
}

function memoryStorage(initial: Record<string, string>) {
	const values = new Map(Object.entries(initial));
	return {
		values,
		getItem: (key: string) => values.get(key) ?? null,
		removeItem: (key: string) => void values.delete(key)
	};
}

describe('the seen set in the device database', () => {
	it('remembers a notice once shown, for every connection to the device', async () => {
		const { page, worker } = device();
		await page.put('settings', { triads: [TRIAD], keys: [] }, SEEN_SETTING);
		const first = await takeNotices(worker, decision(ballotNeeds()));
		expect(first.map((notice) => notice.key)).toEqual([`vote-opened:${TRIAD}:${P1}`]);
		expect(await takeNotices(page, decision(ballotNeeds()))).toEqual([]);
		expect(await readSeen(page)).toEqual({
			triads: [TRIAD],
			keys: [`vote-opened:${TRIAD}:${P1}`]
		});
	});

	it('shows a notice once when a page and the worker decide at the same time', async () => {
		const { page, worker } = device();
		await page.put('settings', { triads: [TRIAD], keys: [] }, SEEN_SETTING);
		const shown = await Promise.all([
			takeNotices(page, decision(ballotNeeds())),
			takeNotices(worker, decision(ballotNeeds())),
			takeNotices(page, decision(ballotNeeds()))
		]);
		expect(shown.flat().map((notice) => notice.key)).toEqual([`vote-opened:${TRIAD}:${P1}`]);
	});

	it('notifies nothing of a triad the device never looked at, and knows it afterwards', async () => {
		const { page } = device();
		expect(await takeNotices(page, decision(ballotNeeds()))).toEqual([]);
		expect((await readSeen(page)).triads).toEqual([TRIAD]);
	});

	it('reads whatever a peer or an old version stored there as empty', async () => {
		const { page } = device();
		await page.put('settings', 'not a seen set', SEEN_SETTING);
		expect(await readSeen(page)).toEqual({ triads: [], keys: [] });
		await page.put('settings', { triads: [TRIAD, 7], keys: [null, 'a'] }, SEEN_SETTING);
		expect(await readSeen(page)).toEqual({ triads: [TRIAD], keys: ['a'] });
	});
});

describe('moving the seen set out of localStorage', () => {
	it('merges what the page kept with what the device holds, then removes it', async () => {
		const { page } = device();
		await page.put('settings', { triads: ['t2'], keys: ['k2'] }, SEEN_SETTING);
		const storage = memoryStorage({
			[LEGACY_SEEN_STORAGE_KEY]: JSON.stringify({ triads: [TRIAD, 't2'], keys: ['k1', 'k2'] }),
			'triad:notifications': 'on'
		});
		await migrateLegacySeen(page, storage);
		expect(await readSeen(page)).toEqual({ triads: [TRIAD, 't2'], keys: ['k1', 'k2'] });
		expect(storage.values.has(LEGACY_SEEN_STORAGE_KEY)).toBe(false);
		expect(storage.values.get('triad:notifications')).toBe('on');
		// Read once: a second start finds nothing to move and changes nothing.
		await migrateLegacySeen(page, storage);
		expect(await readSeen(page)).toEqual({ triads: [TRIAD, 't2'], keys: ['k1', 'k2'] });
	});

	it('drops a malformed value, and does nothing without one or without storage', async () => {
		const { page } = device();
		const storage = memoryStorage({ [LEGACY_SEEN_STORAGE_KEY]: '{not json' });
		await migrateLegacySeen(page, storage);
		expect(storage.values.size).toBe(0);
		expect(await readSeen(page)).toEqual({ triads: [], keys: [] });
		await migrateLegacySeen(page, memoryStorage({}));
		await migrateLegacySeen(page, null);
		expect(await page.get('settings', SEEN_SETTING)).toEqual({ triads: [], keys: [] });
	});

	it('keeps what the page saw: a vote it notified before is not notified again', async () => {
		const { page, worker } = device();
		const storage = memoryStorage({
			[LEGACY_SEEN_STORAGE_KEY]: JSON.stringify({
				triads: [TRIAD],
				keys: [`vote-opened:${TRIAD}:${P1}`]
			})
		});
		await migrateLegacySeen(page, storage);
		expect(await takeNotices(worker, decision(ballotNeeds()))).toEqual([]);
	});
});

describe('one notification for one thing', () => {
	it('a closing vote replaces the vote asked of the same proposal, and opens it', () => {
		const [need] = ballotNeeds();
		const names = { triad: 'Harbour', member: () => 'Noa' };
		const asked = noticeMessage({ key: 'a', reason: 'vote-opened', need: need! }, names);
		const closing = noticeMessage({ key: 'b', reason: 'deadline-soon', need: need! }, names);
		expect(asked.tag).toBe(closing.tag);
		expect(asked.url).toBe(`/t/${TRIAD}/p/${P1}`);
		expect(asked.title).toBe('Your vote is asked: Paint the pier');
		const [cover] = triadNeeds({
			triad: TRIAD,
			me: KIM,
			holders: HOLDERS,
			absences: [absence(NOA, KIM, T0 - 1, T0 + 1000)],
			proposals: [],
			actions: [],
			now: T0
		});
		const covering = noticeMessage({ key: 'c', reason: 'cover-starting', need: cover! }, names);
		expect(covering.url).toBe(`/t/${TRIAD}/people`);
		expect(covering.tag).not.toBe(asked.tag);
	});
});

describe('the page and the service worker', () => {
	const sessions: TriadSession[] = [];
	afterEach(async () => {
		await Promise.all(sessions.splice(0).map((session) => session.close()));
	});

	function openSession(
		docId: DocumentId,
		identity: Identity
	): { session: TriadSession; doc: Y.Doc } {
		const handle = openWorkspace({
			docId,
			secret: newWorkspaceSecret(),
			identity,
			transport: new MemoryRelay().transport,
			localStore: createMemoryStorage().open,
			connect: false
		});
		const session = new TriadSession(handle, identity, {
			saved: parseOverview(null, docId),
			save: async () => undefined
		});
		sessions.push(session);
		return { session, doc: handle.doc };
	}

	it('mark the same keys for the same triad, so either one tells the member once', async () => {
		const docId = newDocumentId();
		const { session: ada, doc: adaDoc } = openSession(docId, testIdentity('Ada'));
		const { session: bo, doc: boDoc } = openSession(docId, testIdentity('Bo'));
		await Promise.all([ada.whenLocalLoaded, bo.whenLocalLoaded]);
		ada.initialize({ name: 'Harbour', purpose: '', level: 'operational', unit: '' });
		await ada.write.claimSeat('keeper');
		await bo.write.claimSeat('bearer');
		const exchange = () => {
			Y.applyUpdate(adaDoc, Y.encodeStateAsUpdate(boDoc));
			Y.applyUpdate(boDoc, Y.encodeStateAsUpdate(adaDoc));
		};
		exchange();
		const pier = ada.write.createProposal('Paint the pier');
		ada.write.openForVote(pier, null);
		exchange();
		await expect.poll(() => sessionNeeds(bo).map((need) => need.kind)).toEqual(['ballot']);

		// Each on its own device that looked at the triad before, with nothing notified yet.
		const pageDevice = device();
		const workerDevice = device();
		for (const db of [pageDevice.page, workerDevice.worker]) {
			await db.put('settings', { triads: [docId], keys: [] }, SEEN_SETTING);
		}
		const page = new MemberNeeds(pageDevice.page);
		page.update([bo]);
		await page.settled();

		// The worker reads its own copy of the document, checked as it does after a sync.
		const copy = new Y.Doc();
		Y.applyUpdate(copy, Y.encodeStateAsUpdate(boDoc));
		await checkSignatures(copy, docId, createVerifier());
		const now = Date.now();
		const { show, names } = await workerNotices(workerDevice.worker, {
			triad: docId,
			me: bo.me,
			records: readNeedsRecords(copy, now),
			readOnly: false,
			now
		});
		expect(show.map((notice) => notice.key)).toEqual([`vote-opened:${docId}:${pier}`]);
		expect(noticeMessage(show[0]!, names)).toMatchObject({
			title: 'Your vote is asked: Paint the pier',
			tag: `vote:${docId}:${pier}`,
			url: `/t/${docId}/p/${pier}`
		});
		expect(names.triad).toBe('Harbour');

		const pageSeen = await readSeen(pageDevice.page);
		expect(pageSeen.keys).toEqual([`vote-opened:${docId}:${pier}`]);
		expect(await readSeen(workerDevice.worker)).toEqual(pageSeen);

		// On one device, what the worker told the page does not tell again.
		const shared = device();
		await shared.page.put('settings', { triads: [docId], keys: [] }, SEEN_SETTING);
		await workerNotices(shared.worker, {
			triad: docId,
			me: bo.me,
			records: readNeedsRecords(copy, now),
			readOnly: false,
			now
		});
		expect(
			await takeNotices(shared.page, {
				needs: sessionNeeds(bo),
				triads: [docId],
				me: () => bo.me,
				node: 'another-page',
				now
			})
		).toEqual([]);
		// A device that may only read the triad is asked nothing.
		const viewer = device();
		await viewer.worker.put('settings', { triads: [docId], keys: [] }, SEEN_SETTING);
		const asViewer = await workerNotices(viewer.worker, {
			triad: docId,
			me: bo.me,
			records: readNeedsRecords(copy, now),
			readOnly: true,
			now
		});
		expect(asViewer.show).toEqual([]);
	});
});
