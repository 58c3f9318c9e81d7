import * as random from 'lib0/random';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { DocumentId } from '../domain/ids';
import { applyValidUpdate } from '../protocol/validate-update';

/** The transaction origin of updates and presence that came from another tab. */
export const TAB_ORIGIN = Symbol('another tab');

/*
 * Tabs of one browser sync a document with each other directly, so that they agree while the
 * device is offline or has no relay at all. y-websocket can do this too, but on every connect it
 * broadcasts the whole document to the other tabs: for a large triad that is an encoding of
 * megabytes on the main thread (260 ms of opening it) whether or not another tab is open. Here a
 * tab announces only its state vector and its tab id, and each other tab answers with what the
 * newcomer lacks, addressed to the newcomer. A broadcast answer would make every open tab apply
 * every other tab's answer: one new tab among n would cost n² diffs instead of 2n.
 *
 * Messages are structured-cloned objects. Anything malformed is ignored: the channel is shared
 * with every tab of the origin, including tabs running another version of the app. Updates are
 * applied only if they pass the check the relay runs (`applyValidUpdate`): one that fails it
 * would be saved on the device like any change and could keep the triad from ever loading.
 */
type TabId = string;

type TabMessage =
	/** A tab joined: answer it with what it lacks, and your state vector. */
	| { kind: 'hello'; from: TabId; stateVector: Uint8Array }
	/** The answer to a hello: what the newcomer lacks; send back what this state vector lacks. */
	| { kind: 'welcome'; from: TabId; to: TabId; update: Uint8Array; stateVector: Uint8Array }
	/** What a tab that welcomed us lacks. */
	| { kind: 'catch-up'; to: TabId; update: Uint8Array }
	/** A live change, for every tab. */
	| { kind: 'update'; update: Uint8Array }
	| { kind: 'awareness'; update: Uint8Array }
	/** Announce your presence again (a new clock, since the asker may have dropped the old one). */
	| { kind: 'awareness-query' };

/** Longer than any id we make; a bound on what a foreign message makes us copy and compare. */
const MAX_TAB_ID_LENGTH = 64;

const isTabId = (value: unknown): value is TabId =>
	typeof value === 'string' && value.length > 0 && value.length <= MAX_TAB_ID_LENGTH;

function parseMessage(data: unknown): TabMessage | null {
	if (typeof data !== 'object' || data === null) return null;
	const message = data as Record<string, unknown>;
	const { from, to, update, stateVector } = message;
	switch (message.kind) {
		case 'hello':
			return isTabId(from) && stateVector instanceof Uint8Array
				? { kind: 'hello', from, stateVector }
				: null;
		case 'welcome':
			return isTabId(from) &&
				isTabId(to) &&
				update instanceof Uint8Array &&
				stateVector instanceof Uint8Array
				? { kind: 'welcome', from, to, update, stateVector }
				: null;
		case 'catch-up':
			return isTabId(to) && update instanceof Uint8Array ? { kind: 'catch-up', to, update } : null;
		case 'update':
		case 'awareness':
			return update instanceof Uint8Array ? { kind: message.kind, update } : null;
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

/** Where a browser page's lifecycle events come from: `window`, or nothing outside a browser. */
function browserPage(): EventTarget | null {
	// Through globalThis: the service worker, which has no window, compiles this module too.
	return (globalThis as { window?: EventTarget }).window ?? null;
}

/**
 * Syncs `doc` and this tab's presence with other tabs that have the same document open.
 * Returns null where the browser has no BroadcastChannel. Updates from other tabs are applied
 * with origin `TAB_ORIGIN`. Updates for which `fromRelay` is true are not passed on: every tab
 * gets those from the relay itself, and a tab receiving one from us would count it as its own
 * change and send it back to the relay.
 *
 * On `pagehide` from `page` (default: `window`) the other tabs are told at once that this tab's
 * presence is gone, since a closed or discarded page never calls `close`; it is announced again
 * if the page comes back from the back-forward cache (`pageshow` with `persisted`).
 */
export function openTabChannel(
	docId: DocumentId,
	doc: Y.Doc,
	awareness: awarenessProtocol.Awareness,
	fromRelay: (origin: unknown) => boolean = () => false,
	page: EventTarget | null = browserPage()
): TabChannel | null {
	if (typeof BroadcastChannel === 'undefined') return null;
	const channel = new BroadcastChannel(tabChannelName(docId));
	const tabId: TabId = random.uuidv4();
	let closed = false;
	// After pagehide: the others were told this tab left, and must not hear otherwise.
	let away = false;

	const post = (message: TabMessage) => {
		if (!closed) channel.postMessage(message);
	};
	const sendPresence = () => {
		if (away) return;
		post({
			kind: 'awareness',
			update: awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID])
		});
	};
	// An update with no state for this client tells the others that this tab is gone.
	const sendDeparture = () => {
		post({
			kind: 'awareness',
			update: awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID], new Map())
		});
	};
	const sendHello = () => {
		post({ kind: 'hello', from: tabId, stateVector: Y.encodeStateVector(doc) });
		post({ kind: 'awareness-query' });
	};
	// Re-setting the state bumps its clock, which onPresence then sends: a tab that dropped our
	// entry ignores the clock it already saw.
	const reannounce = () => {
		const state = awareness.getLocalState();
		if (state !== null) awareness.setLocalState(state);
	};

	channel.onmessage = (event: MessageEvent) => {
		const message = parseMessage(event.data);
		if (message === null) return;
		try {
			switch (message.kind) {
				case 'hello':
					post({
						kind: 'welcome',
						from: tabId,
						to: message.from,
						update: Y.encodeStateAsUpdate(doc, message.stateVector),
						stateVector: Y.encodeStateVector(doc)
					});
					break;
				case 'welcome':
					if (message.to !== tabId) break;
					if (applyValidUpdate(doc, message.update, TAB_ORIGIN) !== null) break;
					post({
						kind: 'catch-up',
						to: message.from,
						update: Y.encodeStateAsUpdate(doc, message.stateVector)
					});
					break;
				case 'catch-up':
					if (message.to === tabId) applyValidUpdate(doc, message.update, TAB_ORIGIN);
					break;
				case 'update':
					applyValidUpdate(doc, message.update, TAB_ORIGIN);
					break;
				case 'awareness':
					awarenessProtocol.applyAwarenessUpdate(awareness, message.update, TAB_ORIGIN);
					break;
				case 'awareness-query':
					if (!away) reannounce();
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
		if (mine) sendPresence();
		// y-websocket drops every other presence when its socket closes, other tabs' included;
		// they are still here, so ask them to announce themselves again.
		if (removed.some((client) => client !== doc.clientID)) post({ kind: 'awareness-query' });
	};
	/*
	 * pagehide is the last event a page reliably gets, when it is closed, navigated away from or
	 * put in the back-forward cache; a phone discarding a hidden page fires nothing more. Without
	 * it, other tabs would show this one as present until its entry timed out (30 s).
	 */
	const onPageHide = () => {
		sendDeparture();
		away = true;
	};
	const onPageShow = (event: Event) => {
		if (!away || !(event as Event & { persisted?: boolean }).persisted) return;
		away = false;
		// Frozen in the cache, this tab missed whatever the others did meanwhile.
		sendHello();
		reannounce();
	};
	doc.on('update', onUpdate);
	awareness.on('update', onPresence);
	page?.addEventListener('pagehide', onPageHide);
	page?.addEventListener('pageshow', onPageShow);

	sendHello();
	if (awareness.getLocalState() !== null) sendPresence();

	return {
		close() {
			if (closed) return;
			doc.off('update', onUpdate);
			awareness.off('update', onPresence);
			page?.removeEventListener('pagehide', onPageHide);
			page?.removeEventListener('pageshow', onPageShow);
			sendDeparture();
			closed = true;
			channel.close();
		}
	};
}
