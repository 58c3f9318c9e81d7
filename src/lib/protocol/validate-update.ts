/**
 * Which Yjs updates (v1 encoding, as y-websocket, y-indexeddb and the relay carry them) may reach
 * a document, and applying them so that the document still encodes and loads. Imports only yjs
 * and lib0, so the relay and the app run the same code.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/** Why an update is refused; `null` from {@link validateUpdate} means it may be applied. */
export type UpdateProblem =
	/** Truncated, trailing bytes, an unknown struct, content or type kind, bad UTF-8 or JSON. */
	| 'malformed'
	/** A struct, item content or deletion covering no clock at all. */
	| 'empty'
	/** A client id, clock or clock + length beyond 2^32 − 1. */
	| 'out-of-range'
	/** One client twice among the structs or among the deletions. */
	| 'repeated-client'
	/** An item naming its own client at a clock that is not before its own. */
	| 'self-reference'
	/** A client's deletions not in ascending order or overlapping. */
	| 'unordered-deletions'
	/** A value nested deeper than MAX_NESTING, or an object key `__proto__`. */
	| 'unsafe-value';

/*
 * Why these checks, and why they are enough (Yjs 13.6, node_modules/yjs/src).
 *
 * Yjs is built to integrate whatever a peer sends: a struct whose dependencies are missing waits
 * in `store.pendingStructs`, deletions of clocks not known yet wait in `store.pendingDs`, and an
 * item whose parent or neighbour was garbage-collected becomes a GC struct. What breaks it are
 * shapes none of its encoders ever writes, because its algorithms rely on their absence:
 *
 * - Length 0. Clocks are ranges: the binary search `findIndexSS` cannot land on a struct of
 *   length 0, and a deleted one becomes a delete-set entry of length 0, which `DSEncoderV2`
 *   refuses (`unexpectedCase`) when the next load parks it in `pendingDs`. A deletion of length 0
 *   beyond the known clocks does the same at once.
 * - Deletions out of order. `DSEncoderV2` writes each clock as the distance from the end of the
 *   previous range, unsigned: a range before or inside the previous one turns the deletions Yjs
 *   parks for later into others. Yjs sorts and merges every delete set it writes, so each client
 *   appears once, with ascending, disjoint ranges.
 * - An item referring to its own client at or after its own clock. `getMissing` takes every
 *   earlier clock of the item's own client as integrated, so Yjs looks such an origin up and
 *   throws halfway through the transaction. Every item Yjs writes refers to its own client only
 *   backwards: its origin, right origin and parent existed before it.
 * - Numbers beyond uint32. Client ids are random uint32s, and a clock counts the units one client
 *   created: 2^32 of them is gigabytes of edits from one session. lib0 decodes numbers above 2^53
 *   inexactly, and Yjs keeps pending structs in the v2 encoding, which stores differences of
 *   clocks doubled: those are exact only while clocks stay far below 2^52.
 * - Values that are not written back as they were read. lib0's `readAny` builds objects by
 *   assignment, so a key `__proto__` replaces the object's prototype (a Uint8Array one makes
 *   `writeAny` throw); and nested values are read and written recursively (`readAny`,
 *   `writeAny`, `JSON.stringify`): what one engine reads may overflow another's stack, or the
 *   encoder's.
 * - Anything that does not decode, trailing bytes, and flag bits on GC and skip structs, which
 *   the two decoders of Yjs (`readClientsStructRefs`, `LazyStructReader`) read differently.
 *
 * Two failures depend on the document rather than on the update, and `applyValidUpdate` avoids
 * them: an item that starts before the clocks the document has is cut to what it lacks, and the
 * document's pending structs are retried the same way (see `integratePending`). Everything else
 * in an update that passes is a shape Yjs writes itself, and integrates as it integrates any
 * peer's update. The property test `validate-update.fuzz.spec.ts` applies sequences of real,
 * mutated and forged updates this way and checks that every document still encodes and loads.
 */

/** Client ids, clocks and clock + length must not exceed this (uint32). */
export const MAX_CLOCK = 0xffff_ffff;
/** Deepest nesting of arrays and objects in a value (ContentAny, JSON contents, subdoc options). */
export const MAX_NESTING = 256;

/** Thrown inside the walk; turned into the returned problem. */
class Refusal {
	constructor(readonly problem: UpdateProblem) {}
}

const refuse = (problem: UpdateProblem): never => {
	throw new Refusal(problem);
};

const BIT6 = 0b0010_0000;
const BIT7 = 0b0100_0000;
const BIT8 = 0b1000_0000;
const BITS5 = 0b0001_1111;

const GC = 0;
const SKIP = 10;
const CONTENT_DELETED = 1;
const CONTENT_JSON = 2;
const CONTENT_BINARY = 3;
const CONTENT_STRING = 4;
const CONTENT_EMBED = 5;
const CONTENT_FORMAT = 6;
const CONTENT_TYPE = 7;
const CONTENT_ANY = 8;
const CONTENT_DOC = 9;

/** YXmlElement and YXmlHook carry a name; the other type refs (0–6) nothing. */
const TYPE_XML_ELEMENT = 3;
const TYPE_XML_HOOK = 5;
const LAST_TYPE_REF = 6;

/** lib0 `writeAny` tags, 127 down to 116. */
const ANY_UNDEFINED = 127;
const ANY_NULL = 126;
const ANY_INTEGER = 125;
const ANY_FLOAT32 = 124;
const ANY_FLOAT64 = 123;
const ANY_BIGINT = 122;
const ANY_FALSE = 121;
const ANY_TRUE = 120;
const ANY_STRING = 119;
const ANY_OBJECT = 118;
const ANY_ARRAY = 117;
const ANY_BYTES = 116;

/**
 * Checks a Yjs v1 update before it is applied, stored or passed on: null when it may be applied
 * (with {@link applyValidUpdate}), the problem otherwise. One pass over the bytes, without
 * building structs or applying anything.
 */
export function validateUpdate(update: Uint8Array): UpdateProblem | null {
	return walkUpdate(update, CHECK_ONLY);
}

/**
 * Validates `update` and, when it is valid, applies it to `doc` in one transaction with `origin`
 * so that `doc` still encodes and loads; returns the problem and applies nothing otherwise.
 */
export function applyValidUpdate(
	doc: Y.Doc,
	update: Uint8Array,
	origin?: unknown
): UpdateProblem | null {
	let overlaps = false;
	const problem = walkUpdate(update, {
		...CHECK_ONLY,
		block(client, clock) {
			overlaps ||= clock < Y.getState(doc.store, client);
		}
	});
	if (problem !== null) return problem;
	Y.transact(
		doc,
		() => {
			const held = takePending(doc);
			Y.applyUpdate(doc, overlaps ? Y.diffUpdate(update, Y.encodeStateVector(doc)) : update);
			integratePending(doc, held);
		},
		origin,
		false
	);
	return null;
}

/**
 * `update` without its structs, contents and deletions of length 0, or null when it has other
 * problems. Yjs's own encoder writes those empty shapes for a document that took one in, so they
 * are what a relay or device stored before updates were validated; they cover no clock, so
 * dropping them loses nothing.
 */
export function repairUpdate(update: Uint8Array): Uint8Array | null {
	const blocks: { client: number; clock: number; structs: Uint8Array[] }[] = [];
	const deletions = new Map<number, [number, number][]>();
	const problem = walkUpdate(update, {
		keepEmpty: true,
		block: (client, clock) => blocks.push({ client, clock, structs: [] }),
		struct(start, end, length) {
			if (length > 0) blocks.at(-1)?.structs.push(update.subarray(start, end));
		},
		deletion(client, clock, length) {
			const ranges = deletions.get(client) ?? [];
			deletions.set(client, ranges);
			if (length > 0) ranges.push([clock, length]);
		}
	});
	if (problem !== null) return null;
	const encoder = encoding.createEncoder();
	const kept = blocks.filter((block) => block.structs.length > 0);
	encoding.writeVarUint(encoder, kept.length);
	for (const { client, clock, structs } of kept) {
		encoding.writeVarUint(encoder, structs.length);
		encoding.writeVarUint(encoder, client);
		// A struct of length 0 ends where it starts: the clocks of those kept do not move.
		encoding.writeVarUint(encoder, clock);
		for (const struct of structs) encoding.writeUint8Array(encoder, struct);
	}
	const deleting = [...deletions].filter(([, ranges]) => ranges.length > 0);
	encoding.writeVarUint(encoder, deleting.length);
	for (const [client, ranges] of deleting) {
		encoding.writeVarUint(encoder, client);
		encoding.writeVarUint(encoder, ranges.length);
		for (const [clock, length] of ranges) {
			encoding.writeVarUint(encoder, clock);
			encoding.writeVarUint(encoder, length);
		}
	}
	return encoding.toUint8Array(encoder);
}

/** How a stored update went into a document (see {@link applyStoredUpdate}). */
export type StoredUpdateOutcome =
	| { kind: 'applied' }
	/** Applied without its empty shapes (see {@link repairUpdate}). */
	| { kind: 'repaired'; problem: UpdateProblem }
	/** Not applied: it has another problem, or Yjs threw on it (`failed`). */
	| { kind: 'skipped'; problem: UpdateProblem | 'failed' };

/**
 * Applies an update read back from storage, which may have been stored before updates were
 * validated: as it is when it is valid, repaired when only empty shapes are wrong with it, and
 * not at all otherwise. Never throws for the update's sake, so one broken update cannot keep a
 * document from loading.
 */
export function applyStoredUpdate(
	doc: Y.Doc,
	update: Uint8Array,
	origin?: unknown
): StoredUpdateOutcome {
	try {
		const problem = applyValidUpdate(doc, update, origin);
		if (problem === null) return { kind: 'applied' };
		const repaired = repairUpdate(update);
		if (repaired !== null && applyValidUpdate(doc, repaired, origin) === null) {
			return { kind: 'repaired', problem };
		}
		return { kind: 'skipped', problem };
	} catch {
		return { kind: 'skipped', problem: 'failed' };
	}
}

type Pending = NonNullable<Y.Doc['store']['pendingStructs']>;

function takePending(doc: Y.Doc): Pending | null {
	const pending = doc.store.pendingStructs;
	doc.store.pendingStructs = null;
	return pending;
}

/**
 * Yjs keeps structs whose dependencies are missing in `store.pendingStructs` and retries them,
 * from where they start, once one of the missing clocks arrived. Retried that way, a struct that
 * starts before the clocks now known integrates with an offset from the struct before it, which
 * throws when that one is a GC struct (`Item.integrate` reads `left.right`), and a pending struct
 * that overlaps an integrated one is written back by `encodeStateAsUpdate` in its place. So the
 * document's pending structs are taken out while an update is applied, and merged with what it
 * left pending; when a missing clock arrived, they are retried trimmed to what the document
 * lacks (`diffUpdateV2` starts a cut item at its own previous clock), until nothing more applies.
 */
function integratePending(doc: Y.Doc, held: Pending | null): void {
	let pending = mergePending(held, takePending(doc));
	while (pending !== null) {
		const ready = [...pending.missing].some(
			([client, clock]) => clock < Y.getState(doc.store, client)
		);
		if (!ready) {
			if (overlapsState(doc, pending.update)) {
				pending.update = Y.diffUpdateV2(pending.update, Y.encodeStateVector(doc));
			}
			break;
		}
		Y.applyUpdateV2(doc, Y.diffUpdateV2(pending.update, Y.encodeStateVector(doc)));
		pending = takePending(doc);
	}
	doc.store.pendingStructs = pending;
}

/** Where each client's structs start in a pending update, computed once per update. */
const pendingStarts = new WeakMap<Uint8Array, Map<number, number>>();

function overlapsState(doc: Y.Doc, pendingUpdate: Uint8Array): boolean {
	let starts = pendingStarts.get(pendingUpdate);
	if (starts === undefined) {
		starts = Y.parseUpdateMetaV2(pendingUpdate).from;
		pendingStarts.set(pendingUpdate, starts);
	}
	for (const [client, clock] of starts) {
		if (clock < Y.getState(doc.store, client)) return true;
	}
	return false;
}

function mergePending(a: Pending | null, b: Pending | null): Pending | null {
	if (a === null || b === null) return a ?? b;
	const missing = new Map(a.missing);
	for (const [client, clock] of b.missing) {
		missing.set(client, Math.min(clock, missing.get(client) ?? clock));
	}
	return { missing, update: Y.mergeUpdatesV2([a.update, b.update]) };
}

/** What a walk reports besides the problem, and whether it lets empty shapes pass. */
interface Visitor {
	/** Report structs, contents and deletions of length 0 instead of refusing them. */
	readonly keepEmpty: boolean;
	/** The structs of `client` start at `clock`. */
	block(client: number, clock: number): void;
	/** The struct in `update[start, end)` covers `length` clocks. */
	struct(start: number, end: number, length: number): void;
	deletion(client: number, clock: number, length: number): void;
}

const CHECK_ONLY: Visitor = {
	keepEmpty: false,
	block() {},
	struct() {},
	deletion() {}
};

function walkUpdate(update: Uint8Array, visitor: Visitor): UpdateProblem | null {
	const decoder = decoding.createDecoder(update);
	try {
		readStructs(decoder, visitor);
		readDeletions(decoder, visitor);
		if (decoding.hasContent(decoder)) refuse('malformed');
		return null;
	} catch (error) {
		// lib0 throws Errors on truncated input and invalid UTF-8, and a RangeError on input that
		// would overflow a stack or an allocation; all of them are bytes no encoder writes.
		return error instanceof Refusal ? error.problem : 'malformed';
	}
}

function readUint(decoder: decoding.Decoder): number {
	const value = decoding.readVarUint(decoder);
	if (value > MAX_CLOCK) refuse('out-of-range');
	return value;
}

/** A positive length (or 0 when the visitor keeps empty shapes) that keeps `clock + length` in range. */
function checkLength(clock: number, length: number, visitor: Visitor): number {
	if (length === 0 && !visitor.keepEmpty) refuse('empty');
	if (clock + length > MAX_CLOCK) refuse('out-of-range');
	return clock + length;
}

function readStructs(decoder: decoding.Decoder, visitor: Visitor): void {
	const clients = decoding.readVarUint(decoder);
	const seen = new Set<number>();
	for (let c = 0; c < clients; c++) {
		const structs = decoding.readVarUint(decoder);
		const client = readUint(decoder);
		if (seen.has(client)) refuse('repeated-client');
		seen.add(client);
		let clock = readUint(decoder);
		visitor.block(client, clock);
		for (let s = 0; s < structs; s++) {
			const start = decoder.pos;
			const info = decoding.readUint8(decoder);
			const kind = info & BITS5;
			let length: number;
			if (kind === GC || kind === SKIP) {
				if (info !== kind) refuse('malformed');
				length = decoding.readVarUint(decoder);
			} else {
				length = readItem(decoder, info, client, clock);
			}
			clock = checkLength(clock, length, visitor);
			visitor.struct(start, decoder.pos, length);
		}
	}
}

/** Reads an item's references and content; returns its length. */
function readItem(decoder: decoding.Decoder, info: number, client: number, clock: number): number {
	const readReference = () => {
		const refClient = readUint(decoder);
		const refClock = readUint(decoder);
		if (refClient === client && refClock >= clock) refuse('self-reference');
	};
	const hasOrigin = (info & BIT8) !== 0;
	const hasRightOrigin = (info & BIT7) !== 0;
	if (hasOrigin) readReference();
	if (hasRightOrigin) readReference();
	if (!hasOrigin && !hasRightOrigin) {
		// The parent: a root type by name, or a type item by id. Yjs writes 1 or 0.
		const parentInfo = decoding.readVarUint(decoder);
		if (parentInfo === 1) readString(decoder);
		else if (parentInfo === 0) readReference();
		else refuse('malformed');
		if ((info & BIT6) !== 0) readString(decoder);
	}
	return readContent(decoder, info & BITS5);
}

/** Reads item content of kind `ref`; returns its length in clocks. */
function readContent(decoder: decoding.Decoder, ref: number): number {
	switch (ref) {
		case CONTENT_DELETED:
			return decoding.readVarUint(decoder);
		case CONTENT_JSON: {
			const count = decoding.readVarUint(decoder);
			for (let i = 0; i < count; i++) {
				const text = decoding.readVarString(decoder);
				// Yjs writes `undefined` as this word, which JSON.parse does not read.
				if (text !== 'undefined') checkJson(text);
			}
			return count;
		}
		case CONTENT_BINARY:
			skipBytes(decoder, decoding.readVarUint(decoder));
			return 1;
		case CONTENT_STRING:
			return readString(decoder);
		case CONTENT_EMBED:
			checkJson(decoding.readVarString(decoder));
			return 1;
		case CONTENT_FORMAT:
			readString(decoder);
			checkJson(decoding.readVarString(decoder));
			return 1;
		case CONTENT_TYPE: {
			const typeRef = decoding.readVarUint(decoder);
			if (typeRef > LAST_TYPE_REF) refuse('malformed');
			if (typeRef === TYPE_XML_ELEMENT || typeRef === TYPE_XML_HOOK) readString(decoder);
			return 1;
		}
		case CONTENT_ANY: {
			const count = decoding.readVarUint(decoder);
			for (let i = 0; i < count; i++) readAny(decoder, 0);
			return count;
		}
		case CONTENT_DOC:
			readString(decoder);
			// The subdocument's options: Yjs writes an object and reads its properties.
			if (decoding.peekUint8(decoder) !== ANY_OBJECT) refuse('malformed');
			readAny(decoder, 0);
			return 1;
		default:
			return refuse('malformed');
	}
}

/** `__proto__` in UTF-8, as lib0 writes a key before its value. */
const PROTO_KEY = [0x09, 0x5f, 0x5f, 0x70, 0x72, 0x6f, 0x74, 0x6f, 0x5f, 0x5f];

/** Whether the next string is the key `__proto__` (length 9 and its bytes); reads nothing. */
function isProtoKey(decoder: decoding.Decoder): boolean {
	const { arr, pos } = decoder;
	return PROTO_KEY.every((byte, i) => arr[pos + i] === byte);
}

/**
 * Skips a lib0 string, checking that it is UTF-8 as lib0's decoder (`TextDecoder` with `fatal`)
 * accepts it, and returns its length in UTF-16 code units: what Yjs counts clocks in. Looking at
 * the bytes instead of decoding them makes the walk several times faster on text.
 */
function readString(decoder: decoding.Decoder): number {
	const byteLength = decoding.readVarUint(decoder);
	const bytes = decoder.arr;
	const end = decoder.pos + byteLength;
	if (end > bytes.length) refuse('malformed');
	let units = 0;
	let i = decoder.pos;
	while (i < end) {
		const lead = bytes[i]!;
		if (lead < 0x80) {
			i++;
			units++;
			continue;
		}
		// The sequence length and the range of its second byte (WHATWG UTF-8 decode).
		let length: number;
		let low = 0x80;
		let high = 0xbf;
		if (lead >= 0xc2 && lead <= 0xdf) length = 2;
		else if (lead >= 0xe0 && lead <= 0xef) {
			length = 3;
			if (lead === 0xe0) low = 0xa0;
			else if (lead === 0xed) high = 0x9f;
		} else if (lead >= 0xf0 && lead <= 0xf4) {
			length = 4;
			if (lead === 0xf0) low = 0x90;
			else if (lead === 0xf4) high = 0x8f;
		} else {
			return refuse('malformed');
		}
		if (i + length > end) refuse('malformed');
		const second = bytes[i + 1]!;
		if (second < low || second > high) refuse('malformed');
		for (let k = 2; k < length; k++) {
			const next = bytes[i + k]!;
			if (next < 0x80 || next > 0xbf) refuse('malformed');
		}
		i += length;
		units += length === 4 ? 2 : 1;
	}
	decoder.pos = end;
	return units;
}

function skipBytes(decoder: decoding.Decoder, count: number): void {
	if (decoder.pos + count > decoder.arr.length) refuse('malformed');
	decoder.pos += count;
}

/** Walks one lib0 `any` value without building it. */
function readAny(decoder: decoding.Decoder, depth: number): void {
	const tag = decoding.readUint8(decoder);
	switch (tag) {
		case ANY_UNDEFINED:
		case ANY_NULL:
		case ANY_FALSE:
		case ANY_TRUE:
			return;
		case ANY_INTEGER:
			decoding.readVarInt(decoder);
			return;
		case ANY_FLOAT32:
			skipBytes(decoder, 4);
			return;
		case ANY_FLOAT64:
		case ANY_BIGINT:
			skipBytes(decoder, 8);
			return;
		case ANY_STRING:
			readString(decoder);
			return;
		case ANY_BYTES:
			skipBytes(decoder, decoding.readVarUint(decoder));
			return;
		case ANY_OBJECT: {
			if (depth >= MAX_NESTING) refuse('unsafe-value');
			const count = decoding.readVarUint(decoder);
			for (let i = 0; i < count; i++) {
				if (isProtoKey(decoder)) refuse('unsafe-value');
				readString(decoder);
				readAny(decoder, depth + 1);
			}
			return;
		}
		case ANY_ARRAY: {
			if (depth >= MAX_NESTING) refuse('unsafe-value');
			const count = decoding.readVarUint(decoder);
			for (let i = 0; i < count; i++) readAny(decoder, depth + 1);
			return;
		}
		default:
			refuse('malformed');
	}
}

/**
 * JSON text as Yjs reads it (`JSON.parse`), nested at most MAX_NESTING deep: `JSON.stringify`,
 * which writes it back, recurses. Nesting is counted on the text, outside string literals.
 */
function checkJson(text: string): void {
	let depth = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const char = text.charCodeAt(i);
		if (inString) {
			if (char === 0x5c) i++;
			else if (char === 0x22) inString = false;
		} else if (char === 0x22) {
			inString = true;
		} else if (char === 0x5b || char === 0x7b) {
			if (++depth > MAX_NESTING) refuse('unsafe-value');
		} else if (char === 0x5d || char === 0x7d) {
			depth--;
		}
	}
	try {
		JSON.parse(text);
	} catch {
		refuse('malformed');
	}
}

function readDeletions(decoder: decoding.Decoder, visitor: Visitor): void {
	const clients = decoding.readVarUint(decoder);
	const seen = new Set<number>();
	for (let c = 0; c < clients; c++) {
		const client = readUint(decoder);
		if (seen.has(client)) refuse('repeated-client');
		seen.add(client);
		const ranges = decoding.readVarUint(decoder);
		let end = 0;
		for (let r = 0; r < ranges; r++) {
			const clock = readUint(decoder);
			const length = decoding.readVarUint(decoder);
			if (length > 0 && clock < end) refuse('unordered-deletions');
			if (length > 0 || !visitor.keepEmpty) end = checkLength(clock, length, visitor);
			visitor.deletion(client, clock, length);
		}
	}
}
