/**
 * A structure-aware fuzzer of Yjs updates: fast-check arbitraries of steps that a relay's
 * document goes through — real edits of two peers, their syncs, real updates mutated field by
 * field or byte by byte, and updates forged field by field against the document's current
 * state — and the check that a document still encodes and loads.
 */
import fc from 'fast-check';
import * as Y from 'yjs';
import {
	decodeRawUpdate,
	DeepArray,
	encodeRawUpdate,
	type RawContent,
	type RawId,
	type RawStruct,
	type RawUpdate
} from './raw-update';

/** Root type names the peers edit, and one they never use. */
const ROOTS = ['text', 'list', 'map', 'stray'] as const;
/** Map keys and parentSubs. */
const KEYS = ['a', 'b', 'c'] as const;
/** Client ids forged updates pick from, besides those the document knows. */
const FORGED_CLIENTS = [1, 2, 3, 99, 0xffff_ffff, 2 ** 32, 2 ** 53 + 2] as const;

/** A small number that indexes or offsets into whatever the document holds when it runs. */
const pick = fc.nat({ max: 1000 });

// ---------------------------------------------------------------------------------------------
// Values

/** Deeper than any validation limit we would pick, shallower than a stack. */
const MAX_TEST_NESTING = 300;

/** Values as ContentAny carries them, with the unusual ones weighted up. */
const anyValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
	value: fc.oneof(
		{ depthSize: 'small', withCrossShrink: true },
		fc.constantFrom(undefined, null, true, false, 0, -0, NaN, Infinity, 2 ** 31, -(2 ** 40), 0.5),
		fc.integer(),
		fc.double(),
		fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
		fc.string({ maxLength: 6, unit: 'grapheme' }),
		fc.uint8Array({ maxLength: 4 }),
		fc.array(tie('value'), { maxLength: 3 }),
		fc.dictionary(fc.constantFrom('x', 'y', '__proto__', 'constructor'), tie('value'), {
			maxKeys: 2
		}),
		fc.constantFrom(
			protoObject(new Uint8Array([1])),
			protoObject([1, 2]),
			protoObject({ polluted: true }),
			protoObject(5),
			nested(MAX_TEST_NESTING, []),
			nested(MAX_TEST_NESTING, {}),
			new DeepArray(20_000)
		)
	)
})).value;

/** An object whose own key `__proto__` holds `value` (a literal would set the prototype). */
function protoObject(value: unknown): Record<string, unknown> {
	const object: Record<string, unknown> = {};
	Object.defineProperty(object, '__proto__', { value, enumerable: true });
	return object;
}

/** `levels` arrays or objects nested in each other around `inner`. */
function nested(levels: number, shape: [] | object): unknown {
	let value: unknown = 1;
	for (let i = 0; i < levels; i++) value = Array.isArray(shape) ? [value] : { x: value };
	return value;
}

const jsonText = fc.oneof(
	fc.json({ maxDepth: 2 }),
	fc.constantFrom('{', 'undefined', '"\\', '[]', '{"__proto__":{"a":1}}'),
	fc.constant('['.repeat(MAX_TEST_NESTING) + ']'.repeat(MAX_TEST_NESTING)),
	fc.constant('['.repeat(5_000) + ']'.repeat(5_000))
);

const text = fc.oneof(
	fc.string({ minLength: 1, maxLength: 5, unit: 'grapheme' }),
	fc.constantFrom('', '😀', 'a😀b', '\ufeff', '\ufeffx')
);

/** Item content of any kind; lengths are mostly positive. */
const content: fc.Arbitrary<RawContent> = fc.oneof(
	fc.record({ kind: fc.constant('deleted' as const), length: fc.nat({ max: 3 }) }),
	fc.record({ kind: fc.constant('json' as const), values: fc.array(jsonText, { maxLength: 2 }) }),
	fc.record({ kind: fc.constant('binary' as const), bytes: fc.uint8Array({ maxLength: 3 }) }),
	fc.record({ kind: fc.constant('string' as const), text }),
	fc.record({ kind: fc.constant('embed' as const), json: jsonText }),
	fc.record({
		kind: fc.constant('format' as const),
		key: fc.constantFrom('bold', 'x'),
		json: jsonText
	}),
	fc.record({
		kind: fc.constant('type' as const),
		typeRef: fc.nat({ max: 8 }),
		name: fc.constantFrom('p', 'hook')
	}),
	fc.record({
		kind: fc.constant('any' as const),
		values: fc.array(anyValue, { minLength: 0, maxLength: 3 })
	}),
	fc.record({
		kind: fc.constant('doc' as const),
		guid: fc.constantFrom('sub', 'other'),
		options: fc.oneof(
			fc.constant({}),
			fc.constant({ gc: false }),
			fc.constant({ gcFilter: 5, guid: 'x' }),
			anyValue
		)
	})
);

// ---------------------------------------------------------------------------------------------
// Forged updates: picks resolved against the document's state when the step runs

interface IdPick {
	client: number;
	/** Added to the client's state, less 3, floored at 0: mostly refers to what exists. */
	clock: number;
	/** Refer to a clock far beyond any state. */
	far: boolean;
}

const idPick: fc.Arbitrary<IdPick> = fc.record({
	client: pick,
	clock: fc.nat({ max: 8 }),
	far: fc.boolean()
});

interface StructPick {
	kind: 'gc' | 'skip' | 'item';
	length: number;
	origin: IdPick | null;
	rightOrigin: IdPick | null;
	parent: { key: string } | { id: IdPick } | { info: number };
	parentSub: string | null;
	content: RawContent;
}

const structPick: fc.Arbitrary<StructPick> = fc.record({
	kind: fc.constantFrom('gc', 'skip', 'item', 'item', 'item'),
	length: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constantFrom(0, 2 ** 32, 2 ** 53)),
	origin: fc.option(idPick),
	rightOrigin: fc.option(idPick),
	parent: fc.oneof(
		fc.record({ key: fc.constantFrom(...ROOTS) }),
		fc.record({ id: idPick }),
		fc.record({ info: fc.constantFrom(2, 7) })
	),
	parentSub: fc.option(fc.constantFrom(...KEYS)),
	content
});

interface ForgePick {
	blocks: { client: number; clock: number; structs: StructPick[] }[];
	deletions: { client: number; ranges: { clock: number; length: number }[]; sorted: boolean }[];
}

const forgePick: fc.Arbitrary<ForgePick> = fc.record({
	blocks: fc.array(
		fc.record({
			client: pick,
			clock: fc.nat({ max: 4 }),
			structs: fc.array(structPick, { minLength: 1, maxLength: 3 })
		}),
		{ maxLength: 2 }
	),
	deletions: fc.array(
		fc.record({
			client: pick,
			ranges: fc.array(fc.record({ clock: fc.nat({ max: 12 }), length: fc.nat({ max: 4 }) }), {
				minLength: 1,
				maxLength: 3
			}),
			sorted: fc.boolean()
		}),
		{ maxLength: 2 }
	)
});

/** The clients a forged update picks from: those the document knows, and some it does not. */
function clientsOf(doc: Y.Doc): number[] {
	return [...new Set([...doc.store.clients.keys(), ...FORGED_CLIENTS])];
}

function stateOf(doc: Y.Doc, client: number): number {
	return Y.getState(doc.store, client);
}

function resolveId(doc: Y.Doc, id: IdPick): RawId {
	const clients = clientsOf(doc);
	const client = clients[id.client % clients.length]!;
	const clock = id.far ? 2 ** 31 + id.clock : Math.max(0, stateOf(doc, client) + id.clock - 3);
	return { client, clock };
}

/** Turns picks into an update against `doc` as it is now. */
function forge(doc: Y.Doc, forged: ForgePick): RawUpdate {
	const clients = clientsOf(doc);
	return {
		clients: forged.blocks.map((block) => {
			const client = clients[block.client % clients.length]!;
			const clock = Math.max(0, stateOf(doc, client) + block.clock - 2);
			const structs = block.structs.map((struct): RawStruct => {
				if (struct.kind !== 'item') return { kind: struct.kind, length: struct.length };
				return {
					kind: 'item',
					origin: struct.origin && resolveId(doc, struct.origin),
					rightOrigin: struct.rightOrigin && resolveId(doc, struct.rightOrigin),
					parent: 'id' in struct.parent ? { id: resolveId(doc, struct.parent.id) } : struct.parent,
					parentSub: struct.parentSub,
					content: struct.content
				};
			});
			return { client, clock, structs };
		}),
		deletions: forged.deletions.map((deletion) => {
			const client = clients[deletion.client % clients.length]!;
			const state = stateOf(doc, client);
			const ranges = deletion.ranges.map((range): [number, number] => [
				Math.max(0, state + range.clock - 8),
				range.length
			]);
			if (deletion.sorted) ranges.sort((a, b) => a[0] - b[0]);
			return { client, ranges };
		})
	};
}

// ---------------------------------------------------------------------------------------------
// Mutations of real updates

type Mutation =
	| { kind: 'struct-length'; at: number; length: number }
	| { kind: 'struct-kind'; at: number; to: 'gc' | 'skip' }
	| { kind: 'content'; at: number; content: RawContent }
	| { kind: 'reference'; at: number; which: 'origin' | 'rightOrigin' | 'parent'; to: IdPick }
	| { kind: 'drop-origins'; at: number; parent: string }
	| { kind: 'parent-sub'; at: number; parentSub: string | null }
	| { kind: 'block-clock'; at: number; delta: number }
	| { kind: 'block-client'; at: number; client: number }
	| { kind: 'drop-struct'; at: number }
	| { kind: 'duplicate-block'; at: number }
	| { kind: 'deletion'; at: number; clock: number; length: number }
	| { kind: 'reverse-deletions'; at: number }
	| { kind: 'duplicate-deletions'; at: number }
	| { kind: 'byte'; at: number; value: number }
	| { kind: 'truncate'; at: number }
	| { kind: 'append'; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
	fc.record({
		kind: fc.constant('struct-length' as const),
		at: pick,
		length: fc.constantFrom(0, 1, 2, 2 ** 32, 2 ** 53)
	}),
	fc.record({
		kind: fc.constant('struct-kind' as const),
		at: pick,
		to: fc.constantFrom('gc', 'skip')
	}),
	fc.record({ kind: fc.constant('content' as const), at: pick, content }),
	fc.record({
		kind: fc.constant('reference' as const),
		at: pick,
		which: fc.constantFrom('origin', 'rightOrigin', 'parent'),
		to: idPick
	}),
	fc.record({
		kind: fc.constant('drop-origins' as const),
		at: pick,
		parent: fc.constantFrom(...ROOTS)
	}),
	fc.record({
		kind: fc.constant('parent-sub' as const),
		at: pick,
		parentSub: fc.option(fc.constantFrom(...KEYS))
	}),
	fc.record({
		kind: fc.constant('block-clock' as const),
		at: pick,
		delta: fc.integer({ min: -3, max: 3 })
	}),
	fc.record({ kind: fc.constant('block-client' as const), at: pick, client: pick }),
	fc.record({ kind: fc.constant('drop-struct' as const), at: pick }),
	fc.record({ kind: fc.constant('duplicate-block' as const), at: pick }),
	fc.record({
		kind: fc.constant('deletion' as const),
		at: pick,
		clock: fc.integer({ min: -3, max: 3 }),
		length: fc.constantFrom(0, 1, 3, 2 ** 32)
	}),
	fc.record({ kind: fc.constant('reverse-deletions' as const), at: pick }),
	fc.record({ kind: fc.constant('duplicate-deletions' as const), at: pick }),
	fc.record({ kind: fc.constant('byte' as const), at: pick, value: fc.nat({ max: 255 }) }),
	fc.record({ kind: fc.constant('truncate' as const), at: pick }),
	fc.record({ kind: fc.constant('append' as const), value: fc.nat({ max: 255 }) })
);

/** The structs of an update with the block each belongs to. */
function structsOf(update: RawUpdate): { block: number; index: number }[] {
	return update.clients.flatMap((block, b) =>
		block.structs.map((_, index) => ({ block: b, index }))
	);
}

/** `update` changed by `change`, or null when it has nothing the mutation applies to. */
function mutate(doc: Y.Doc, update: Uint8Array, change: Mutation): Uint8Array | null {
	switch (change.kind) {
		case 'byte': {
			if (update.length === 0) return null;
			const copy = update.slice();
			copy[change.at % copy.length] = change.value;
			return copy;
		}
		case 'truncate':
			return update.length === 0 ? null : update.slice(0, change.at % update.length);
		case 'append':
			return Uint8Array.of(...update, change.value);
		default:
			break;
	}
	const raw = decodeRawUpdate(update);
	const all = structsOf(raw);
	const at = all.length === 0 ? null : all[change.at % all.length]!;
	const struct = at && raw.clients[at.block]!.structs[at.index]!;
	const block = raw.clients.length === 0 ? null : raw.clients[change.at % raw.clients.length]!;
	const deletions =
		raw.deletions.length === 0 ? null : raw.deletions[change.at % raw.deletions.length]!;
	switch (change.kind) {
		case 'struct-length':
			if (struct === null || !setLength(struct, change.length)) return null;
			break;
		case 'struct-kind':
			if (struct === null || at === null) return null;
			raw.clients[at.block]!.structs[at.index] = { kind: change.to, length: lengthOf(struct) };
			break;
		case 'content':
			if (struct?.kind !== 'item') return null;
			struct.content = change.content;
			break;
		case 'reference': {
			if (struct?.kind !== 'item') return null;
			const id = resolveId(doc, change.to);
			if (change.which === 'parent') {
				if (struct.origin !== null || struct.rightOrigin !== null) return null;
				struct.parent = { id };
			} else {
				struct[change.which] = id;
			}
			break;
		}
		case 'drop-origins':
			if (struct?.kind !== 'item') return null;
			struct.origin = null;
			struct.rightOrigin = null;
			struct.parent = { key: change.parent };
			break;
		case 'parent-sub':
			if (struct?.kind !== 'item') return null;
			struct.parentSub = change.parentSub;
			break;
		case 'block-clock':
			if (block === null) return null;
			block.clock = Math.max(0, block.clock + change.delta);
			break;
		case 'block-client': {
			if (block === null) return null;
			const clients = clientsOf(doc);
			block.client = clients[change.client % clients.length]!;
			break;
		}
		case 'drop-struct':
			if (at === null) return null;
			raw.clients[at.block]!.structs.splice(at.index, 1);
			break;
		case 'duplicate-block':
			if (block === null) return null;
			raw.clients.push(structuredClone(block));
			break;
		case 'deletion': {
			if (deletions === null || deletions.ranges.length === 0) return null;
			const range = deletions.ranges[change.at % deletions.ranges.length]!;
			range[0] = Math.max(0, range[0] + change.clock);
			range[1] = change.length;
			break;
		}
		case 'reverse-deletions':
			if (deletions === null || deletions.ranges.length < 2) return null;
			deletions.ranges.reverse();
			break;
		case 'duplicate-deletions':
			if (deletions === null) return null;
			raw.deletions.push(structuredClone(deletions));
			break;
	}
	return encodeRawUpdate(raw);
}

/** Gives `struct` (a string or list at most 3 long) `length`; false if its length is fixed. */
function setLength(struct: RawStruct, length: number): boolean {
	if (struct.kind !== 'item') {
		struct.length = length;
		return true;
	}
	const content = struct.content;
	switch (content.kind) {
		case 'deleted':
			content.length = length;
			return true;
		case 'string':
			content.text = 'x'.repeat(Math.min(length, 3));
			return true;
		case 'any':
		case 'json':
			content.values = content.values.slice(0, length);
			return true;
		default:
			return false;
	}
}

function lengthOf(struct: RawStruct): number {
	if (struct.kind !== 'item') return struct.length;
	const c = struct.content;
	switch (c.kind) {
		case 'deleted':
			return c.length;
		case 'string':
			return c.text.length;
		case 'any':
		case 'json':
			return c.values.length;
		default:
			return 1;
	}
}

// ---------------------------------------------------------------------------------------------
// Real edits

type Edit =
	| { kind: 'insert-text'; at: number; text: string }
	| { kind: 'delete-text'; at: number; length: number }
	| { kind: 'format-text'; at: number; length: number }
	| { kind: 'push'; values: unknown[] }
	| { kind: 'delete-list'; at: number; length: number }
	| { kind: 'set'; key: string; value: unknown }
	| { kind: 'set-type'; key: string; type: 'map' | 'array' | 'text' | 'xml' }
	| { kind: 'delete-key'; key: string }
	| { kind: 'nested'; key: string; text: string };

const plainValue = fc.oneof(
	fc.integer(),
	fc.string({ maxLength: 4 }),
	fc.boolean(),
	fc.constant(null)
);

const edit: fc.Arbitrary<Edit> = fc.oneof(
	fc.record({
		kind: fc.constant('insert-text' as const),
		at: pick,
		text: fc.string({ minLength: 1, maxLength: 6, unit: 'grapheme' })
	}),
	fc.record({
		kind: fc.constant('delete-text' as const),
		at: pick,
		length: fc.integer({ min: 1, max: 4 })
	}),
	fc.record({
		kind: fc.constant('format-text' as const),
		at: pick,
		length: fc.integer({ min: 1, max: 4 })
	}),
	fc.record({
		kind: fc.constant('push' as const),
		values: fc.array(plainValue, { minLength: 1, maxLength: 3 })
	}),
	fc.record({
		kind: fc.constant('delete-list' as const),
		at: pick,
		length: fc.integer({ min: 1, max: 3 })
	}),
	fc.record({
		kind: fc.constant('set' as const),
		key: fc.constantFrom(...KEYS),
		value: plainValue
	}),
	fc.record({
		kind: fc.constant('set-type' as const),
		key: fc.constantFrom(...KEYS),
		type: fc.constantFrom('map', 'array', 'text', 'xml')
	}),
	fc.record({ kind: fc.constant('delete-key' as const), key: fc.constantFrom(...KEYS) }),
	fc.record({
		kind: fc.constant('nested' as const),
		key: fc.constantFrom(...KEYS),
		text: fc.string({ minLength: 1, maxLength: 3 })
	})
);

/** Makes `change` on `doc` as an app would, in one transaction. */
function applyEdit(doc: Y.Doc, change: Edit): void {
	const text = doc.getText('text');
	const list = doc.getArray<unknown>('list');
	const map = doc.getMap<unknown>('map');
	doc.transact(() => {
		switch (change.kind) {
			case 'insert-text':
				text.insert(change.at % (text.length + 1), change.text);
				break;
			case 'delete-text':
			case 'format-text': {
				if (text.length === 0) break;
				const at = change.at % text.length;
				const length = Math.min(change.length, text.length - at);
				if (change.kind === 'delete-text') text.delete(at, length);
				else text.format(at, length, { bold: true });
				break;
			}
			case 'push':
				list.push(change.values);
				break;
			case 'delete-list': {
				if (list.length === 0) break;
				const at = change.at % list.length;
				list.delete(at, Math.min(change.length, list.length - at));
				break;
			}
			case 'set':
				map.set(change.key, change.value);
				break;
			case 'set-type':
				map.set(
					change.key,
					change.type === 'map'
						? new Y.Map()
						: change.type === 'array'
							? new Y.Array()
							: change.type === 'text'
								? new Y.Text('t')
								: new Y.XmlElement('p')
				);
				break;
			case 'delete-key':
				map.delete(change.key);
				break;
			case 'nested': {
				const inner = map.get(change.key);
				if (inner instanceof Y.Map) inner.set('n', change.text);
				else if (inner instanceof Y.Array) inner.push([change.text]);
				else if (inner instanceof Y.Text) inner.insert(0, change.text);
				else if (inner instanceof Y.XmlElement) inner.insert(0, [new Y.XmlText(change.text)]);
				break;
			}
		}
	});
}

// ---------------------------------------------------------------------------------------------
// Steps

export type Step =
	| { kind: 'edit'; peer: number; edit: Edit }
	| { kind: 'sync'; peer: number }
	| { kind: 'mutate'; source: 'last' | 'state'; mutations: Mutation[] }
	| { kind: 'forge'; forge: ForgePick };

export const step: fc.Arbitrary<Step> = fc.oneof(
	{
		arbitrary: fc.record({ kind: fc.constant('edit' as const), peer: fc.nat({ max: 1 }), edit }),
		weight: 4
	},
	{
		arbitrary: fc.record({ kind: fc.constant('sync' as const), peer: fc.nat({ max: 1 }) }),
		weight: 1
	},
	{
		arbitrary: fc.record({
			kind: fc.constant('mutate' as const),
			source: fc.constantFrom('last', 'state'),
			mutations: fc.array(mutation, { minLength: 1, maxLength: 2 })
		}),
		weight: 3
	},
	{ arbitrary: fc.record({ kind: fc.constant('forge' as const), forge: forgePick }), weight: 3 }
);

/** What the fuzzer saw, for its report. */
export interface FuzzCounts {
	real: number;
	accepted: number;
	refused: number;
}

/** Where candidate updates go: the relay, a guarded client, or a bare document. */
export interface UpdateSink {
	/** The document the updates end in. */
	readonly doc: Y.Doc;
	/** Offers a foreign update; returns whether it was accepted (and applied). */
	offer(update: Uint8Array): boolean;
}

/**
 * Runs `steps`: two peers (client ids 1 and 2) edit and sync with `sink`, and mutated and forged
 * updates are offered to it. Real updates must be accepted. Calls `check` after every step.
 */
export function runSteps(
	sink: UpdateSink,
	steps: readonly Step[],
	check: () => void,
	counts: FuzzCounts
): void {
	const peers = [1, 2].map((clientID) => {
		const doc = new Y.Doc();
		doc.clientID = clientID;
		return doc;
	});
	let last: Uint8Array | null = null;
	const deliverReal = (update: Uint8Array) => {
		counts.real++;
		last = update;
		if (!sink.offer(update)) throw new Error('a real update was refused');
	};
	for (const current of steps) {
		switch (current.kind) {
			case 'edit': {
				const peer = peers[current.peer]!;
				const before = Y.encodeStateVector(peer);
				applyEdit(peer, current.edit);
				deliverReal(Y.encodeStateAsUpdate(peer, before));
				break;
			}
			case 'sync': {
				const peer = peers[current.peer]!;
				deliverReal(Y.encodeStateAsUpdate(peer, Y.encodeStateVector(sink.doc)));
				// What the sink sends back is real too, whatever it accepted before. Structs of the
				// peer's own client (forged ones) are left out: Yjs would give the peer a random
				// client id, and a failing run would no longer replay from its seed.
				const known = Y.decodeStateVector(Y.encodeStateVector(peer));
				known.set(peer.clientID, Number.MAX_SAFE_INTEGER);
				Y.applyUpdate(peer, Y.encodeStateAsUpdate(sink.doc, Y.encodeStateVector(known)));
				break;
			}
			case 'mutate': {
				let update: Uint8Array | null =
					current.source === 'state' || last === null ? Y.encodeStateAsUpdate(sink.doc) : last;
				for (const change of current.mutations) {
					if (update === null) break;
					try {
						update = mutate(sink.doc, update, change);
					} catch {
						// The previous mutation made it undecodable for our own decoder; offer that.
						break;
					}
				}
				if (update !== null) offerForeign(sink, update, counts);
				break;
			}
			case 'forge':
				offerForeign(sink, encodeRawUpdate(forge(sink.doc, current.forge)), counts);
				break;
		}
		check();
	}
}

function offerForeign(sink: UpdateSink, update: Uint8Array, counts: FuzzCounts): void {
	if (sink.offer(update)) counts.accepted++;
	else counts.refused++;
}

/**
 * Throws unless `doc` encodes, its encoding loads into a fresh document without losing a clock
 * `doc` has integrated, and that one encodes and loads again with the same clocks and the same
 * contents: what a relay's compaction and every later load do.
 *
 * Loading may integrate more than `doc` did: Yjs retries a pending struct only once the clock it
 * waits for arrives, and a fresh load integrates one that has become applicable another way.
 * Contents are compared as multisets per type: an item whose right origin does not lie to the
 * right of its origin (which only a forged update has) may land elsewhere after a reload, since
 * where Yjs puts it then depends on how the items around it happen to be split.
 */
export function expectLoadable(doc: Y.Doc): void {
	const loaded = new Y.Doc();
	Y.applyUpdate(loaded, Y.encodeStateAsUpdate(doc));
	const reloaded = new Y.Doc();
	Y.applyUpdate(reloaded, Y.encodeStateAsUpdate(loaded));
	for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(doc))) {
		const after = Y.getState(loaded.store, client);
		if (after < clock) {
			throw new Error(`loading lost clocks of client ${client}: ${clock} before, ${after} after`);
		}
	}
	const [first, second] = [loaded, reloaded].map(documentContents);
	if (first !== second) throw new Error(`a reloaded document differs:\n${first}\n${second}`);
	loaded.destroy();
	reloaded.destroy();
}

const stringify = (value: unknown) =>
	JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

/** What a document holds, as text: its state vector and what each root type holds. */
export function documentContents(doc: Y.Doc): string {
	return stringify({
		stateVector: [...Y.decodeStateVector(Y.encodeStateVector(doc))].sort((a, b) => a[0] - b[0]),
		pending: doc.store.pendingStructs !== null,
		roots: [...doc.share]
			.sort(([a], [b]) => (a < b ? -1 : 1))
			.map(([name, type]) => [name, dump(type)])
	});
}

/** A type's visible sequence (sorted) and map entries, however split into items. */
function dump(value: unknown): unknown {
	if (value instanceof Y.Doc) return { subdoc: value.guid };
	if (!(value instanceof Y.AbstractType)) return value;
	const type = value as Y.AbstractType<unknown>;
	const sequence: string[] = [];
	for (let item = type._start; item !== null; item = item.right) {
		if (!item.deleted) sequence.push(...item.content.getContent().map((c) => stringify(dump(c))));
	}
	sequence.sort();
	const entries = [...type._map]
		.filter(([, item]) => !item.deleted)
		.sort(([a], [b]) => (a < b ? -1 : 1))
		.map(([key, item]) => [key, dump(item.content.getContent().at(-1))]);
	return { sequence, entries };
}
