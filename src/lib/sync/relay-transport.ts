import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import type { AccessToken, DocumentId } from '../protocol';
import type { AccessLevel } from './relay-token';

/**
 * How far the connection to the relay has come:
 * - `offline`: no connection (not started, network down, or waiting before the next attempt)
 * - `connecting`: a connection is being opened
 * - `syncing`: connected; the two sides are still exchanging what the other lacks
 * - `synced`: both sides have exchanged their differences; updates now flow live
 */
export type ConnectionState = 'offline' | 'connecting' | 'syncing' | 'synced';

/** Why the relay refused this document for good (for example a wrong token); null otherwise. */
export interface RelayRefusal {
	code: number;
	reason: string;
}

/** What a transport needs to serve one workspace document. */
export interface RelayTransportOptions {
	docId: DocumentId;
	doc: Y.Doc;
	awareness: Awareness;
	/** The token this device presents: the member token, or the viewer token of a viewer. */
	token: AccessToken;
	/** What the device may do: a viewer only reads, and sends no update or presence. */
	access: AccessLevel;
	/** On a member's connection, the viewer token it registers with the relay (see protocol). */
	viewerToken: AccessToken | null;
}

/** The connection of one workspace document to the relay, with presence. */
export interface RelayTransport {
	readonly state: ConnectionState;
	/** Set when the relay refused the document permanently; the transport then stays offline. */
	readonly refusal: RelayRefusal | null;
	/** Calls `listener` whenever `state` or `refusal` changes; returns the unsubscribe function. */
	onStateChange(listener: (state: ConnectionState) => void): () => void;
	/**
	 * True when an update with this transaction origin came from the relay, i.e. the relay holds
	 * it. Updates from elsewhere (this device, other tabs) are the ones that may still be missing
	 * on the relay.
	 */
	isFromRelay(origin: unknown): boolean;
	/**
	 * Resolves true once the relay confirms that it holds everything the doc contained when this
	 * was called (a viewer holds nothing of its own: true once synced); resolves false at once
	 * when not `synced`, or when the connection drops before the confirmation arrives.
	 */
	confirmRelayHasDoc(): Promise<boolean>;
	/** Starts (or resumes) connecting, and keeps reconnecting until `disconnect`. */
	connect(): void;
	/** Closes the connection and stops reconnecting. */
	disconnect(): void;
	/** Disconnects and releases every listener. */
	destroy(): void;
}

/** Creates a transport; the workspace session picks the real or in-memory one. */
export type RelayTransportFactory = (options: RelayTransportOptions) => RelayTransport;
