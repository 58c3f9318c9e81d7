import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as Y from 'yjs';
import { encodeHlc } from '$lib/domain/hlc';
import { seatEntryMessage } from '$lib/domain/signatures';
import { createSigner, generateSigningKey } from '$lib/doc/ed25519';
import { keeperLog, keyLog, seatLog } from '$lib/doc/schema';
import { publishKeyIn, readSigningKeys } from '$lib/doc/signing-keys';
import type { Identity } from '$lib/sync/identity';
import { createMemoryStorage, type MemoryStorage } from '$lib/sync/testing/memory-local-store';
import type { LocalStoreFactory } from '$lib/sync/local-store';
import { MemoryRelay } from '$lib/sync/testing/memory-transport';
import { storageError } from '$lib/sync/storage-error';
import { openWorkspace } from '$lib/sync/open-workspace';
import { newDocumentId, newMemberId, newWorkspaceSecret } from '$lib/sync/workspace-secret';
import { parseOverview, type TriadOverview } from './triad-overview';
import { TriadSession, type OverviewKeeping } from './triad-session.svelte';
import { TriadNotLoadedError } from './triad-writes';
import { testIdentity } from '$lib/sync/testing/identity';

const ada: Identity = testIdentity('Ada');

const sessions: TriadSession[] = [];
afterEach(async () => {
	vi.useRealTimers();
	await Promise.all(sessions.splice(0).map((session) => session.close()));
});

interface Triad {
	docId: ReturnType<typeof newDocumentId>;
	storage: MemoryStorage;
	relay: MemoryRelay;
	/** The overview store of the device, as the device database would keep it. */
	saved: Map<string, TriadOverview>;
}

function triad(): Triad {
	return {
		docId: newDocumentId(),
		storage: createMemoryStorage(),
		relay: new MemoryRelay(),
		saved: new Map()
	};
}

function openSession(
	t: Triad,
	localLoadAfter?: Promise<unknown>,
	localStore: LocalStoreFactory = t.storage.open
): TriadSession {
	return openSessionOnDoc(t, localLoadAfter, localStore).session;
}

/** `openSession`, with the document it reads, for a spec to write into as another app would. */
function openSessionOnDoc(
	t: Triad,
	localLoadAfter?: Promise<unknown>,
	localStore: LocalStoreFactory = t.storage.open
): { session: TriadSession; doc: Y.Doc } {
	const keeping: OverviewKeeping = {
		saved: parseOverview(t.saved.get(t.docId) ?? null, t.docId),
		save: async (overview) => {
			// The device database stores a structured clone; so does this.
			t.saved.set(overview.docId, structuredClone(overview));
		}
	};
	const handle = openWorkspace({
		docId: t.docId,
		secret: newWorkspaceSecret(),
		identity: ada,
		transport: t.relay.transport,
		localStore,
		connect: false,
		localLoadAfter
	});
	const session = new TriadSession(handle, ada, keeping);
	sessions.push(session);
	return { session, doc: handle.doc };
}

function gate(): { promise: Promise<void>; open: () => void } {
	let open = () => undefined as void;
	const promise = new Promise<void>((resolve) => (open = resolve));
	return { promise, open };
}

/** A triad used once: three proposals, one of them open, saved on the device. */
async function usedTriad(): Promise<Triad> {
	const t = triad();
	vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
	const first = openSession(t);
	await first.whenLocalLoaded;
	first.initialize({ name: 'Ops', purpose: '', level: 'operational', unit: '' });
	first.write.createProposal('First');
	first.write.createProposal('Second');
	const third = first.write.createProposal('Third');
	first.write.openForVote(third, null);
	await vi.advanceTimersByTimeAsync(2500);
	vi.useRealTimers();
	await first.close();
	sessions.splice(sessions.indexOf(first), 1);
	return t;
}

describe('TriadSession and the saved overview', () => {
	it('saves an overview of the loaded triad once it has been quiet for a while', async () => {
		const t = await usedTriad();
		const overview = t.saved.get(t.docId);
		expect(overview?.meta?.name).toBe('Ops');
		expect(overview?.proposals.map((view) => view.proposal.title)).toEqual([
			'Third',
			'Second',
			'First'
		]);
		expect(overview?.balance.decided).toBe(0);
	});

	it('shows the overview while the document waits, refuses writes, then shows the document', async () => {
		const t = await usedTriad();
		const { promise, open } = gate();
		const session = openSession(t, promise);
		expect(session.live).toBe(false);
		expect(session.meta?.name).toBe('Ops');
		expect(session.proposals).toEqual([]);
		expect(session.summaries.map((view) => view.outcome.state)).toEqual(['open', 'draft', 'draft']);
		expect(() => session.write.createProposal('Too early')).toThrow(TriadNotLoadedError);

		open();
		await session.whenLocalLoaded;
		expect(session.live).toBe(true);
		session.write.createProposal('Fourth');
		expect(session.summaries.map((view) => view.proposal.title)).toEqual([
			'Fourth',
			'Third',
			'Second',
			'First'
		]);
	});

	it('shows the document, not an overview, on a first opening', async () => {
		const t = triad();
		const session = openSession(t);
		expect(session.live).toBe(false);
		expect(session.meta).toBeNull();
		expect(session.proposals).toEqual([]);
		await session.whenLocalLoaded;
		expect(session.live).toBe(true);
	});

	it('ignores an overview of another format or another triad', () => {
		const t = triad();
		const valid = { format: 2, docId: t.docId, savedAt: 1, meta: null, holders: {}, balance: {} };
		const lists = {
			members: [],
			proposals: [],
			absences: [],
			log: [],
			actions: [],
			setAside: { count: 0, byAuthor: [] }
		};
		expect(parseOverview({ ...valid, ...lists }, t.docId)).not.toBeNull();
		expect(parseOverview({ ...valid, ...lists, format: 1 }, t.docId)).toBeNull();
		expect(parseOverview({ ...valid, ...lists, setAside: undefined }, t.docId)).toBeNull();
		expect(parseOverview({ ...valid, ...lists }, newDocumentId())).toBeNull();
		expect(parseOverview({ ...valid, ...lists, proposals: [{}] }, t.docId)).toBeNull();
		expect(parseOverview({ ...valid, ...lists, log: 'x' }, t.docId)).toBeNull();
		expect(parseOverview({ ...valid, ...lists, balance: null }, t.docId)).toBeNull();
		expect(parseOverview({ ...valid }, t.docId)).toBeNull();
		expect(parseOverview('garbage', t.docId)).toBeNull();
		expect(parseOverview(null, t.docId)).toBeNull();
	});

	it('keeps the saved overview when the document cannot be read from the device', async () => {
		const t = await usedTriad();
		const unreadable: LocalStoreFactory = () => {
			const failure = storageError('unavailable');
			const whenLoaded = Promise.reject(failure);
			whenLoaded.catch(() => undefined);
			return {
				origin: Symbol('unreadable'),
				whenLoaded,
				error: failure,
				onError: () => () => undefined,
				readSyncMarker: () => Promise.reject(failure),
				writeSyncMarker: () => Promise.reject(failure),
				destroy: async () => undefined
			};
		};
		const session = openSession(t, undefined, unreadable);
		await session.whenLocalLoaded.catch(() => undefined);
		expect(session.live).toBe(true);
		session.write.createProposal('Only in memory');
		await session.close();
		sessions.splice(sessions.indexOf(session), 1);
		expect(t.saved.get(t.docId)?.proposals.map((view) => view.proposal.title)).toEqual([
			'Third',
			'Second',
			'First'
		]);
	});

	it('saves what is pending when closed, without waiting for the quiet period', async () => {
		const t = await usedTriad();
		const session = openSession(t);
		await session.whenLocalLoaded;
		session.write.createProposal('Last minute');
		await session.close();
		sessions.splice(sessions.indexOf(session), 1);
		expect(t.saved.get(t.docId)?.proposals[0]?.proposal.title).toBe('Last minute');
	});

	it('reports what its readers set aside, from the document, then from the saved overview', async () => {
		const t = await usedTriad();
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
		const { session, doc } = openSessionOnDoc(t);
		await session.whenLocalLoaded;
		expect(session.setAside).toEqual({ count: 0, byAuthor: [] });
		// Another member's altered app: one log id twice, and garbage.
		const other = newMemberId();
		const at = encodeHlc({ wall: Date.now(), counter: 0, node: 'other' });
		keeperLog(doc).push([
			{ id: 'twice', author: other, at, text: 'First' },
			{ id: 'twice', author: other, at, text: 'Again' },
			42
		]);
		expect(session.log.map((entry) => entry.text)).toEqual(['First']);
		const setAside = {
			count: 2,
			byAuthor: [
				{ author: other, count: 1 },
				{ author: null, count: 1 }
			]
		};
		expect(session.setAside).toEqual(setAside);
		expect(session.proposalsSetAside).toEqual({ count: 0, byAuthor: [] });
		await vi.advanceTimersByTimeAsync(2500);
		vi.useRealTimers();
		await session.close();
		sessions.splice(sessions.indexOf(session), 1);

		const { promise, open } = gate();
		const again = openSession(t, promise);
		expect(again.live).toBe(false);
		expect(again.setAside).toEqual(setAside);
		open();
		await again.whenLocalLoaded;
		expect(again.setAside).toEqual(setAside);
	});
});

describe('TriadSession and signatures', () => {
	it('signs its member’s writes, publishes their key on opening, and counts others’ records once checked', async () => {
		const t = triad();
		const { session, doc } = openSessionOnDoc(t);
		await session.whenLocalLoaded;
		await session.announceMember();
		expect(readSigningKeys(doc).get(ada.memberId)?.publicKey).toBe(ada.signingKey?.publicKey);
		await session.write.claimSeat('keeper');
		expect(session.holders.keeper).toBe(ada.memberId);

		// Another member's signed claim arrives from elsewhere: pending, then counted once checked.
		const other = newMemberId();
		const signer = await createSigner(other, await generateSigningKey());
		const entry = {
			seat: 'bearer' as const,
			member: other,
			kind: 'claim' as const,
			at: encodeHlc({ wall: Date.now(), counter: 0, node: 'other' }),
			seen: null
		};
		const sig = await signer.sign(seatEntryMessage(t.docId, entry));
		doc.transact(() => {
			publishKeyIn(doc, other, signer.publicKey);
			seatLog(doc).push([{ ...entry, sig }]);
		}, 'elsewhere');
		expect(session.holders.bearer).toBeNull();
		expect(session.seatEntriesNotCounted.map(({ why }) => why)).toEqual(['pending']);
		await session.whenSignaturesChecked();
		expect(session.holders.bearer).toBe(other);
		expect(session.seatEntriesNotCounted).toEqual([]);
	});

	it('names a member for whom a second signing key was published', async () => {
		const t = triad();
		const { session, doc } = openSessionOnDoc(t);
		await session.whenLocalLoaded;
		await session.announceMember();
		expect(session.signingKeyConflicts).toEqual([]);
		const another = await generateSigningKey();
		// Another app publishes a key in Ada's name after hers: hers stands, and the panel says so.
		doc.transact(() => {
			keyLog(doc).push([{ member: ada.memberId, publicKey: another.publicKey, vouched: {} }]);
		}, 'elsewhere');
		expect(session.signingKeyConflicts).toEqual([ada.memberId]);
		expect(readSigningKeys(doc).get(ada.memberId)?.publicKey).toBe(ada.signingKey?.publicKey);
	});

	it('signs its member’s absences, cancellations and lens notes', async () => {
		const t = triad();
		const { session } = openSessionOnDoc(t);
		await session.whenLocalLoaded;
		await session.announceMember();
		const cover = newMemberId();
		const now = Date.now();
		const id = await session.write.declareAbsence({
			from: now - 1000,
			to: now + 86_400_000,
			cover,
			handover: 'notes'
		});
		expect(session.absences.find((a) => a.id === id)?.signature).toBe('verified');
		expect(session.coverNow.map((grant) => grant.cover)).toEqual([cover]);
		await session.write.cancelAbsence(id);
		expect(session.absences.find((a) => a.id === id)?.cancellationSignature).toBe('verified');
		expect(session.coverNow).toEqual([]);
		const proposalId = session.write.createProposal('Lens');
		await session.write.setLensNote(proposalId, 'keeper', 'sources?');
		const view = session.proposals.find((p) => p.proposal.id === proposalId);
		expect(view?.proposal.lensSignatures?.keeper).toEqual({
			by: ada.memberId,
			signature: 'verified'
		});
	});
});
