import { afterEach, describe, expect, it } from 'vitest';
import { Awareness, removeAwarenessStates } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { addMember, memberNames } from './spec-members';
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

function openTab(docId: ReturnType<typeof newDocumentId>, name?: string): Tab {
	const doc = new Y.Doc();
	if (name) addMember(doc, name);
	const awareness = new Awareness(doc);
	awareness.setLocalState({ user: { name: name ?? 'someone' } });
	const origins: unknown[] = [];
	doc.on('update', (_update: Uint8Array, origin: unknown) => origins.push(origin));
	const channel = openTabChannel(docId, doc, awareness, (origin) => origin === RELAY);
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

afterEach(() => {
	for (const tab of open.splice(0)) closeTab(tab);
});

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

	it('ignores garbage, truncated updates and foreign messages on the channel', async () => {
		const docId = newDocumentId();
		const tab = openTab(docId, 'Ada');
		const intruder = new BroadcastChannel(tabChannelName(docId));
		const update = Y.encodeStateAsUpdate(tab.doc);
		for (const message of [
			null,
			'hello',
			42,
			{ kind: 'update' },
			{ kind: 'update', update: 'not bytes' },
			{ kind: 'update', update: update.subarray(0, 5) },
			{ kind: 'update', update: new Uint8Array([255, 255, 255, 255]) },
			{ kind: 'awareness', update: new Uint8Array([1, 2]) },
			{ kind: 'hello', stateVector: new Uint8Array([200, 200]) },
			{ kind: 'something-else' }
		]) {
			intruder.postMessage(message);
		}
		const late = openTab(docId);
		await until(() => memberNames(late.doc).length === 1);
		expect(memberNames(tab.doc)).toEqual(['Ada']);
		intruder.close();
	});
});
