import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { CLOSE_WRONG_TOKEN, type DocumentId } from '../../protocol';
import { ConnectionStatus, relayTransport } from '../connection-status';
import type {
	RelayTransport,
	RelayTransportFactory,
	RelayTransportOptions
} from '../relay-transport';

/*
 * A tiny relay inside the process, for tests of everything above the transport. It keeps the
 * contract of the real one that matters to clients: one document per room, tokens registered on
 * first use, updates and presence relayed to the other connections, and messages delivered
 * asynchronously but in order per connection. Going offline drops every connection; coming back
 * lets waiting transports reconnect (no timers, so tests stay deterministic).
 */

interface Room {
	doc: Y.Doc;
	awareness: awarenessProtocol.Awareness;
	token: string;
	/** The viewer token a member's connection registered, if any. */
	viewerToken: string | null;
	connections: Set<Connection>;
}

/** One live link between a transport and the relay; dropped links deliver nothing more. */
interface Connection {
	open: boolean;
	/** Delivers a closure on the relay side, after everything sent before it. */
	toRelay(deliver: () => void): void;
	/** Delivers a closure on the client side, after everything sent before it. */
	toClient(deliver: () => void): void;
	clientDoc: Y.Doc;
	clientAwareness: awarenessProtocol.Awareness;
	/** Awareness client ids this connection announced, removed when it drops. */
	announced: Set<number>;
	drop(): void;
}

/** An ordered one-way channel: closures run in order, each in its own microtask. */
function channel(isOpen: () => boolean): (deliver: () => void) => void {
	let tail = Promise.resolve();
	return (deliver) => {
		tail = tail.then(() => {
			if (isOpen()) deliver();
		});
	};
}

/** The in-process relay; create one per test and hand `transport` to the workspaces. */
export class MemoryRelay {
	readonly #rooms = new Map<DocumentId, Room>();
	readonly #waiting = new Set<() => void>();
	#online = true;

	/** Whether the relay is reachable. */
	get online(): boolean {
		return this.#online;
	}

	/** Takes the relay offline (dropping every connection) or back online. */
	setOnline(online: boolean): void {
		this.#online = online;
		if (!online) {
			for (const room of this.#rooms.values()) {
				for (const connection of [...room.connections]) connection.drop();
			}
		} else {
			for (const retry of [...this.#waiting]) retry();
		}
	}

	/** The relay's copy of a room's document, for assertions; null if never connected. */
	documentOf(docId: DocumentId): Y.Doc | null {
		return this.#rooms.get(docId)?.doc ?? null;
	}

	/** Creates transports that talk to this relay. */
	readonly transport: RelayTransportFactory = (options) => this.#createTransport(options);

	#room(docId: DocumentId, token: string): Room | null {
		let room = this.#rooms.get(docId);
		if (room === undefined) {
			const doc = new Y.Doc();
			const awareness = new awarenessProtocol.Awareness(doc);
			awareness.setLocalState(null);
			room = { doc, awareness, token, viewerToken: null, connections: new Set() };
			this.#rooms.set(docId, room);
			const current = room;
			doc.on('update', (update: Uint8Array, origin: unknown) => {
				for (const connection of current.connections) {
					if (connection === origin) continue;
					connection.toClient(() => Y.applyUpdate(connection.clientDoc, update, connection));
				}
			});
			awareness.on(
				'update',
				(
					{ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
					origin: unknown
				) => {
					const changed = added.concat(updated, removed);
					const encoded = awarenessProtocol.encodeAwarenessUpdate(current.awareness, changed);
					for (const connection of current.connections) {
						if (connection === origin) continue;
						connection.toClient(() =>
							awarenessProtocol.applyAwarenessUpdate(
								connection.clientAwareness,
								encoded,
								connection
							)
						);
					}
				}
			);
		}
		return room.token === token || (room.viewerToken !== null && room.viewerToken === token)
			? room
			: null;
	}

	#createTransport(options: RelayTransportOptions): RelayTransport {
		const { docId, doc, awareness, token } = options;
		const isViewer = options.access === 'viewer';
		const status = new ConnectionStatus();
		const waiting = this.#waiting;
		let wanted = false;
		let connection: Connection | null = null;

		const retry = () => {
			this.#waiting.delete(retry);
			if (wanted && connection === null) open();
		};

		const sendUpdate = (update: Uint8Array, origin: unknown) => {
			const link = connection;
			if (link === null || origin === link || isViewer) return;
			link.toRelay(() => {
				const room = this.#rooms.get(docId);
				if (room) Y.applyUpdate(room.doc, update, link);
			});
		};

		const sendAwareness = ({
			added,
			updated,
			removed
		}: {
			added: number[];
			updated: number[];
			removed: number[];
		}) => {
			const link = connection;
			if (link === null || isViewer) return;
			const changed = added.concat(updated, removed).filter((id) => id === doc.clientID);
			if (changed.length === 0) return;
			const encoded = awarenessProtocol.encodeAwarenessUpdate(awareness, changed);
			link.toRelay(() => {
				const room = this.#rooms.get(docId);
				if (!room) return;
				for (const id of changed) link.announced.add(id);
				awarenessProtocol.applyAwarenessUpdate(room.awareness, encoded, link);
			});
		};

		const open = () => {
			status.set('connecting');
			let isOpen = true;
			const link: Connection = {
				get open() {
					return isOpen;
				},
				toRelay: channel(() => isOpen),
				toClient: channel(() => isOpen),
				clientDoc: doc,
				clientAwareness: awareness,
				announced: new Set(),
				drop: () => {
					if (!isOpen) return;
					isOpen = false;
					const room = this.#rooms.get(docId);
					room?.connections.delete(link);
					if (room && link.announced.size > 0) {
						awarenessProtocol.removeAwarenessStates(room.awareness, [...link.announced], null);
					}
					if (connection === link) connection = null;
					const remote = [...awareness.getStates().keys()].filter((id) => id !== doc.clientID);
					awarenessProtocol.removeAwarenessStates(awareness, remote, link);
					status.set('offline');
					if (wanted) this.#waiting.add(retry);
				}
			};
			connection = link;
			link.toRelay(() => {
				if (!this.#online) {
					link.drop();
					return;
				}
				const room = this.#room(docId, token);
				if (room === null) {
					status.refusal = {
						code: CLOSE_WRONG_TOKEN,
						reason: 'token does not match this document'
					};
					wanted = false;
					link.drop();
					status.set('offline', true);
					return;
				}
				if (!isViewer && room.token === token && options.viewerToken !== null) {
					room.viewerToken ??= options.viewerToken;
				}
				room.connections.add(link);
				const relayState = Y.encodeStateAsUpdate(room.doc, Y.encodeStateVector(doc));
				const relayVector = Y.encodeStateVector(room.doc);
				const presence = awarenessProtocol.encodeAwarenessUpdate(room.awareness, [
					...room.awareness.getStates().keys()
				]);
				link.toClient(() => {
					status.set('syncing');
					Y.applyUpdate(doc, relayState, link);
					awarenessProtocol.applyAwarenessUpdate(awareness, presence, link);
					if (!isViewer) {
						const missing = Y.encodeStateAsUpdate(doc, relayVector);
						link.toRelay(() => Y.applyUpdate(room.doc, missing, link));
					}
					sendAwareness({ added: [doc.clientID], updated: [], removed: [] });
					link.toRelay(() => link.toClient(() => status.set('synced')));
				});
			});
		};

		doc.on('update', sendUpdate);
		awareness.on('update', sendAwareness);

		return relayTransport(status, {
			isFromRelay: (origin) => origin !== null && origin === connection,
			confirmRelayHasDoc() {
				const link = connection;
				if (status.state !== 'synced' || link === null) return Promise.resolve(false);
				return new Promise((resolve) => {
					// A dropped link delivers nothing more; settle the promise then.
					const stop = status.onStateChange((next) => {
						if (next === 'offline') {
							stop();
							resolve(false);
						}
					});
					link.toRelay(() =>
						link.toClient(() => {
							stop();
							resolve(true);
						})
					);
				});
			},
			connect() {
				wanted = true;
				status.refusal = null;
				if (connection === null) open();
			},
			disconnect() {
				wanted = false;
				waiting.delete(retry);
				connection?.drop();
			},
			destroy() {
				this.disconnect();
				doc.off('update', sendUpdate);
				awareness.off('update', sendAwareness);
				status.clear();
			}
		});
	}
}
