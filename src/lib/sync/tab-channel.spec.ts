import { afterEach, describe, expect, it } from 'vitest';
import { Awareness, removeAwarenessStates } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { addMember, memberNames } from './testing/members';
import { openTabChannel, TAB_ORIGIN, tabChannelName, type TabChannel } from './tab-channel';
import { newDocumentId } from './workspace-secret';

// Node's BroadcastChannel connects channels of one name across the process, like tabs.

interface Tab {
	doc: Y.Doc;
	awareness: Awareness;
	channel: TabChannel;
	origins: unknown[];
}

const open: Tab[] = [];

const RELAY = Symbol('relay');

function openTab(
	docId: ReturnType<typeof newDocumentId>,
	name?: string,
	page: EventTarget | null = null
): Tab {
	const doc = new Y.Doc();
	if (name) addMember(doc, name);
	const awareness = new Awareness(doc);
	awareness.setLocalState({ user: { name: name ?? 'someone' } });
	const origins: unknown[] = [];
	doc.on('update', (_update: Uint8Array, origin: unknown) => origins.push(origin));
	const channel = openTabChannel(docId, doc, awareness, (origin) => origin === RELAY, page);
	if (channel === null) throw new Error('this Node has no BroadcastChannel');
	const tab = { doc, awareness, channel, origins };
	open.push(tab);
	return tab;
}

function closeTab(tab: Tab): void {
	tab.channel.close();
	tab.awareness.destroy();
}

async function until(condition: () => boolean): Promise<void> {
	for (let attempt = 0; attempt < 200; attempt++) {
		if (condition()) return;
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
	throw new Error('condition not met within 1 s');
}

/** Another listener on a document's channel, recording what the tabs post there. */
function listenTo(docId: ReturnType<typeof newDocumentId>): {
	seen: Record<string, unknown>[];
	channel: BroadcastChannel;
} {
	const channel = new BroadcastChannel(tabChannelName(docId));
	const seen: Record<string, unknown>[] = [];
	channel.onmessage = (event: MessageEvent) => seen.push(event.data as Record<string, unknown>);
	listeners.push(channel);
	return { seen, channel };
}

const listeners: BroadcastChannel[] = [];

afterEach(() => {
	for (const tab of open.splice(0)) closeTab(tab);
	for (const listener of listeners.splice(0)) listener.close();
});

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

/** The id a tab announced in its hello, as seen by `seen`'s listener. */
async function helloOf(seen: Record<string, unknown>[]): Promise<string> {
	await until(() => seen.some((message) => message.kind === 'hello'));
	const from = seen.find((message) => message.kind === 'hello')?.from;
	if (typeof from !== 'string') throw new Error('the hello names no tab');
	return from;
}

/** Two tabs that saw each other, after the second one's page fired pagehide and that reached the first. */
async function secondTabHidden(docId: ReturnType<typeof newDocumentId>) {
	const first = openTab(docId, 'Ada');
	const page = new EventTarget();
	const second = openTab(docId, 'Bo', page);
	await until(() => first.awareness.getStates().has(second.doc.clientID));
	page.dispatchEvent(new Event('pagehide'));
	await until(() => !first.awareness.getStates().has(second.doc.clientID));
	return { first, second, page };
}

describe('tab channel', () => {
	it('brings a new tab and the open ones up to date with each other, with the tab origin', async () => {
		const docId = newDocumentId();
		const first = openTab(docId, 'Ada');
		const second = openTab(docId, 'Bo');
		await until(() => memberNames(first.doc).length === 2 && memberNames(second.doc).length === 2);
		expect(memberNames(first.doc)).toEqual(['Ada', 'Bo']);
		expect(memberNames(second.doc)).toEqual(['Ada', 'Bo']);
		expect(second.origins.slice(1).every((origin) => origin === TAB_ORIGIN)).toBe(true);
	});

	it('passes live edits on in both directions', async () => {
		const docId = newDocumentId();
		const first = openTab(docId);
		const second = openTab(docId);
		addMember(first.doc, 'Cy');
		await until(() => memberNames(second.doc).includes('Cy'));
		addMember(second.doc, 'Di');
		await until(() => memberNames(first.doc).includes('Di'));
		await new Promise((resolve) => setTimeout(resolve, 30));
		expect(first.origins.filter((origin) => origin !== TAB_ORIGIN)).toHaveLength(1);
		expect(Y.encodeStateVector(first.doc)).toEqual(Y.encodeStateVector(second.doc));
	});

	it('does not pass on what came from the relay: every tab gets that itself', async () => {
		const docId = newDocumentId();
		const first = openTab(docId);
		const second = openTab(docId);
		// After the tabs' first exchange: a newcomer does get everything it lacks, relay data too.
		await new Promise((resolve) => setTimeout(resolve, 50));
		const fromRelay = new Y.Doc();
		addMember(fromRelay, 'Relayed');
		Y.applyUpdate(first.doc, Y.encodeStateAsUpdate(fromRelay), RELAY);
		addMember(first.doc, 'Local');
		await until(() => memberNames(second.doc).includes('Local'));
		expect(memberNames(second.doc)).toEqual(['Local']);
	});

	it('keeps documents of other triads apart', async () => {
		const first = openTab(newDocumentId(), 'Ada');
		const other = openTab(newDocumentId(), 'Bo');
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(memberNames(first.doc)).toEqual(['Ada']);
		expect(memberNames(other.doc)).toEqual(['Bo']);
	});

	it('shares presence, and takes it away when a tab closes', async () => {
		const docId = newDocumentId();
		const first = openTab(docId, 'Ada');
		const second = openTab(docId, 'Bo');
		await until(() => first.awareness.getStates().has(second.doc.clientID));
		await until(() => second.awareness.getStates().has(first.doc.clientID));
		second.awareness.setLocalStateField('editing', 'proposal-1');
		await until(
			() => first.awareness.getStates().get(second.doc.clientID)?.editing === 'proposal-1'
		);
		closeTab(second);
		await until(() => !first.awareness.getStates().has(second.doc.clientID));
		expect([...first.awareness.getStates().keys()]).toEqual([first.doc.clientID]);
	});

	it('restores the presence of another tab that something else dropped (a closing relay socket)', async () => {
		const docId = newDocumentId();
		const first = openTab(docId, 'Ada');
		const second = openTab(docId, 'Bo');
		await until(() => first.awareness.getStates().has(second.doc.clientID));
		// What y-websocket does to every presence but its own when its socket closes.
		removeAwarenessStates(first.awareness, [second.doc.clientID], 'relay socket closed');
		expect(first.awareness.getStates().has(second.doc.clientID)).toBe(false);
		await until(() => first.awareness.getStates().has(second.doc.clientID));
		expect(first.awareness.getStates().get(second.doc.clientID)).toEqual({ user: { name: 'Bo' } });
	});

	it('stops syncing once closed', async () => {
		const docId = newDocumentId();
		const first = openTab(docId);
		const second = openTab(docId);
		closeTab(second);
		addMember(first.doc, 'Late');
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(memberNames(second.doc)).toEqual([]);
	});

	it('answers a newcomer with messages addressed to it alone, not to every tab', async () => {
		const docId = newDocumentId();
		const first = openTab(docId, 'Ada');
		const second = openTab(docId, 'Bo');
		await until(() => memberNames(first.doc).length === 2 && memberNames(second.doc).length === 2);
		await settle();
		const { seen } = listenTo(docId);
		const third = openTab(docId, 'Cy');
		const newcomer = await helloOf(seen);
		await until(() => [first, second, third].every((tab) => memberNames(tab.doc).length === 3));
		await settle();
		// Nobody edits meanwhile, so every document-carrying message is part of the catch-up.
		const carryingDocument = seen.filter(
			(message) => message.kind !== 'awareness' && message.update instanceof Uint8Array
		);
		expect(carryingDocument.length).toBeGreaterThan(0);
		expect(carryingDocument.every((message) => typeof message.to === 'string')).toBe(true);
		expect(carryingDocument.filter((message) => message.to === newcomer)).toHaveLength(2);
		expect(memberNames(third.doc)).toEqual(['Ada', 'Bo', 'Cy']);
	});

	it('applies an answer addressed to it and ignores answers meant for another tab', async () => {
		const docId = newDocumentId();
		const { seen, channel } = listenTo(docId);
		const tab = openTab(docId, 'Ada');
		const tabId = await helloOf(seen);
		const answer = (to: string, name: string) => {
			const source = new Y.Doc();
			addMember(source, name);
			return {
				kind: 'welcome',
				from: 'another-tab',
				to,
				update: Y.encodeStateAsUpdate(source),
				stateVector: Y.encodeStateVector(source)
			};
		};
		channel.postMessage(answer('somebody-else', 'Stray'));
		channel.postMessage(answer(tabId, 'Welcomed'));
		await until(() => memberNames(tab.doc).includes('Welcomed'));
		await settle();
		expect(memberNames(tab.doc)).toEqual(['Ada', 'Welcomed']);
		// It sends what the answering tab lacks to that tab alone.
		const catchUp = seen.filter((message) => message.to === 'another-tab');
		expect(catchUp).toHaveLength(1);
		expect(catchUp[0]?.update).toBeInstanceOf(Uint8Array);
	});

	it('takes the presence of a tab whose page goes away (pagehide) from the other tabs at once', async () => {
		const docId = newDocumentId();
		const { first, second } = await secondTabHidden(docId);
		// A tab leaving stays gone even when asked to announce itself (another tab joining).
		const third = openTab(docId, 'Cy');
		await until(() => third.awareness.getStates().has(first.doc.clientID));
		await settle();
		expect(first.awareness.getStates().has(second.doc.clientID)).toBe(false);
		expect(third.awareness.getStates().has(second.doc.clientID)).toBe(false);
	});

	it('announces the tab again when its page comes back from the back-forward cache', async () => {
		const { first, second, page } = await secondTabHidden(newDocumentId());
		page.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }));
		await until(() => first.awareness.getStates().has(second.doc.clientID));
		expect(first.awareness.getStates().get(second.doc.clientID)).toEqual({ user: { name: 'Bo' } });
	});

	it('ignores garbage, truncated updates and foreign messages on the channel', async () => {
		const docId = newDocumentId();
		const { seen, channel: intruder } = listenTo(docId);
		const tab = openTab(docId, 'Ada');
		const tabId = await helloOf(seen);
		const update = Y.encodeStateAsUpdate(tab.doc);
		const stateVector = Y.encodeStateVector(tab.doc);
		for (const message of [
			null,
			'hello',
			42,
			{ kind: 'update' },
			{ kind: 'update', update: 'not bytes' },
			{ kind: 'update', update: update.subarray(0, 5) },
			{ kind: 'update', update: new Uint8Array([255, 255, 255, 255]) },
			{ kind: 'awareness', update: new Uint8Array([1, 2]) },
			{ kind: 'hello', from: 'garbage-tab', stateVector: new Uint8Array([200, 200]) },
			// A hello that names no tab, or names it wrongly.
			{ kind: 'hello', stateVector },
			{ kind: 'hello', from: 42, stateVector },
			{ kind: 'hello', from: 'x'.repeat(10_000), stateVector },
			{ kind: 'welcome', to: tabId, update, stateVector },
			{
				kind: 'welcome',
				from: 'garbage-tab',
				to: tabId,
				update: update.subarray(0, 5),
				stateVector
			},
			{ kind: 'welcome', from: 'garbage-tab', to: tabId, update, stateVector: new Uint8Array([9]) },
			{ kind: 'welcome', from: 'garbage-tab', to: tabId, update: null, stateVector },
			{ kind: 'catch-up', to: tabId, update: new Uint8Array([255, 255, 255, 255]) },
			{ kind: 'catch-up', to: tabId, update: update.subarray(0, 5) },
			{ kind: 'catch-up', to: 7, update },
			{ kind: 'something-else' }
		]) {
			intruder.postMessage(message);
		}
		const late = openTab(docId);
		await until(() => memberNames(late.doc).length === 1);
		await settle();
		expect(memberNames(tab.doc)).toEqual(['Ada']);
		// A malformed hello goes unanswered: the tab welcomed the late tab alone.
		const lateId = seen.find((message) => message.kind === 'hello' && message.from !== tabId)?.from;
		expect(seen.filter((message) => message.kind === 'welcome').map((m) => m.to)).toEqual([lateId]);
	});

	it('refuses updates that fail validation, in every kind of message', async () => {
		// The update of the hardening issue (client 99, a GC struct of length 0): applied, it
		// would be saved on the device, and the document would no longer load once compacted.
		const poison = Uint8Array.of(1, 1, 99, 0, 0, 0, 0);
		const docId = newDocumentId();
		const { seen, channel: intruder } = listenTo(docId);
		const tab = openTab(docId, 'Ada');
		const tabId = await helloOf(seen);
		const stateVector = Y.encodeStateVector(new Y.Doc());
		intruder.postMessage({ kind: 'update', update: poison });
		intruder.postMessage({ kind: 'catch-up', to: tabId, update: poison });
		intruder.postMessage({
			kind: 'welcome',
			from: 'bad-tab',
			to: tabId,
			update: poison,
			stateVector
		});
		const late = openTab(docId);
		await until(() => memberNames(late.doc).length === 1);
		await settle();
		expect(tab.doc.store.clients.has(99)).toBe(false);
		expect(() => Y.applyUpdate(new Y.Doc(), Y.encodeStateAsUpdate(tab.doc))).not.toThrow();
		// A refused welcome gets no catch-up either, like a malformed one.
		expect(seen.filter((message) => message.to === 'bad-tab')).toEqual([]);
	});
});
