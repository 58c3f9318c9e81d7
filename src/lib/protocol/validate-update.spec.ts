import fc from 'fast-check';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DeepArray, encodeRawUpdate, type RawContent, type RawStruct } from './testing/raw-update';
import { expectLoadable } from './testing/update-fuzz';
import {
	applyStoredUpdate,
	applyValidUpdate,
	MAX_CLOCK,
	MAX_NESTING,
	repairUpdate,
	validateUpdate
} from './validate-update';

/** The update of the hardening issue: client 99, one GC struct of length 0. */
const SEVEN_BYTES = Uint8Array.of(0x01, 0x01, 0x63, 0x00, 0x00, 0x00, 0x00);

/** A document as an app makes it, to apply foreign updates to. */
function typicalDoc(): Y.Doc {
	const doc = new Y.Doc();
	doc.getText('text').insert(0, 'hello 😀 world');
	doc.getText('text').format(0, 5, { bold: true });
	doc.getMap('map').set('ballot', { choice: 'agree', at: 1_700_000_000_000 });
	doc.getArray('list').push([1, 'two', new Uint8Array([3])]);
	doc.getText('text').delete(2, 3);
	return doc;
}

/** Applies `update` with plain Yjs, then encodes and loads the document as a relay would. */
function reloadAfter(update: Uint8Array, doc = typicalDoc()): void {
	Y.applyUpdate(doc, update);
	expectLoadable(doc);
}

const item = (content: RawContent, fields: Partial<Extract<RawStruct, { kind: 'item' }>> = {}) =>
	({
		kind: 'item',
		origin: null,
		rightOrigin: null,
		parent: { key: 'list' },
		parentSub: null,
		content,
		...fields
	}) satisfies RawStruct;

const oneStruct = (struct: RawStruct, client = 7, clock = 0) =>
	encodeRawUpdate({ clients: [{ client, clock, structs: [struct] }], deletions: [] });

const deletions = (client: number, ranges: [number, number][]) =>
	encodeRawUpdate({ clients: [], deletions: [{ client, ranges }] });

describe('validateUpdate', () => {
	it('refuses the seven-byte update (a GC struct of length 0), which breaks the next load', () => {
		expect(Y.decodeUpdate(SEVEN_BYTES).structs).toHaveLength(1);
		expect(() => reloadAfter(SEVEN_BYTES)).toThrow('Unexpected case');
		expect(validateUpdate(SEVEN_BYTES)).toBe('empty');
	});

	it('refuses structs, contents and deletions of length 0', () => {
		const empty = [
			oneStruct({ kind: 'skip', length: 0 }),
			oneStruct(item({ kind: 'string', text: '' })),
			oneStruct(item({ kind: 'any', values: [] })),
			oneStruct(item({ kind: 'json', values: [] })),
			oneStruct(item({ kind: 'deleted', length: 0 })),
			deletions(7, [[4, 0]])
		];
		for (const update of empty) expect(validateUpdate(update)).toBe('empty');
		// A deletion of length 0 beyond the known clocks breaks the very update that carries it.
		expect(() => reloadAfter(deletions(7, [[4, 0]]))).toThrow('Unexpected case');
	});

	it('refuses deletions out of order, which would garble the deletions Yjs keeps for later', () => {
		const unordered = deletions(7, [
			[10, 2],
			[3, 2]
		]);
		expect(validateUpdate(unordered)).toBe('unordered-deletions');
		expect(
			validateUpdate(
				deletions(7, [
					[3, 4],
					[5, 1]
				])
			)
		).toBe('unordered-deletions');
		// Plain Yjs parks both ranges (client 7 is unknown yet), then deletes other clocks once
		// client 7's twenty items arrive.
		const doc = new Y.Doc();
		Y.applyUpdate(doc, unordered);
		const author = new Y.Doc();
		author.clientID = 7;
		for (let i = 0; i < 20; i++) author.getArray('list').push([i]);
		Y.applyUpdate(doc, Y.encodeStateAsUpdate(author));
		const left = doc.getArray<number>('list').toArray();
		const expected = [...Array(20).keys()].filter((i) => ![3, 4, 10, 11].includes(i));
		expect(left).not.toEqual(expected);
	});

	it('refuses an item naming its own client at or after itself, which Yjs throws on halfway', () => {
		const forward = oneStruct(
			item({ kind: 'any', values: [1] }, { origin: { client: 7, clock: 3 } })
		);
		expect(validateUpdate(forward)).toBe('self-reference');
		expect(() => reloadAfter(forward)).toThrow();
		const ownParent = oneStruct(
			item({ kind: 'any', values: [1] }, { parent: { id: { client: 7, clock: 0 } } })
		);
		expect(validateUpdate(ownParent)).toBe('self-reference');
		const backwards = encodeRawUpdate({
			clients: [
				{
					client: 7,
					clock: 0,
					structs: [
						item({ kind: 'string', text: 'ab' }),
						item({ kind: 'string', text: 'c' }, { origin: { client: 7, clock: 1 } })
					]
				}
			],
			deletions: []
		});
		expect(validateUpdate(backwards)).toBeNull();
	});

	it('refuses clients and clocks beyond uint32: Yjs would store other clocks than it was sent', () => {
		const parked = (clocks: number[]) =>
			encodeRawUpdate({
				clients: [
					{
						client: 5,
						clock: 0,
						structs: clocks.map((clock) =>
							item({ kind: 'any', values: [clock] }, { origin: { client: 6, clock } })
						)
					}
				],
				deletions: []
			});
		// Waiting for client 6, these items are kept in the v2 encoding, which stores the
		// differences between clocks doubled: beyond 2^53 that is no longer exact.
		const huge = parked([0, 2 ** 52 + 1, 2 ** 53 + 2]);
		const doc = new Y.Doc();
		Y.applyUpdate(doc, huge);
		const origins = (update: Uint8Array) =>
			Y.decodeUpdate(update).structs.map((struct) => (struct as Y.Item).origin?.clock);
		expect(origins(Y.encodeStateAsUpdate(doc))).not.toEqual(origins(huge));
		expect(validateUpdate(huge)).toBe('out-of-range');
		expect(validateUpdate(parked([0, MAX_CLOCK - 1, MAX_CLOCK]))).toBeNull();
		expect(validateUpdate(oneStruct({ kind: 'gc', length: 2 }, 7, MAX_CLOCK - 1))).toBe(
			'out-of-range'
		);
		expect(validateUpdate(oneStruct({ kind: 'gc', length: 1 }, 2 ** 32))).toBe('out-of-range');
		expect(validateUpdate(deletions(7, [[MAX_CLOCK, 1]]))).toBe('out-of-range');
	});

	it('refuses a client twice, which the two decoders of Yjs read differently', () => {
		const block = { client: 7, clock: 0, structs: [item({ kind: 'any', values: [1] })] };
		const twice = encodeRawUpdate({ clients: [block, block], deletions: [] });
		expect(validateUpdate(twice)).toBe('repeated-client');
		expect(
			validateUpdate(
				encodeRawUpdate({
					clients: [],
					deletions: [
						{ client: 7, ranges: [[0, 1]] },
						{ client: 7, ranges: [[5, 1]] }
					]
				})
			)
		).toBe('repeated-client');
	});

	it('refuses values that do not survive being written again: __proto__ keys, deep nesting', () => {
		const proto: Record<string, unknown> = {};
		Object.defineProperty(proto, '__proto__', { value: new Uint8Array([1]), enumerable: true });
		const polluted = oneStruct(item({ kind: 'any', values: [proto] }));
		expect(() => reloadAfter(polluted)).toThrow(TypeError);
		expect(validateUpdate(polluted)).toBe('unsafe-value');

		const deepJson = '['.repeat(20_000) + ']'.repeat(20_000);
		const deepFormat = oneStruct(item({ kind: 'format', key: 'x', json: deepJson }));
		expect(() => reloadAfter(deepFormat)).toThrow(RangeError);
		expect(validateUpdate(deepFormat)).toBe('unsafe-value');
		expect(validateUpdate(oneStruct(item({ kind: 'any', values: [new DeepArray(20_000)] })))).toBe(
			'unsafe-value'
		);
		const limit = '['.repeat(MAX_NESTING) + ']'.repeat(MAX_NESTING);
		expect(validateUpdate(oneStruct(item({ kind: 'embed', json: limit })))).toBeNull();
		expect(validateUpdate(oneStruct(item({ kind: 'embed', json: `[${limit}]` })))).toBe(
			'unsafe-value'
		);
		expect(
			validateUpdate(oneStruct(item({ kind: 'any', values: [new DeepArray(MAX_NESTING)] })))
		).toBeNull();
		expect(
			validateUpdate(oneStruct(item({ kind: 'any', values: [new DeepArray(MAX_NESTING + 1)] })))
		).toBe('unsafe-value');
	});

	it('refuses what does not decode, and shapes the two decoders of Yjs read differently', () => {
		const valid = oneStruct(item({ kind: 'string', text: 'ok' }));
		const malformed = [
			new Uint8Array(),
			valid.slice(0, -1),
			Uint8Array.of(...valid, 0),
			oneStruct({ kind: 'gc', length: 1, flags: 0x80 }),
			oneStruct({ kind: 'skip', length: 1, flags: 0x20 }),
			oneStruct(item({ kind: 'any', values: [1] }, { parent: { info: 2 } })),
			oneStruct(item({ kind: 'type', typeRef: 7, name: '' })),
			oneStruct(item({ kind: 'json', values: ['{'] })),
			oneStruct(item({ kind: 'doc', guid: 'sub', options: null })),
			Uint8Array.of(1, 1, 7, 0, 11, 0, 0)
		];
		for (const update of malformed) expect(validateUpdate(update)).toBe('malformed');
	});

	it('reads strings as lib0 does: UTF-8 as TextDecoder (fatal) accepts it, in UTF-16 units', () => {
		const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
		const stringItem = (bytes: Uint8Array) => {
			const encoder = encoding.createEncoder();
			for (const value of [1, 1, 7, 0, 4, 1]) encoding.writeVarUint(encoder, value);
			encoding.writeVarString(encoder, 'text');
			encoding.writeVarUint8Array(encoder, bytes);
			encoding.writeVarUint(encoder, 0);
			return encoding.toUint8Array(encoder);
		};
		const edgeBytes = [0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xa0, 0xed, 0x9f, 0xef];
		edgeBytes.push(0xf0, 0x90, 0xf4, 0x8f, 0xf5, 0xff);
		fc.assert(
			fc.property(
				fc.oneof(
					fc.uint8Array({ maxLength: 8 }),
					fc.string({ unit: 'binary', maxLength: 6 }).map((s) => new TextEncoder().encode(s)),
					fc.array(fc.constantFrom(...edgeBytes), { maxLength: 6 }).map((a) => Uint8Array.from(a))
				),
				(bytes) => {
					let text: string | null = null;
					try {
						text = utf8.decode(bytes);
					} catch {
						// not UTF-8
					}
					const expected = text === null ? 'malformed' : text.length === 0 ? 'empty' : null;
					expect(validateUpdate(stringItem(bytes))).toBe(expected);
					if (text !== null && text.length > 0) {
						const doc = new Y.Doc();
						Y.applyUpdate(doc, stringItem(bytes));
						expect(Y.getState(doc.store, 7)).toBe(text.length);
					}
				}
			),
			{ numRuns: 2000, seed: 7 }
		);
	});

	it('accepts every update Yjs writes: edits, whole states, states with pending structs', () => {
		const doc = typicalDoc();
		const updates: Uint8Array[] = [];
		doc.on('update', (update: Uint8Array) => updates.push(update));
		const nested = doc.getMap('map').set('nested', new Y.Map<unknown>());
		nested.set('text', new Y.Text('inner'));
		doc.getXmlFragment('xml').insert(0, [new Y.XmlElement('p'), new Y.XmlText('x')]);
		doc.getArray('list').insert(0, [new Y.Doc({ guid: 'sub' })]);
		doc.getArray('list').delete(1, 2);
		doc.getText('text').insert(3, '\ufeff🙂');
		const states = [
			Y.encodeStateAsUpdate(doc),
			Y.encodeStateAsUpdate(doc, Y.encodeStateVector(typicalDoc()))
		];
		// A document that holds structs whose dependencies it lacks writes them merged in.
		const partial = new Y.Doc();
		Y.applyUpdate(partial, updates.at(-1)!);
		expect(partial.store.pendingStructs).not.toBeNull();
		states.push(Y.encodeStateAsUpdate(partial), Y.mergeUpdates(updates));
		for (const update of [...updates, ...states]) expect(validateUpdate(update)).toBeNull();
		expect(validateUpdate(Uint8Array.of(0, 0))).toBeNull();
	});
});

describe('applyValidUpdate', () => {
	const textItem = (client: number, clock: number, text: string, fields = {}) =>
		oneStruct(
			item({ kind: 'string', text }, { parent: { key: 'text' }, ...fields }),
			client,
			clock
		);

	it('applies nothing of a refused update', () => {
		const doc = typicalDoc();
		const before = Y.encodeStateAsUpdate(doc);
		expect(applyValidUpdate(doc, SEVEN_BYTES)).toBe('empty');
		expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
	});

	it('applies with the origin given, in one transaction', () => {
		const doc = typicalDoc();
		const origins: unknown[] = [];
		doc.on('update', (_update: Uint8Array, origin: unknown) => origins.push(origin));
		expect(applyValidUpdate(doc, textItem(7, 0, 'abc'), 'relay')).toBeNull();
		expect(origins).toEqual(['relay']);
	});

	it('applies only what the document lacks of an item it partly has', () => {
		// Client 7's first clock is a GC struct here; Yjs would integrate 'ab' from its second
		// clock, next to that GC struct, and throw (Item.integrate reads `left.right`).
		const known = encodeRawUpdate({
			clients: [{ client: 7, clock: 0, structs: [{ kind: 'gc', length: 1 }] }],
			deletions: []
		});
		const overlapping = textItem(7, 0, 'ab');
		const plain = new Y.Doc();
		Y.applyUpdate(plain, known);
		expect(() => Y.applyUpdate(plain, overlapping)).toThrow(TypeError);

		const doc = new Y.Doc();
		expect(applyValidUpdate(doc, known)).toBeNull();
		expect(applyValidUpdate(doc, overlapping)).toBeNull();
		expect(Y.getState(doc.store, 7)).toBe(2);
		expectLoadable(doc);
	});

	it('retries structs waiting for a dependency from where the document lacks them', () => {
		// 'hello' (client 10, clocks 5–9) waits for its parent, client 20's first item. Meanwhile
		// clocks 0–6 of client 10 arrive, ending with a GC struct. Once the parent comes, Yjs would
		// retry 'hello' from clock 5, next to that GC struct, and throw.
		const waiting = textItem(10, 5, 'hello', { parent: { id: { client: 20, clock: 0 } } });
		const before = encodeRawUpdate({
			clients: [
				{
					client: 10,
					clock: 0,
					structs: [item({ kind: 'string', text: 'abcde' }), { kind: 'gc', length: 2 }]
				}
			],
			deletions: []
		});
		const parent = oneStruct(item({ kind: 'type', typeRef: 0, name: '' }), 20);
		const plain = new Y.Doc();
		Y.applyUpdate(plain, waiting);
		Y.applyUpdate(plain, before);
		expect(() => Y.applyUpdate(plain, parent)).toThrow(TypeError);

		const doc = new Y.Doc();
		for (const update of [waiting, before, parent]) {
			expect(applyValidUpdate(doc, update)).toBeNull();
		}
		expect(Y.getState(doc.store, 10)).toBe(10);
		expect(doc.store.pendingStructs).toBeNull();
		expectLoadable(doc);
	});

	it('drops a waiting struct once another version of its clocks is integrated', () => {
		// Two versions of client 1's first clock: one waits for client 2, the other integrates.
		// Encoding merges the waiting one over the integrated one, and the next load loses both.
		const waiting = oneStruct(
			item({ kind: 'any', values: ['waits'] }, { rightOrigin: { client: 2, clock: 0 } }),
			1
		);
		const other = encodeRawUpdate({
			clients: [
				{
					client: 2,
					clock: 0,
					structs: [item({ kind: 'any', values: [2] }, { rightOrigin: { client: 1, clock: 1 } })]
				},
				{ client: 1, clock: 0, structs: [item({ kind: 'any', values: ['integrates'] })] }
			],
			deletions: []
		});
		const plain = new Y.Doc();
		Y.applyUpdate(plain, waiting);
		Y.applyUpdate(plain, other);
		expect(() => expectLoadable(plain)).toThrow('loading lost clocks of client 1');

		const doc = new Y.Doc();
		expect(applyValidUpdate(doc, waiting)).toBeNull();
		expect(applyValidUpdate(doc, other)).toBeNull();
		expectLoadable(doc);
	});
});

describe('stored updates', () => {
	/** What a relay or device compacted, unvalidated, after taking in `poison`. */
	function poisonedState(poison: Uint8Array): { clean: Y.Doc; state: Uint8Array } {
		const clean = typicalDoc();
		const poisoned = new Y.Doc();
		Y.applyUpdate(poisoned, Y.encodeStateAsUpdate(clean));
		Y.applyUpdate(poisoned, poison);
		return { clean, state: Y.encodeStateAsUpdate(poisoned) };
	}

	it('repairs a state compacted after the seven bytes or an empty string, losing nothing', () => {
		const emptyString = oneStruct(item({ kind: 'string', text: '' }, { parent: { key: 'text' } }));
		for (const poison of [SEVEN_BYTES, emptyString]) {
			const { clean, state } = poisonedState(poison);
			expect(validateUpdate(state)).toBe('empty');
			const repaired = repairUpdate(state)!;
			expect(validateUpdate(repaired)).toBeNull();
			const doc = new Y.Doc();
			Y.applyUpdate(doc, repaired);
			expectLoadable(doc);
			expect(doc.getText('text').toDelta()).toEqual(clean.getText('text').toDelta());
			expect(doc.getMap('map').toJSON()).toEqual(clean.getMap('map').toJSON());
		}
		expect(repairUpdate(SEVEN_BYTES)).toEqual(Uint8Array.of(0, 0));
	});

	it('repairs nothing but empty shapes', () => {
		const forward = oneStruct(
			item({ kind: 'any', values: [1] }, { origin: { client: 7, clock: 3 } })
		);
		expect(repairUpdate(forward)).toBeNull();
		expect(repairUpdate(Uint8Array.of(...SEVEN_BYTES, 0))).toBeNull();
		const valid = Y.encodeStateAsUpdate(typicalDoc());
		expect(repairUpdate(valid)).toEqual(valid);
	});

	it('applies stored updates as they are, repaired, or not at all, and never throws', () => {
		const { clean, state } = poisonedState(SEVEN_BYTES);
		const doc = new Y.Doc();
		expect(applyStoredUpdate(doc, state)).toEqual({ kind: 'repaired', problem: 'empty' });
		const later = new Y.Doc();
		Y.applyUpdate(later, Y.encodeStateAsUpdate(clean));
		const before = Y.encodeStateVector(later);
		later.getArray('list').push(['later']);
		expect(applyStoredUpdate(doc, Y.encodeStateAsUpdate(later, before))).toEqual({
			kind: 'applied'
		});
		const forward = oneStruct(
			item({ kind: 'any', values: [1] }, { origin: { client: 7, clock: 3 } })
		);
		expect(applyStoredUpdate(doc, forward)).toEqual({ kind: 'skipped', problem: 'self-reference' });
		expect(doc.getArray('list').toArray()).toEqual([...clean.getArray('list').toArray(), 'later']);
		expectLoadable(doc);
	});
});
