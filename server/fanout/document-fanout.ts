import type { DocumentId } from '../../src/lib/protocol';
import type { UpdateSeq } from '../storage/relay-storage';

/** What a loaded room hears from the other relay nodes of a cluster. */
export interface FanoutListener {
	/** An update another node applied and committed to the shared storage. */
	update(update: Uint8Array): void;
	/** An awareness update of a client on another node (never stored). */
	awareness(update: Uint8Array): void;
	/**
	 * Messages may have been lost (a gap in a node's numbering, or the link to the broker was
	 * down): reload the document from storage and apply what the room lacks.
	 */
	repair(): void;
}

/** A room's membership in the fan-out, ended when the room unloads. */
export interface FanoutSubscription {
	close(): void;
}

/**
 * Fan-out of a document's updates and awareness between the relay nodes that have it loaded.
 * Never trusted for durability: storage is the source of truth, and a node that may have missed
 * messages repairs from it. A node needs neither the broker nor any other node to keep serving
 * its own clients.
 */
export interface DocumentFanout {
	/**
	 * Starts delivering the document's messages from other nodes to `listener`. Resolves once
	 * messages published from now on will reach it, or once the broker is known to be out of
	 * reach (the listener is then asked to repair when it is back), so a room loads its stored
	 * state after it and misses nothing published before.
	 */
	join(docId: DocumentId, listener: FanoutListener): Promise<FanoutSubscription>;
	/**
	 * Publishes an update this node appended with `seq`, once storage holds it durably: a node
	 * that receives it, or misses it and repairs, finds it stored.
	 */
	publishUpdate(docId: DocumentId, update: Uint8Array, seq: UpdateSeq): void;
	/** Publishes an awareness update of a client on this node, at once. */
	publishAwareness(docId: DocumentId, update: Uint8Array): void;
	/** Disconnects from the broker. */
	close(): Promise<void>;
}
