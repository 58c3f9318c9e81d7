import type * as Y from 'yjs';
import { rootTypes } from './schema';

/** What a workspace observer is told about each transaction that changed the workspace. */
export interface WorkspaceChange {
	/** The transaction's origin: `LOCAL_ORIGIN` for writes through this layer, a provider otherwise. */
	origin: unknown;
	/** True when the change was made on this device rather than received from a peer. */
	local: boolean;
}

/**
 * Calls `onChange` once per transaction that changed anything in the workspace, after the
 * transaction. Returns the function that stops observing. The state layer wires this into
 * Svelte's `createSubscriber`, so the observer exists only while a view reads the workspace.
 */
export function observeWorkspace(
	doc: Y.Doc,
	onChange: (change: WorkspaceChange) => void
): () => void {
	const types = rootTypes(doc);
	// observeDeep fires once per root type a transaction touched; report each transaction once.
	const reported = new WeakSet<Y.Transaction>();
	const handler = (_events: Y.YEvent<Y.AbstractType<unknown>>[], transaction: Y.Transaction) => {
		if (reported.has(transaction)) return;
		reported.add(transaction);
		onChange({ origin: transaction.origin, local: transaction.local });
	};
	for (const type of types) type.observeDeep(handler);
	return () => {
		for (const type of types) type.unobserveDeep(handler);
	};
}
