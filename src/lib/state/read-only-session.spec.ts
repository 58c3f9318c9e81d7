import { afterEach, describe, expect, it } from 'vitest';
import type { MemberId, ProposalId } from '$lib/domain/ids';
import { CLOSE_ACCESS_CHANGED } from '$lib/protocol/close-codes';
import { viewerInvite } from '$lib/sync/access-rotation';
import { ConnectionStatus, relayTransport } from '$lib/sync/connection-status';
import type { Identity } from '$lib/sync/identity';
import { createMemoryStorage } from '$lib/sync/testing/memory-local-store';
import { MemoryRelay } from '$lib/sync/testing/memory-transport';
import { openWorkspace, type OpenWorkspaceOptions } from '$lib/sync/open-workspace';
import type { RelayTransportFactory } from '$lib/sync/relay-transport';
import type { SyncStatus } from '$lib/sync/open-workspace';
import { newDocumentId, newMemberId, newWorkspaceSecret } from '$lib/sync/workspace-secret';
import { TriadSession } from './triad-session.svelte';
import { TriadNotLoadedError, TriadReadOnlyError } from './triad-writes';
import { testIdentity } from '$lib/sync/testing/identity';

/*
 * Devices that may only read a triad: a viewer, and a member whose access a rotation changed.
 * The session refuses their writes the way it refuses writes before the document is loaded,
 * while reading, following and exporting go on.
 */

const ada: Identity = testIdentity('Ada');
const vic: Identity = testIdentity('Vic');

const sessions: TriadSession[] = [];
afterEach(async () => {
	await Promise.all(sessions.splice(0).map((session) => session.close()));
});

function session(options: Partial<OpenWorkspaceOptions> & Pick<OpenWorkspaceOptions, 'docId'>) {
	const opened = new TriadSession(
		openWorkspace({
			secret: newWorkspaceSecret(),
			identity: ada,
			localStore: createMemoryStorage().open,
			crossTab: false,
			...options
		}),
		options.identity ?? ada
	);
	sessions.push(opened);
	return opened;
}

/** Resolves once the session's status satisfies `check`, the current one included. */
function until(triad: TriadSession, check: (status: SyncStatus) => boolean): Promise<void> {
	return new Promise((resolve) => {
		if (check(triad.status)) return resolve();
		const stop = triad.onStatus((status) => {
			if (check(status)) resolve(stop());
		});
	});
}

/** A transport the relay refuses at once with `code`, as it does after a rotation (4410). */
function refusedWith(code: number): RelayTransportFactory {
	return () => {
		const status = new ConnectionStatus();
		return relayTransport(status, {
			isFromRelay: () => false,
			confirmRelayHasDoc: async () => false,
			connect() {
				status.refusal = { code, reason: 'refused' };
				status.set('offline', true);
			},
			disconnect: () => undefined,
			destroy: () => status.clear()
		});
	};
}

/** Every write a screen can make, each expected to throw `error` (or reject with it, if async). */
async function expectEveryWriteRefused(
	triad: TriadSession,
	error: new (...args: never[]) => Error
) {
	const proposal = 'p' as ProposalId;
	const member = newMemberId() as MemberId;
	const writes: (() => unknown)[] = [
		() => triad.write.claimSeat('keeper'),
		() => triad.write.releaseSeat('keeper'),
		() => triad.write.createProposal('No'),
		() => triad.write.setTitle(proposal, 'No'),
		() => triad.write.setLensNote(proposal, 'keeper', 'No'),
		() => triad.write.openForVote(proposal, null),
		() => triad.write.amend(proposal),
		() => triad.write.withdraw(proposal),
		() =>
			triad.write.vote({
				proposalId: proposal,
				seat: 'keeper',
				castFor: member,
				choice: 'agree',
				reason: '',
				revision: 1
			}),
		() => triad.write.declareAbsence({ from: 1, to: 2, cover: member, handover: '' }),
		() => triad.write.appendLog('No'),
		() => triad.write.createAction({ title: 'No', proposalId: null, owner: null, due: null }),
		() => triad.write.removeMember(member),
		() => triad.write.body(proposal),
		() => triad.write.mergeImported(new Uint8Array([0, 0]))
	];
	for (const write of writes) {
		let outcome: unknown;
		try {
			outcome = write();
		} catch (thrown) {
			expect(thrown).toBeInstanceOf(error);
			continue;
		}
		await expect(outcome as Promise<unknown>).rejects.toBeInstanceOf(error);
	}
}

describe('a viewer’s session', () => {
	it('refuses every write, announces nobody, and follows the members’ changes', async () => {
		const relay = new MemoryRelay();
		const docId = newDocumentId();
		const secret = newWorkspaceSecret();
		const member = session({ docId, secret, transport: relay.transport });
		await member.whenLocalLoaded;
		member.initialize({ name: 'Ops', purpose: '', level: 'operational', unit: '' });
		await member.announceMember();
		await until(member, (s) => s.connection === 'synced' && !s.unsyncedLocalChanges);
		const { secret: readSecret } = await viewerInvite({
			docId,
			secret,
			access: 'member',
			name: 'x'
		});
		const viewer = session({
			docId,
			secret: readSecret,
			access: 'viewer',
			identity: vic,
			transport: relay.transport
		});
		await viewer.whenLocalLoaded;
		expect(viewer.access).toBe('viewer');
		expect(viewer.readOnly).toBe('viewer');
		expect(viewer.writable).toBe(false);
		await expectEveryWriteRefused(viewer, TriadReadOnlyError);

		await viewer.announceMember();
		viewer.announceSeat();
		await until(viewer, (s) => s.connection === 'synced');
		expect(viewer.meta?.name).toBe('Ops');
		expect(viewer.members.map((m) => m.name)).toEqual(['Ada']);
		expect(member.peers.map((peer) => peer.user.name)).toEqual([]);

		const id = member.write.createProposal('Live');
		await member.write.setLensNote(id, 'keeper', 'Seen from the keeper seat');
		await new Promise<void>((resolve) => {
			const check = () => viewer.proposals.some((view) => view.proposal.id === id);
			const timer = setInterval(() => check() && resolve(clearInterval(timer)), 1);
		});
		expect(viewer.bodyBlocks(id)).toEqual([{ kind: 'paragraph', runs: [] }]);
		expect(viewer.exportFiles().json).toContain('Live');
		// Nothing the viewer did reached the relay's copy.
		expect(relay.documentOf(docId)?.getMap('members').size).toBe(1);
	});
});

describe('a member whose access was changed', () => {
	it('reads and exports its local copy but takes no writes, until it reconnects with a new secret', async () => {
		const relay = new MemoryRelay();
		const docId = newDocumentId();
		const secret = newWorkspaceSecret();
		let refuse = true;
		const transport: RelayTransportFactory = (options) =>
			refuse ? refusedWith(CLOSE_ACCESS_CHANGED)(options) : relay.transport(options);
		const triad = session({ docId, secret, transport });
		await triad.whenLocalLoaded;
		triad.initialize({ name: 'Ops', purpose: '', level: 'operational', unit: '' });
		triad.write.appendLog('Written before the change');
		triad.write.createProposal('Kept on this device');
		await until(triad, (s) => s.refusal !== null);
		expect(triad.refusal).toBe('access-changed');
		expect(triad.phase).toBe('access-changed');
		expect(triad.readOnly).toBe('access-changed');
		await expectEveryWriteRefused(triad, TriadReadOnlyError);
		expect(triad.log.map((entry) => entry.text)).toEqual(['Written before the change']);
		expect(triad.exportFiles().json).toContain('Kept on this device');

		refuse = false;
		const next = newWorkspaceSecret();
		triad.reconnect(next);
		expect(triad.secret).toBe(next);
		expect(triad.readOnly).toBeNull();
		triad.write.appendLog('Written after');
		await until(triad, (s) => s.connection === 'synced' && !s.unsyncedLocalChanges);
		expect(relay.documentOf(docId)?.getArray('log').length).toBe(2);
	});

	it('stays read-only while the device directory says so, even before the relay answers', async () => {
		const triad = session({ docId: newDocumentId(), connect: false });
		await triad.whenLocalLoaded;
		expect(triad.writable).toBe(true);
		triad.noteAccess({ accessChanged: true });
		expect(triad.readOnly).toBe('access-changed');
		expect(() => triad.write.appendLog('No')).toThrow(TriadReadOnlyError);
		await triad.announceMember();
		expect(triad.members).toEqual([]);
		triad.noteAccess({ accessChanged: false });
		triad.write.appendLog('Yes');
		expect(triad.log).toHaveLength(1);
	});

	it('refuses writes before loading with the loading error, not a read-only one', () => {
		const triad = session({ docId: newDocumentId(), connect: false });
		expect(() => triad.write.createProposal('Early')).toThrow(TriadNotLoadedError);
	});
});

describe('removed members', () => {
	it('are left out of the member list once removed, their seat freed and their name still known', async () => {
		const docId = newDocumentId();
		const relay = new MemoryRelay();
		const secret = newWorkspaceSecret();
		const remover = session({ docId, secret, transport: relay.transport });
		await remover.whenLocalLoaded;
		await remover.announceMember();
		// Members are listed by join time: Vic joins a few milliseconds after Ada, never in the same.
		await new Promise((later) => setTimeout(later, 5));
		const other = session({ docId, secret, transport: relay.transport, identity: vic });
		await other.whenLocalLoaded;
		await other.announceMember();
		await other.write.claimSeat('navigator');
		await new Promise<void>((resolve) => {
			const timer = setInterval(
				() => remover.holders.navigator === vic.memberId && resolve(clearInterval(timer)),
				1
			);
		});
		expect(remover.members.map((m) => m.name)).toEqual(['Ada', 'Vic']);
		remover.write.removeMember(vic.memberId);
		expect(remover.members.map((m) => m.name)).toEqual(['Ada']);
		expect(remover.removed).toEqual(new Set([vic.memberId]));
		expect(remover.holders.navigator).toBeNull();
		expect(remover.nameOf(vic.memberId)).toBe('Vic');
		expect(remover.log.at(-1)).toMatchObject({ author: ada.memberId, removed: vic.memberId });
		expect(() => remover.write.removeMember(ada.memberId)).toThrow(/themselves/);
	});
});
