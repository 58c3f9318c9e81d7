import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { transactionChanged } from './transaction-changed';

/** Runs `change` in one transaction; reports what Yjs emitted and what we computed. */
function observe(doc: Y.Doc, change: () => void): { emitted: boolean; computed: boolean } {
	let emitted = false;
	let computed = false;
	const onUpdate = () => (emitted = true);
	const onTransaction = (transaction: Y.Transaction) =>
		(computed = transactionChanged(transaction));
	doc.on('update', onUpdate);
	doc.on('afterTransaction', onTransaction);
	doc.transact(change);
	doc.off('update', onUpdate);
	doc.off('afterTransaction', onTransaction);
	return { emitted, computed };
}

describe('transactionChanged', () => {
	const doc = new Y.Doc();
	const text = doc.getText('t');
	const map = doc.getMap('m');
	const remote = new Y.Doc();
	remote.getText('t').insert(0, 'remote');

	it.each<[string, () => void]>([
		['an empty transaction', () => undefined],
		['an insertion', () => text.insert(0, 'abc')],
		['a deletion only', () => text.delete(0, 1)],
		['a deletion of nothing', () => text.delete(0, 0)],
		['a map write', () => map.set('k', 1)],
		['a map delete of a missing key', () => map.delete('missing')],
		['an update already applied', () => Y.applyUpdate(doc, Y.encodeStateAsUpdate(doc))],
		['a remote update', () => Y.applyUpdate(doc, Y.encodeStateAsUpdate(remote))]
	])('agrees with the update event for %s', (_name, change) => {
		const { emitted, computed } = observe(doc, change);
		expect(computed).toBe(emitted);
	});
});
