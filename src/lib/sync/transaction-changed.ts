import type * as Y from 'yjs';

/**
 * Whether a finished transaction added or deleted anything: exactly the transactions for which
 * Yjs emits an `update` event. Listening to `afterTransaction` and asking this instead costs
 * nothing per transaction, where an `update` listener makes Yjs encode every transaction.
 */
export function transactionChanged(transaction: Y.Transaction): boolean {
	if (transaction.deleteSet.clients.size > 0) return true;
	const { beforeState, afterState } = transaction;
	for (const [client, clock] of afterState) {
		if (clock !== (beforeState.get(client) ?? 0)) return true;
	}
	return false;
}
