import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { replaceText } from './text-diff';

function textOf(initial: string) {
	const doc = new Y.Doc();
	const text = doc.getText('t');
	text.insert(0, initial);
	return { doc, text };
}

describe('replaceText', () => {
	it.each([
		['', 'new'],
		['same', 'same'],
		['abcdef', 'abXYef'],
		['abcdef', ''],
		['aaaa', 'aaaaa'],
		['prefix only', 'prefix'],
		['👍 ok', '👎 ok'],
		['a😀b', 'a😁b'],
		['😀', '😀😀']
	])('turns %j into %j', (before, after) => {
		const { text } = textOf(before);
		replaceText(text, after);
		expect(text.toString()).toBe(after);
	});

	it('touches only the changed middle, so edits at both ends merge', () => {
		const { doc, text } = textOf('one two three');
		const deltas: unknown[] = [];
		text.observe((event) => deltas.push(event.delta));
		doc.transact(() => replaceText(text, 'one 2 three'));
		expect(deltas).toEqual([[{ retain: 4 }, { delete: 3 }, { insert: '2' }]]);
	});
});
