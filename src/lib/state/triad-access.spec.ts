import { afterEach, describe, expect, it } from 'vitest';
import type { DocumentId } from '$lib/domain/ids';
import { CLOSE_ACCESS_CHANGED } from '$lib/protocol/close-codes';
import { ConnectionStatus, relayTransport } from '$lib/sync/connection-status';
import type { Identity } from '$lib/sync/identity';
import { createMemoryStorage } from '$lib/sync/testing/memory-local-store';
import { MemoryRelay } from '$lib/sync/testing/memory-transport';
import { openWorkspace } from '$lib/sync/open-workspace';
import type { RotationRun } from '$lib/sync/pending-rotation';
import type { RelayTransportFactory } from '$lib/sync/relay-transport';
import type { PendingRotation, WorkspaceEntry } from '$lib/sync/workspace-directory';
import {
	newDocumentId,
	newMemberId,
	newWorkspaceSecret,
	type WorkspaceSecret
} from '$lib/sync/workspace-secret';
import { TriadAccess, type AccessDirectory } from './triad-access.svelte';
import { TriadSession } from './triad-session.svelte';
import { TriadReadOnlyError } from './triad-writes';
import { testIdentity } from '$lib/sync/testing/identity';

const ada: Identity = testIdentity('Ada');
const kai = newMemberId();

const sessions: TriadSession[] = [];
afterEach(async () => {
	await Promise.all(sessions.splice(0).map((session) => session.close()));
});

/** The device directory as TriadAccess sees it, with rotations answered by `answers`. */
class ScriptedDirectory implements AccessDirectory {
	workspaces: WorkspaceEntry[] = [];
	answers: RotationRun[] = [];
	calls: string[] = [];

	add(docId: DocumentId, secret: WorkspaceSecret, access: 'member' | 'viewer' = 'member') {
		this.workspaces.push({
			docId,
			secret,
			access,
			name: 'Ops',
			joinedAt: 1,
			lastOpened: 1,
			accessChanged: false,
			pendingRotation: null
		});
	}

	/** Makes the next rotation wait until the returned function is called. */
	hold(): () => void {
		let release = () => {};
		this.#held = new Promise<void>((resolve) => (release = resolve));
		return release;
	}
	#held: Promise<void> | null = null;

	async markAccessChanged(docId: DocumentId, secret: WorkspaceSecret) {
		this.calls.push(`mark ${secret === this.#entry(docId).secret ? 'current' : 'other'}`);
	}

	async requestRotation(docId: DocumentId): Promise<PendingRotation> {
		this.calls.push('request');
		const entry = this.#entry(docId);
		entry.pendingRotation ??= {
			from: entry.secret,
			next: newWorkspaceSecret(),
			sent: false,
			requestedAt: 1
		};
		return entry.pendingRotation;
	}

	async runRotation(docId: DocumentId): Promise<RotationRun> {
		this.calls.push('run');
		if (this.#held) await this.#held;
		this.#held = null;
		const answer = this.answers.shift() ?? 'waiting';
		const entry = this.#entry(docId);
		if (answer === 'rotated') entry.secret = entry.pendingRotation!.next;
		if (answer !== 'waiting') entry.pendingRotation = null;
		if (answer === 'lost') entry.accessChanged = true;
		return answer;
	}

	#entry(docId: DocumentId): WorkspaceEntry {
		const entry = this.workspaces.find((candidate) => candidate.docId === docId);
		if (!entry) throw new Error('not joined');
		return entry;
	}
}

/**
 * A transport that is synced once connected, and that the relay refuses with `code` when
 * `refuse` is called; `ready` resolves once the session made it.
 */
function refusable() {
	let refuse = (_code: number) => {};
	let made = () => {};
	const ready = new Promise<void>((resolve) => (made = resolve));
	const transport: RelayTransportFactory = () => {
		const status = new ConnectionStatus();
		refuse = (code) => {
			status.refusal = { code, reason: 'refused' };
			status.set('offline', true);
		};
		queueMicrotask(made);
		return relayTransport(status, {
			isFromRelay: () => false,
			confirmRelayHasDoc: async () => false,
			connect: () => status.set('synced'),
			disconnect: () => status.set('offline'),
			destroy: () => status.clear()
		});
	};
	return { transport, ready, refuse: (code: number) => refuse(code) };
}

async function openMember(directory: ScriptedDirectory, transport?: RelayTransportFactory) {
	const docId = newDocumentId();
	const secret = newWorkspaceSecret();
	directory.add(docId, secret);
	const session = new TriadSession(
		openWorkspace({
			docId,
			secret,
			identity: ada,
			transport: transport ?? new MemoryRelay().transport,
			localStore: createMemoryStorage().open,
			crossTab: false
		}),
		ada
	);
	sessions.push(session);
	await session.whenLocalLoaded;
	return session;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('removing a member', () => {
	it('writes the removal at once, then changes access through the relay', async () => {
		const directory = new ScriptedDirectory();
		const access = new TriadAccess(directory);
		const session = await openMember(directory, refusable().transport);
		directory.answers = ['rotated'];
		expect(await access.removeMember(session, kai)).toBe('rotated');
		expect(directory.calls).toEqual(['request', 'run']);
		expect(session.removed).toEqual(new Set([kai]));
		expect(access.state(session.docId)).toBe('rotated');
	});

	it('keeps the change waiting offline, and runs it once the relay answers', async () => {
		const directory = new ScriptedDirectory();
		const access = new TriadAccess(directory);
		const session = await openMember(directory, refusable().transport);
		directory.answers = ['waiting', 'rotated'];
		expect(await access.removeMember(session, kai)).toBe('waiting');
		expect(access.state(session.docId)).toBe('waiting');
		expect(session.removed).toEqual(new Set([kai]));
		access.watch(session);
		await tick();
		expect(directory.calls).toEqual(['request', 'run', 'run']);
		expect(access.state(session.docId)).toBe('rotated');
	});

	it('refuses on a device that may not write, asking for no change of access', async () => {
		const directory = new ScriptedDirectory();
		const access = new TriadAccess(directory);
		const { transport, ready, refuse } = refusable();
		const session = await openMember(directory, transport);
		await ready;
		refuse(CLOSE_ACCESS_CHANGED);
		await expect(access.removeMember(session, kai)).rejects.toThrow(/cannot remove/);
		session.noteAccess({ accessChanged: true });
		expect(() => session.write.removeMember(kai)).toThrow(TriadReadOnlyError);
		expect(directory.calls).toEqual([]);
	});
});

describe('following a session', () => {
	it('notes a refusal as changed in the directory when no rotation of its own is pending', async () => {
		const directory = new ScriptedDirectory();
		const access = new TriadAccess(directory);
		const { transport, ready, refuse } = refusable();
		const session = await openMember(directory, transport);
		access.watch(session);
		await ready;
		refuse(CLOSE_ACCESS_CHANGED);
		await tick();
		expect(directory.calls).toEqual(['mark current']);
	});

	it('takes a 4410 during a pending rotation as possibly its own: runs it instead', async () => {
		const directory = new ScriptedDirectory();
		const access = new TriadAccess(directory);
		const { transport, ready, refuse } = refusable();
		const session = await openMember(directory, transport);
		await directory.requestRotation(session.docId);
		directory.calls = [];
		const release = directory.hold();
		directory.answers = ['rotated'];
		access.watch(session);
		await ready;
		// Synced: the run starts; the relay's 4410 joins it rather than starting another.
		expect(access.state(session.docId)).toBe('running');
		refuse(CLOSE_ACCESS_CHANGED);
		release();
		await tick();
		expect(directory.calls).toEqual(['run']);
		expect(access.state(session.docId)).toBe('rotated');
	});

	it('reports a lost race', async () => {
		const directory = new ScriptedDirectory();
		const access = new TriadAccess(directory);
		const session = await openMember(directory, refusable().transport);
		directory.answers = ['lost'];
		expect(await access.removeMember(session, kai)).toBe('lost');
		expect(access.state(session.docId)).toBe('lost');
		expect(directory.workspaces[0]?.accessChanged).toBe(true);
	});
});
