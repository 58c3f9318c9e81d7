import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { DocumentId } from '../domain/ids';

/** The transaction origin of updates and presence that came from another tab. */
export const TAB_ORIGIN = Symbol('another tab');

/*
 * Tabs of one browser sync a document with each other directly, so that they agree while the
 * device is offline. y-websocket can do this too, but on every connect it broadcasts the whole
 * document to the other tabs: for a large triad that is an encoding of megabytes on the main
 * thread (260 ms of opening it) whether or not another tab is open. Here a tab announces only
 * its state vector, and each other tab answers with what the newcomer lacks.
 *
 * Messages are structured-cloned objects. Anything malformed is ignored: the channel is shared
 * with every tab of the origin, including tabs running another version of the app.
 */
type TabMessage =
	/** A tab joined: answer with what it lacks, and ask it for what you lack. */
	| { kind: 'hello'; stateVector: Uint8Array }
	/** Answer to a hello: send what this state lacks. */
	| { kind: 'state-vector'; stateVector: Uint8Array }
	| { kind: 'update'; update: Uint8Array }
	| { kind: 'awareness'; update: Uint8Array }
	/** Announce your presence again (a new clock, since the asker may have dropped the old one). */
	| { kind: 'awareness-query' };

function parseMessage(data: unknown): TabMessage | null {
	if (typeof data !== 'object' || data === null) return null;
	const message = data as Record<string, unknown>;
	switch (message.kind) {
		case 'hello':
		case 'state-vector':
			return message.stateVector instanceof Uint8Array
				? { kind: message.kind, stateVector: message.stateVector }
				: null;
		case 'update':
		case 'awareness':
			return message.update instanceof Uint8Array
				? { kind: message.kind, update: message.update }
				: null;
		case 'awareness-query':
			return { kind: 'awareness-query' };
		default:
			return null;
	}
}

/** The channel name of a document; one channel per document, shared by its open tabs. */
export function tabChannelName(docId: DocumentId): string {
	return `triad-tabs-${docId}`;
}

/** A document's link to the same document open in other tabs of this browser. */
export interface TabChannel {
	/** Stops syncing with other tabs and tells them this tab's presence is gone. */
	close(): void;
}

/**
 * Syncs `doc` and this tab's presence with other tabs that have the same document open.
 * Returns null where the browser has no BroadcastChannel. Updates from other tabs are applied
 * with origin `TAB_ORIGIN`. Updates for which `fromRelay` is true are not passed on: every tab
 * gets those from the relay itself, and a tab receiving one from us would count it as its own
 * change and send it back to the relay.
 */
export function openTabChannel(
	docId: DocumentId,
	doc: Y.Doc,
	awareness: awarenessProtocol.Awareness,
	fromRelay: (origin: unknown) => boolean = () => false
): TabChannel | null {
	if (typeof BroadcastChannel === 'undefined') return null;
	const channel = new BroadcastChannel(tabChannelName(docId));
	let closed = false;

	const post = (message: TabMessage) => {
		if (!closed) channel.postMessage(message);
	};
	const sendMissing = (stateVector: Uint8Array) => {
		post({ kind: 'update', update: Y.encodeStateAsUpdate(doc, stateVector) });
	};
	const sendPresence = (clients: number[]) => {
		post({
			kind: 'awareness',
			update: awarenessProtocol.encodeAwarenessUpdate(awareness, clients)
		});
	};

	channel.onmessage = (event: MessageEvent) => {
		const message = parseMessage(event.data);
		if (message === null) return;
		try {
			switch (message.kind) {
				case 'hello':
					sendMissing(message.stateVector);
					post({ kind: 'state-vector', stateVector: Y.encodeStateVector(doc) });
					break;
				case 'state-vector':
					sendMissing(message.stateVector);
					break;
				case 'update':
					Y.applyUpdate(doc, message.update, TAB_ORIGIN);
					break;
				case 'awareness':
					awarenessProtocol.applyAwarenessUpdate(awareness, message.update, TAB_ORIGIN);
					break;
				case 'awareness-query':
					// Re-setting the state bumps its clock, which onPresence then sends: a tab that
					// dropped our entry ignores the clock it already saw.
					if (awareness.getLocalState() !== null) {
						awareness.setLocalState(awareness.getLocalState());
					}
					break;
			}
		} catch {
			// A truncated or foreign message; the tab that sent it will resync on its next hello.
		}
	};

	const onUpdate = (update: Uint8Array, origin: unknown) => {
		if (origin !== TAB_ORIGIN && !fromRelay(origin)) post({ kind: 'update', update });
	};
	const onPresence = (
		{ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
		origin: unknown
	) => {
		if (origin === TAB_ORIGIN) return;
		const mine = [...added, ...updated, ...removed].includes(doc.clientID);
		if (mine) sendPresence([doc.clientID]);
		// y-websocket drops every other presence when its socket closes, other tabs' included;
		// they are still here, so ask them to announce themselves again.
		if (removed.some((client) => client !== doc.clientID)) post({ kind: 'awareness-query' });
	};
	doc.on('update', onUpdate);
	awareness.on('update', onPresence);

	post({ kind: 'hello', stateVector: Y.encodeStateVector(doc) });
	post({ kind: 'awareness-query' });
	if (awareness.getLocalState() !== null) sendPresence([doc.clientID]);

	return {
		close() {
			if (closed) return;
			doc.off('update', onUpdate);
			awareness.off('update', onPresence);
			// An update with no state for this client tells the others that this tab is gone.
			post({
				kind: 'awareness',
				update: awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID], new Map())
			});
			closed = true;
			channel.close();
		}
	};
}
