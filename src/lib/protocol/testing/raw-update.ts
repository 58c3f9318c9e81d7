/**
 * Yjs v1 updates written field by field with lib0's encoder, so tests can make any shape the
 * format can carry, including the ones no Yjs encoder writes.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/** A struct id: a client and one of its clocks. */
export interface RawId {
	client: number;
	clock: number;
}

/** Item content by kind, with the fields each kind writes. */
export type RawContent =
	| { kind: 'deleted'; length: number }
	| { kind: 'json'; values: string[] }
	| { kind: 'binary'; bytes: Uint8Array }
	| { kind: 'string'; text: string }
	| { kind: 'embed'; json: string }
	| { kind: 'format'; key: string; json: string }
	/** `typeRef` 0–6 are Y.Array, Y.Map, Y.Text, Y.XmlElement, Y.XmlFragment, Y.XmlHook, Y.XmlText. */
	| { kind: 'type'; typeRef: number; name: string }
	| { kind: 'any'; values: unknown[] }
	| { kind: 'doc'; guid: string; options: unknown };

/** The parent of an item written without origins: a root type's name or a type item's id. */
export type RawParent = { key: string } | { id: RawId } | { info: number };

export type RawStruct =
	| { kind: 'gc' | 'skip'; length: number; flags?: number }
	| {
			kind: 'item';
			origin: RawId | null;
			rightOrigin: RawId | null;
			/** Written only when the item has neither origin. */
			parent: RawParent;
			parentSub: string | null;
			content: RawContent;
	  };

/** The structs of one client, from `clock` on. */
export interface RawClientStructs {
	client: number;
	clock: number;
	structs: RawStruct[];
}

/** One client's deleted ranges: [clock, length] pairs, written in this order. */
export interface RawDeletions {
	client: number;
	ranges: [number, number][];
}

export interface RawUpdate {
	clients: RawClientStructs[];
	deletions: RawDeletions[];
}

const CONTENT_REF: Record<RawContent['kind'], number> = {
	deleted: 1,
	json: 2,
	binary: 3,
	string: 4,
	embed: 5,
	format: 6,
	type: 7,
	any: 8,
	doc: 9
};

/** Encodes `update` in the v1 format, exactly as given. */
export function encodeRawUpdate(update: RawUpdate): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, update.clients.length);
	for (const { client, clock, structs } of update.clients) {
		encoding.writeVarUint(encoder, structs.length);
		encoding.writeVarUint(encoder, client);
		encoding.writeVarUint(encoder, clock);
		for (const struct of structs) writeStruct(encoder, struct);
	}
	encoding.writeVarUint(encoder, update.deletions.length);
	for (const { client, ranges } of update.deletions) {
		encoding.writeVarUint(encoder, client);
		encoding.writeVarUint(encoder, ranges.length);
		for (const [clock, length] of ranges) {
			encoding.writeVarUint(encoder, clock);
			encoding.writeVarUint(encoder, length);
		}
	}
	return encoding.toUint8Array(encoder);
}

function writeId(encoder: encoding.Encoder, id: RawId): void {
	encoding.writeVarUint(encoder, id.client);
	encoding.writeVarUint(encoder, id.clock);
}

function writeStruct(encoder: encoding.Encoder, struct: RawStruct): void {
	if (struct.kind !== 'item') {
		encoding.writeUint8(encoder, (struct.kind === 'gc' ? 0 : 10) | (struct.flags ?? 0));
		encoding.writeVarUint(encoder, struct.length);
		return;
	}
	const { origin, rightOrigin, parent, parentSub, content } = struct;
	encoding.writeUint8(
		encoder,
		CONTENT_REF[content.kind] |
			(origin === null ? 0 : 0x80) |
			(rightOrigin === null ? 0 : 0x40) |
			(parentSub === null ? 0 : 0x20)
	);
	if (origin !== null) writeId(encoder, origin);
	if (rightOrigin !== null) writeId(encoder, rightOrigin);
	if (origin === null && rightOrigin === null) {
		if ('key' in parent) {
			encoding.writeVarUint(encoder, 1);
			encoding.writeVarString(encoder, parent.key);
		} else if ('id' in parent) {
			encoding.writeVarUint(encoder, 0);
			writeId(encoder, parent.id);
		} else {
			encoding.writeVarUint(encoder, parent.info);
		}
		if (parentSub !== null) encoding.writeVarString(encoder, parentSub);
	}
	writeContent(encoder, content);
}

function writeContent(encoder: encoding.Encoder, content: RawContent): void {
	switch (content.kind) {
		case 'deleted':
			encoding.writeVarUint(encoder, content.length);
			return;
		case 'json':
			encoding.writeVarUint(encoder, content.values.length);
			for (const value of content.values) encoding.writeVarString(encoder, value);
			return;
		case 'binary':
			encoding.writeVarUint8Array(encoder, content.bytes);
			return;
		case 'string':
			encoding.writeVarString(encoder, content.text);
			return;
		case 'embed':
			encoding.writeVarString(encoder, content.json);
			return;
		case 'format':
			encoding.writeVarString(encoder, content.key);
			encoding.writeVarString(encoder, content.json);
			return;
		case 'type':
			encoding.writeVarUint(encoder, content.typeRef);
			if (content.typeRef === 3 || content.typeRef === 5) {
				encoding.writeVarString(encoder, content.name);
			}
			return;
		case 'any':
			encoding.writeVarUint(encoder, content.values.length);
			for (const value of content.values) writeAnyValue(encoder, value);
			return;
		case 'doc':
			encoding.writeVarString(encoder, content.guid);
			writeAnyValue(encoder, content.options);
			return;
	}
}

/**
 * A value of `levels` arrays nested in each other around 1, written without recursion: deeper
 * than the stack of whatever would build it.
 */
export class DeepArray {
	constructor(readonly levels: number) {}
}

/**
 * lib0's `writeAny`, except that an object's own keys are written as they are, `__proto__`
 * included (`{ ['__proto__']: … }` written with `Object.defineProperty`).
 */
function writeAnyValue(encoder: encoding.Encoder, value: unknown): void {
	if (value instanceof DeepArray) {
		for (let i = 0; i < value.levels; i++) {
			encoding.writeUint8(encoder, 117);
			encoding.writeVarUint(encoder, 1);
		}
		encoding.writeAny(encoder, 1);
	} else if (value === null || typeof value !== 'object' || value instanceof Uint8Array) {
		encoding.writeAny(encoder, value as encoding.AnyEncodable);
	} else if (Array.isArray(value)) {
		encoding.writeUint8(encoder, 117);
		encoding.writeVarUint(encoder, value.length);
		for (const entry of value) writeAnyValue(encoder, entry);
	} else {
		const keys = Object.getOwnPropertyNames(value);
		encoding.writeUint8(encoder, 118);
		encoding.writeVarUint(encoder, keys.length);
		for (const key of keys) {
			encoding.writeVarString(encoder, key);
			writeAnyValue(encoder, (value as Record<string, unknown>)[key]);
		}
	}
}

/** Decodes a v1 update into its fields (contents decoded as Yjs reads them); throws if malformed. */
export function decodeRawUpdate(update: Uint8Array): RawUpdate {
	const decoder = decoding.createDecoder(update);
	const readId = (): RawId => ({
		client: decoding.readVarUint(decoder),
		clock: decoding.readVarUint(decoder)
	});
	const clients: RawClientStructs[] = [];
	const clientCount = decoding.readVarUint(decoder);
	for (let c = 0; c < clientCount; c++) {
		const count = decoding.readVarUint(decoder);
		const client = decoding.readVarUint(decoder);
		const clock = decoding.readVarUint(decoder);
		const structs: RawStruct[] = [];
		for (let s = 0; s < count; s++) {
			const info = decoding.readUint8(decoder);
			const ref = info & 0x1f;
			if (ref === 0 || ref === 10) {
				structs.push({
					kind: ref === 0 ? 'gc' : 'skip',
					length: decoding.readVarUint(decoder),
					flags: info & 0xe0
				});
				continue;
			}
			const origin = (info & 0x80) !== 0 ? readId() : null;
			const rightOrigin = (info & 0x40) !== 0 ? readId() : null;
			let parent: RawParent = { info: 0 };
			let parentSub: string | null = null;
			if (origin === null && rightOrigin === null) {
				const parentInfo = decoding.readVarUint(decoder);
				parent =
					parentInfo === 1
						? { key: decoding.readVarString(decoder) }
						: parentInfo === 0
							? { id: readId() }
							: { info: parentInfo };
				if ((info & 0x20) !== 0) parentSub = decoding.readVarString(decoder);
			}
			structs.push({
				kind: 'item',
				origin,
				rightOrigin,
				parent,
				parentSub,
				content: readContent(decoder, ref)
			});
		}
		clients.push({ client, clock, structs });
	}
	const deletions: RawDeletions[] = [];
	const deletionCount = decoding.readVarUint(decoder);
	for (let c = 0; c < deletionCount; c++) {
		const client = decoding.readVarUint(decoder);
		const ranges: [number, number][] = [];
		const count = decoding.readVarUint(decoder);
		for (let r = 0; r < count; r++) {
			ranges.push([decoding.readVarUint(decoder), decoding.readVarUint(decoder)]);
		}
		deletions.push({ client, ranges });
	}
	return { clients, deletions };
}

function readContent(decoder: decoding.Decoder, ref: number): RawContent {
	const readStrings = () => {
		const values: string[] = [];
		const count = decoding.readVarUint(decoder);
		for (let i = 0; i < count; i++) values.push(decoding.readVarString(decoder));
		return values;
	};
	switch (ref) {
		case 1:
			return { kind: 'deleted', length: decoding.readVarUint(decoder) };
		case 2:
			return { kind: 'json', values: readStrings() };
		case 3:
			return { kind: 'binary', bytes: decoding.readVarUint8Array(decoder) };
		case 4:
			return { kind: 'string', text: decoding.readVarString(decoder) };
		case 5:
			return { kind: 'embed', json: decoding.readVarString(decoder) };
		case 6:
			return {
				kind: 'format',
				key: decoding.readVarString(decoder),
				json: decoding.readVarString(decoder)
			};
		case 7: {
			const typeRef = decoding.readVarUint(decoder);
			const name = typeRef === 3 || typeRef === 5 ? decoding.readVarString(decoder) : '';
			return { kind: 'type', typeRef, name };
		}
		case 8: {
			const values: unknown[] = [];
			const count = decoding.readVarUint(decoder);
			for (let i = 0; i < count; i++) values.push(decoding.readAny(decoder));
			return { kind: 'any', values };
		}
		case 9:
			return {
				kind: 'doc',
				guid: decoding.readVarString(decoder),
				options: decoding.readAny(decoder)
			};
		default:
			throw new Error(`unknown content ref ${ref}`);
	}
}
