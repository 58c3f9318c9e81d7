import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import type * as Y from 'yjs';
import { appendLogEntry, listLog } from '../doc/keeper-log';
import { putMember } from '../doc/members';
import { listRemovals, removeMember } from '../doc/removals';
import { claimSeat, readSeatHolders } from '../doc/seats';
import { stepClock } from '../doc/testing/step-clock';
import type { MemberId } from '../domain/ids';
import { CLOSE_ACCESS_CHANGED, CLOSE_WRONG_TOKEN } from '../protocol';
import { viewerInvite } from './access-rotation';
import { createDeviceDb, type DeviceDb } from './device-db';
import type { Identity } from './identity';
import { createInviteLink, type Invite } from './invite-link';
import { openWorkspace, type WorkspaceHandle } from './open-workspace';
import { runPendingRotation } from './pending-rotation';
import { startTestRelay, type TestRelay } from './testing/test-relay';
import { untilStatus } from './testing/until-status';
import {
	addWorkspace,
	getWorkspace,
	joinFromInviteLink,
	markAccessChanged,
	requestRotation
} from './workspace-directory';
import { newDocumentId, newWorkspaceSecret } from './workspace-secret';
import { testIdentity } from './testing/identity';

/*
 * Removing a member end to end in Node, against the project's relay (server/main.ts): the doc
 * part, the rotation through the relay's endpoint, what every other device then gets (4410), and
 * the way back in with the new links. Devices keep their directory in fake-indexeddb.
 */

let relay: TestRelay;
let relayUp = true;
const handles: WorkspaceHandle[] = [];

beforeAll(async () => {
	relay = await startTestRelay();
});
afterEach(async () => {
	await Promise.all(handles.splice(0).map((handle) => handle.close()));
	if (!relayUp) await relay.start();
	relayUp = true;
});
afterAll(async () => {
	await relay.dispose();
});

const relayOrigin = () => relay.url.replace(/^ws/, 'http').replace(/\/sync$/, '');

/** One person's device: an identity, a device directory, and the triad opened from its entry. */
class Device {
	readonly identity: Identity;
	readonly db: DeviceDb = createDeviceDb({ indexedDB: new IDBFactory() });
	handle: WorkspaceHandle | null = null;

	constructor(name: string) {
		this.identity = testIdentity(name);
	}

	get id(): MemberId {
		return this.identity.memberId;
	}

	get doc(): Y.Doc {
		if (!this.handle) throw new Error('not open');
		return this.handle.doc;
	}

	async join(invite: Invite): Promise<WorkspaceHandle> {
		const entry = await addWorkspace(this.db, invite);
		this.handle = openWorkspace({
			docId: entry.docId,
			secret: entry.secret,
			access: entry.access,
			identity: this.identity,
			relayUrl: relay.url,
			WebSocket: NodeWebSocket as unknown as typeof WebSocket,
			crossTab: false
		});
		handles.push(this.handle);
		await this.handle.whenLocalLoaded;
		return this.handle;
	}

	rotate(docId: Invite['docId']) {
		return runPendingRotation(this.db, docId, { relayOrigin: relayOrigin() });
	}

	async synced(): Promise<void> {
		await untilStatus(
			this.handle!,
			(status) => status.connection === 'synced' && !status.unsyncedLocalChanges
		);
	}
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

const refusedWith = (code: number) => (status: WorkspaceHandle['status']) =>
	status.refusal?.code === code;

/** A triad of three seated members and a viewer, all synced through the relay. */
async function seatedTriad() {
	const invite: Invite = {
		docId: newDocumentId(),
		secret: newWorkspaceSecret(),
		access: 'member',
		name: 'Harbour'
	};
	const [ana, ben, cai, vic] = ['Ana', 'Ben', 'Cai', 'Vic'].map((name) => new Device(name)) as [
		Device,
		Device,
		Device,
		Device
	];
	const seats = ['keeper', 'bearer', 'navigator'] as const;
	for (const [index, member] of [ana, ben, cai].entries()) {
		await member.join(invite);
		putMember(member.doc, { id: member.id, name: member.identity.name, joinedAt: index });
		claimSeat(member.doc, stepClock(member.identity.name), {
			seat: seats[index]!,
			member: member.id
		});
		await member.synced();
	}
	await vic.join(await viewerInvite(invite));
	await untilStatus(vic.handle!, (status) => status.connection === 'synced');
	for (const device of [ana, ben, cai, vic]) {
		await untilDoc(device.doc, () => readSeatHolders(device.doc).navigator === cai.id);
	}
	return { invite, ana, ben, cai, vic };
}

describe('removing a member through the relay', { timeout: 30_000 }, () => {
	it('rotates access: the others are refused as changed, and come back with the new links', async () => {
		const { invite, ana, ben, cai, vic } = await seatedTriad();

		// (a) The doc part, synced to everyone still connected.
		removeMember(ana.doc, stepClock('ana-2', Date.now()), { member: cai.id, by: ana.id });
		await ana.synced();
		await untilDoc(ben.doc, () => listRemovals(ben.doc).length === 1);

		// (b) The rotation: the relay takes the new secret and closes every open connection.
		const pending = await requestRotation(ana.db, invite.docId);
		expect(await ana.rotate(invite.docId)).toBe('rotated');
		const entry = (await getWorkspace(ana.db, invite.docId))!;
		expect(entry.secret).toBe(pending!.next);
		for (const device of [ben, cai, vic]) {
			await untilStatus(device.handle!, refusedWith(CLOSE_ACCESS_CHANGED));
		}

		// The remover reconnects with the new secret.
		ana.handle!.reconnect(entry.secret);
		await ana.synced();

		// (c) The new member link brings Ben back, replacing the refused secret deliberately.
		await markAccessChanged(ben.db, invite.docId, ben.handle!.secret);
		const memberLink = createInviteLink(entry, 'https://triad.example');
		const joined = await joinFromInviteLink(ben.db, memberLink);
		expect(joined.ok && joined.change).toBe('replaced');
		ben.handle!.reconnect(joined.ok ? joined.entry.secret : invite.secret);
		await ben.synced();
		appendLogEntry(ana.doc, stepClock('ana-3', Date.now()), { author: ana.id, text: 'After' });
		await untilDoc(ben.doc, () => listLog(ben.doc).some((e) => e.text === 'After'));

		// The removed member's old link stays refused, and nothing of it reaches the others.
		appendLogEntry(cai.doc, stepClock('cai', Date.now()), { author: cai.id, text: 'Cai again' });
		cai.handle!.reconnect(invite.secret);
		await untilStatus(cai.handle!, refusedWith(CLOSE_ACCESS_CHANGED));
		expect(listLog(ben.doc).some((e) => e.text === 'Cai again')).toBe(false);

		// The old viewer link is refused too; the new one, derived offline, works.
		const viewer = new Device('Wyn');
		await viewer.join(await viewerInvite({ ...invite, secret: entry.secret }));
		await untilDoc(viewer.doc, () => listLog(viewer.doc).some((e) => e.text === 'After'));
		expect(viewer.handle!.status.refusal).toBeNull();
		vic.handle!.reconnect(vic.handle!.secret);
		await untilStatus(vic.handle!, refusedWith(CLOSE_ACCESS_CHANGED));
	});

	it('lets one of two members removing at once win; the other is refused as changed', async () => {
		const { invite, ana, ben, cai } = await seatedTriad();
		removeMember(ana.doc, stepClock('ana-2', Date.now()), { member: cai.id, by: ana.id });
		removeMember(ben.doc, stepClock('ben-2', Date.now()), { member: cai.id, by: ben.id });
		await requestRotation(ana.db, invite.docId);
		await requestRotation(ben.db, invite.docId);
		const runs = await Promise.all([ana.rotate(invite.docId), ben.rotate(invite.docId)]);
		expect([...runs].sort()).toEqual(['lost', 'rotated']);
		const [winner, loser] = runs[0] === 'rotated' ? [ana, ben] : [ben, ana];
		expect(await getWorkspace(loser.db, invite.docId)).toMatchObject({
			secret: invite.secret,
			accessChanged: true,
			pendingRotation: null
		});
		await untilStatus(loser.handle!, refusedWith(CLOSE_ACCESS_CHANGED));
		const won = (await getWorkspace(winner.db, invite.docId))!;
		winner.handle!.reconnect(won.secret);
		await winner.synced();
		// The loser's edits stay on its device until it joins with the winner's new link.
		appendLogEntry(loser.doc, stepClock('loser', Date.now()), {
			author: loser.id,
			text: 'Kept locally'
		});
		expect(listLog(winner.doc).some((e) => e.text === 'Kept locally')).toBe(false);
		const rejoined = await joinFromInviteLink(loser.db, createInviteLink(won, 'https://x.test'));
		expect(rejoined.ok && rejoined.change).toBe('replaced');
		loser.handle!.reconnect(won.secret);
		await untilDoc(winner.doc, () => listLog(winner.doc).some((e) => e.text === 'Kept locally'));
		expect(listRemovals(winner.doc)).toHaveLength(2);
	});

	it('keeps the rotation pending while the relay is down, and runs it once it is back', async () => {
		const { invite, ana, ben } = await seatedTriad();
		await relay.stop();
		relayUp = false;
		await requestRotation(ana.db, invite.docId);
		expect(await ana.rotate(invite.docId)).toBe('waiting');
		expect((await getWorkspace(ana.db, invite.docId))?.pendingRotation?.sent).toBe(true);
		await relay.start();
		relayUp = true;
		expect(await ana.rotate(invite.docId)).toBe('rotated');
		await untilStatus(ben.handle!, refusedWith(CLOSE_ACCESS_CHANGED));
	});

	it('refuses a secret nobody ever registered as wrong, not as changed', async () => {
		const { invite } = await seatedTriad();
		const stranger = new Device('Eve');
		await stranger.join({ ...invite, secret: newWorkspaceSecret() });
		const refused = await untilStatus(stranger.handle!, (status) => status.refusal !== null);
		expect(refused.refusal?.code).toBe(CLOSE_WRONG_TOKEN);
	});
});
