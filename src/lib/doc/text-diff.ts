import type * as Y from 'yjs';

/**
 * Replaces the content of a Y.Text with `next` by deleting and inserting only the changed middle.
 * A plain input field hands us whole strings; writing the minimal change keeps a concurrent edit
 * to another part of the same text from being lost in the merge.
 */
export function replaceText(text: Y.Text, next: string): void {
	const previous = text.toString();
	if (previous === next) return;
	let start = 0;
	const shortest = Math.min(previous.length, next.length);
	while (start < shortest && previous.charCodeAt(start) === next.charCodeAt(start)) start++;
	let endPrevious = previous.length;
	let endNext = next.length;
	while (
		endPrevious > start &&
		endNext > start &&
		previous.charCodeAt(endPrevious - 1) === next.charCodeAt(endNext - 1)
	) {
		endPrevious--;
		endNext--;
	}
	// Never split a surrogate pair: widen the changed range to whole code points.
	if (start > 0 && isHighSurrogate(previous.charCodeAt(start - 1))) start--;
	if (endPrevious < previous.length && isLowSurrogate(previous.charCodeAt(endPrevious))) {
		endPrevious++;
		endNext++;
	}
	if (endPrevious > start) text.delete(start, endPrevious - start);
	if (endNext > start) text.insert(start, next.slice(start, endNext));
}

function isHighSurrogate(code: number): boolean {
	return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
	return code >= 0xdc00 && code <= 0xdfff;
}
