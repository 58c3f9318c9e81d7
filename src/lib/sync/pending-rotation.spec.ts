import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { memberToken, secretBytes, type DocumentId } from '../protocol';
import { createDeviceDb, type DeviceDb } from './device-db';
import { runPendingRotation } from './pending-rotation';
import {
	addWorkspace,
	getWorkspace,
	requestRotation,
	type WorkspaceEntry
} from './workspace-directory';
import { newDocumentId, newWorkspaceSecret, type WorkspaceSecret } from './workspace-secret';

/**
 * The relay's rotation endpoint as the protocol describes it (connection-params.ts): a
 * compare-and-set of the member token, 410 for a retired token, 403 for one it never knew, 404 for
 * an unknown document. `mode` makes it unreachable, or lose the answer to a request it carried out.
 */
class RotationEndpoint {
	mode: 'up' | 'offline' | 'lose-answer' | 'unknown' = 'up';
	requests = 0;
	#current: string | null = null;
	readonly #retired = new Set<string>();

	constructor(readonly docId: DocumentId) {}

	async register(secret: WorkspaceSecret): Promise<void> {
		this.#current = await tokenOf(this.docId, secret);
	}

	async accepts(secret: WorkspaceSecret): Promise<boolean> {
		return this.#current === (await tokenOf(this.docId, secret));
	}

	readonly fetch = (async (_url: string, init: RequestInit) => {
		this.requests++;
		if (this.mode === 'offline') throw new TypeError('Failed to fetch');
		if (this.mode === 'unknown') return new Response(null, { status: 404 });
		const body = JSON.parse(String(init.body)) as { token: string; member: string };
		let status: number;
		if (body.token === this.#current) {
			this.#retired.add(this.#current);
			this.#current = body.member;
			status = 204;
		} else {
			status = this.#retired.has(body.token) ? 410 : 403;
		}
		if (this.mode === 'lose-answer') {
			this.mode = 'up';
			throw new TypeError('network connection lost');
		}
		return new Response(null, { status });
	}) as typeof fetch;
}

async function tokenOf(docId: DocumentId, secret: WorkspaceSecret): Promise<string> {
	return memberToken(docId, secretBytes(secret)!);
}

/** A device that joined the triad as a member with `secret`. */
async function memberDevice(docId: DocumentId, secret: WorkspaceSecret): Promise<DeviceDb> {
	const db = createDeviceDb({ indexedDB: new IDBFactory() });
	await addWorkspace(db, { docId, secret, access: 'member', name: 'Ops' });
	return db;
}

async function triad() {
	const docId = newDocumentId();
	const secret = newWorkspaceSecret();
	const relay = new RotationEndpoint(docId);
	await relay.register(secret);
	const run = (db: DeviceDb) =>
		runPendingRotation(db, docId, { relayOrigin: 'http://relay.test', fetch: relay.fetch });
	const stored = async (db: DeviceDb) => (await getWorkspace(db, docId)) as WorkspaceEntry;
	return { docId, secret, relay, run, stored };
}

describe('running a pending rotation', () => {
	it('installs the next secret on the relay and in the directory', async () => {
		const { docId, secret, relay, run, stored } = await triad();
		const db = await memberDevice(docId, secret);
		expect(await run(db)).toBe('none');
		const pending = await requestRotation(db, docId);
		expect(await run(db)).toBe('rotated');
		expect(await stored(db)).toMatchObject({
			secret: pending!.next,
			pendingRotation: null,
			accessChanged: false
		});
		expect(await relay.accepts(pending!.next)).toBe(true);
		expect(await relay.accepts(secret)).toBe(false);
	});

	it('stays pending while the relay cannot be reached, and runs the same request later', async () => {
		const { docId, secret, relay, run, stored } = await triad();
		const db = await memberDevice(docId, secret);
		const pending = await requestRotation(db, docId);
		relay.mode = 'offline';
		expect(await run(db)).toBe('waiting');
		expect((await stored(db)).pendingRotation).toEqual({ ...pending, sent: true });
		expect((await stored(db)).secret).toBe(secret);
		relay.mode = 'unknown';
		expect(await run(db)).toBe('waiting');
		relay.mode = 'up';
		expect(await run(db)).toBe('rotated');
		expect((await stored(db)).secret).toBe(pending!.next);
	});

	it('recovers a rotation whose answer was lost, by proving its next secret', async () => {
		const { docId, secret, relay, run, stored } = await triad();
		const db = await memberDevice(docId, secret);
		const pending = await requestRotation(db, docId);
		relay.mode = 'lose-answer';
		expect(await run(db)).toBe('waiting');
		// The relay did rotate: the old secret is refused, and only this device knows the next one.
		expect(await relay.accepts(pending!.next)).toBe(true);
		expect(await run(db)).toBe('rotated');
		const recovered = (await stored(db)).secret;
		expect(recovered).not.toBe(secret);
		expect(await relay.accepts(recovered)).toBe(true);
		expect((await stored(db)).pendingRotation).toBeNull();
	});

	it('lets exactly one of two members rotating at once win; the other’s access changed', async () => {
		const { docId, secret, relay, run, stored } = await triad();
		const ana = await memberDevice(docId, secret);
		const ben = await memberDevice(docId, secret);
		await requestRotation(ana, docId);
		await requestRotation(ben, docId);
		const runs = await Promise.all([run(ana), run(ben)]);
		expect([...runs].sort()).toEqual(['lost', 'rotated']);
		const [winner, loser] = runs[0] === 'rotated' ? [ana, ben] : [ben, ana];
		expect(await relay.accepts((await stored(winner)).secret)).toBe(true);
		expect(await stored(loser)).toMatchObject({
			secret,
			accessChanged: true,
			pendingRotation: null
		});
	});

	it('drops a rotation sent while offline once another member’s rotation won', async () => {
		const { docId, secret, relay, run, stored } = await triad();
		const ana = await memberDevice(docId, secret);
		const ben = await memberDevice(docId, secret);
		await requestRotation(ben, docId);
		relay.mode = 'offline';
		// Ben's request may have reached the relay for all his device knows.
		expect(await run(ben)).toBe('waiting');
		relay.mode = 'up';
		await requestRotation(ana, docId);
		expect(await run(ana)).toBe('rotated');
		// Ben's retry is answered 410; proving his next secret fails (403): Ana's won.
		expect(await run(ben)).toBe('lost');
		expect(await stored(ben)).toMatchObject({ secret, accessChanged: true, pendingRotation: null });
		expect(await relay.accepts((await stored(ana)).secret)).toBe(true);
	});

	it('drops a rotation the relay refuses outright, without calling it a change of access', async () => {
		const { docId, relay, run, stored } = await triad();
		const stranger = await memberDevice(docId, newWorkspaceSecret());
		await requestRotation(stranger, docId);
		expect(await run(stranger)).toBe('refused');
		expect(await stored(stranger)).toMatchObject({ accessChanged: false, pendingRotation: null });
		expect(relay.requests).toBe(1);
	});
});
