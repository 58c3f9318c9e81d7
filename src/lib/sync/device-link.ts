import { idFromBytes, type DocumentId, type MemberId } from '../domain/ids';
import { decodeBase64url, encodeBase64url } from '../protocol/base64url';
import { decodeBase32Prefix, encodeBase32 } from './base32';
import { crc32 } from './crc32';
import { normalizeDisplayName, type Identity, type LinkedIdentity } from './identity';
import { isUsableWorkspaceName, MAX_INVITE_NAME_LENGTH, type Invite } from './invite-link';
import { hasControlCharacters } from './printable-text';
import type { WorkspaceSecret } from './workspace-secret';

/*
 * A device link makes another device of the same person: it carries their identity and the
 * access to every triad this device holds. Like an invite, everything sits in the URL fragment,
 * which browsers never send to a server:
 *
 *   https://host/device#d1.<base32 payload>
 *
 * The payload is binary, so that a QR code of the link stays scannable with fifteen triads in it
 * (see base32.ts for why base32). Version 2, all integers big-endian:
 *
 *   u16  payload length in bytes, this field and the checksum included
 *   u8   part number, from 1            (a device with many triads gets several links)
 *   u8   number of parts
 *   16   member id
 *   u48  identity's createdAt, epoch milliseconds
 *   32   the seed of the identity's Ed25519 private key (its public half is derived from it)
 *   u8   display name length n, then n bytes of UTF-8
 *   u8   number of triads in this part, then per triad:
 *          u8  access: 0 member (document secret), 1 viewer (read secret)
 *          16  document id
 *          32  secret
 *          u8  name length n, then n bytes of UTF-8
 *   u32  CRC-32 of every byte before it
 *
 * Version 1 had no key. A device made from one would sign with a key of its own, which its triads
 * would not take for the member's (the first key published stands), so such links are refused as
 * made by an earlier app.
 *
 * The declared length tells a link cut short (`truncated`) from one altered in copying (checksum:
 * `damaged`); without the checksum a changed character would silently make the device another
 * member, or hold a secret the relay refuses.
 */

/** What moves to another device: who the person is and the triads this device holds. */
export interface DeviceTransfer {
	identity: Identity;
	/** Directory entries (or invites) of the triads; each docId once. */
	triads: readonly Invite[];
}

/** One read device link: the identity, the triads of its part, and which part it is. */
export interface DeviceLink {
	identity: LinkedIdentity;
	triads: Invite[];
	/** From 1 to `parts`. Every part carries the identity; each carries different triads. */
	part: number;
	parts: number;
}

/**
 * Why a text is not a usable device link, for the UI to explain:
 * - `empty`: nothing was given
 * - `too-long`: longer than any device link this app makes
 * - `not-a-device-link`: no fragment, or a fragment that is not a device link
 * - `invite-link`: an invite to one triad, which the join screen takes
 * - `unsupported-version`: made by a newer (or unknown) version of the app
 * - `truncated`: it ends early, as when a link was cut off in copying
 * - `damaged`: characters were changed, added or lost inside (checksum, encoding or layout)
 * - `bad-part`: its part number is not within its number of parts
 * - `bad-identity`: the display name it carries is not one this app accepts
 * - `bad-triad`: a triad with an unknown access level or an unusable name
 * - `duplicate-triad`: one triad listed twice
 */
export type DeviceLinkProblem =
	| 'empty'
	| 'too-long'
	| 'not-a-device-link'
	| 'invite-link'
	| 'unsupported-version'
	| 'truncated'
	| 'damaged'
	| 'bad-part'
	| 'bad-identity'
	| 'bad-triad'
	| 'duplicate-triad';

/** A rejected device link; `problem` says why in a form the UI can translate. */
export class DeviceLinkError extends Error {
	override readonly name = 'DeviceLinkError';
	constructor(
		readonly problem: DeviceLinkProblem,
		message: string
	) {
		super(message);
	}
}

/** The outcome of reading a device link: never throws, so callers handle both branches. */
export type DeviceLinkParseResult =
	{ ok: true; link: DeviceLink } | { ok: false; error: DeviceLinkError };

/**
 * The most payload bytes one link carries. Its QR code then holds at most about 1,800 characters
 * and is a version 25 code at error correction L (117 modules a side) for a short origin: on a
 * phone-wide screen about five device pixels per module, which phone cameras read at arm's
 * length. That is fifteen triads with names of twenty characters; more go into further parts.
 */
export const MAX_DEVICE_LINK_PAYLOAD_BYTES = 1132;
/** Texts longer than this are refused before any parsing: a payload at most, behind an origin. */
export const MAX_DEVICE_LINK_LENGTH = 2048;
/** Parts are numbered in one byte. */
export const MAX_DEVICE_LINK_PARTS = 255;

const VERSION = 'd2';
/** Versions this app made before, refused with their own explanation. */
const EARLIER_VERSIONS = ['d1'];
const ACCESS_CODES = ['member', 'viewer'] as const;
const ID_BYTES = 16;
const SECRET_BYTES = 32;
const PRIVATE_KEY_BYTES = 32;
const MAX_CREATED_AT = 2 ** 48 - 1;
/** Length field and part bytes, before the identity. */
const HEADER_BYTES = 4;
/** The triad count after the identity and the checksum at the end. */
const FRAME_BYTES = HEADER_BYTES + 1 + 4;
/** The shortest payload that has every field: no triads, an empty name. */
const MIN_PAYLOAD_BYTES = FRAME_BYTES + ID_BYTES + 6 + PRIVATE_KEY_BYTES + 1;

const utf8 = new TextEncoder();

/**
 * A triad name a link can carry. Directory names are kept from the document as it was last
 * opened and may exceed what an invite carries; the name is only a label until the document has
 * synced on the other device, so an unusable one is shortened rather than refused.
 */
function linkableName(name: string): string {
	const trimmed = name.trim();
	if (isUsableWorkspaceName(trimmed)) return trimmed;
	let cut = '';
	for (const char of trimmed) {
		if (hasControlCharacters(char)) continue;
		if (cut.length + char.length > MAX_INVITE_NAME_LENGTH) break;
		cut += char;
	}
	return cut.trim() || 'Triad';
}

function requireBytes(text: string, length: number, what: string): Uint8Array {
	const bytes = decodeBase64url(text);
	if (bytes === null || bytes.length !== length) {
		throw new RangeError(`${what} is not ${length} bytes of base64url`);
	}
	return bytes;
}

function identityBytes(identity: Identity): number[] {
	if (normalizeDisplayName(identity.name) !== identity.name) {
		throw new RangeError('the display name is not normalized');
	}
	const { createdAt } = identity;
	if (!Number.isSafeInteger(createdAt) || createdAt < 0 || createdAt > MAX_CREATED_AT) {
		throw new RangeError(`createdAt out of range: ${createdAt}`);
	}
	const name = utf8.encode(identity.name);
	const bytes = [...requireBytes(identity.memberId, ID_BYTES, 'the member id')];
	for (let shift = 40; shift >= 0; shift -= 8) {
		bytes.push(Math.floor(createdAt / 2 ** shift) % 256);
	}
	if (identity.signingKey === null) {
		throw new RangeError('this page has no signing key to carry: open Triad over HTTPS first');
	}
	bytes.push(...requireBytes(identity.signingKey.privateKey, PRIVATE_KEY_BYTES, 'the private key'));
	bytes.push(name.length, ...name);
	return bytes;
}

function triadBytes(triad: Invite): number[] {
	const access = ACCESS_CODES.indexOf(triad.access);
	if (access < 0) throw new RangeError(`unknown access level: ${String(triad.access)}`);
	const name = utf8.encode(linkableName(triad.name));
	return [
		access,
		...requireBytes(triad.docId, ID_BYTES, 'a document id'),
		...requireBytes(triad.secret, SECRET_BYTES, 'a workspace secret'),
		name.length,
		...name
	];
}

function seal(part: number, parts: number, identity: number[], triads: number[][]): string {
	const length = FRAME_BYTES + identity.length + triads.reduce((sum, t) => sum + t.length, 0);
	const bytes = new Uint8Array(length);
	bytes.set([length >> 8, length & 0xff, part, parts, ...identity, triads.length]);
	let offset = HEADER_BYTES + identity.length + 1;
	for (const triad of triads) {
		bytes.set(triad, offset);
		offset += triad.length;
	}
	new DataView(bytes.buffer).setUint32(offset, crc32(bytes.subarray(0, offset)));
	return `${VERSION}.${encodeBase32(bytes)}`;
}

/** Groups triads in order into as few parts of at most `budget` bytes as they need. */
function pack(triads: number[][], budget: number): number[][][] {
	const groups: number[][][] = [[]];
	let used = 0;
	for (const triad of triads) {
		if (used + triad.length > budget && used > 0) {
			groups.push([]);
			used = 0;
		}
		groups[groups.length - 1]?.push(triad);
		used += triad.length;
	}
	return groups;
}

/**
 * The device links that make another device this person, in this device's order of triads:
 * one link when they fit `MAX_DEVICE_LINK_PAYLOAD_BYTES`, otherwise as few parts as they need,
 * each carrying the identity and a similar share of the triads (two half-full codes scan more
 * easily than a full one and a small one). A triad listed twice goes in once. Throws RangeError
 * for an identity or a triad that no link can carry (malformed ids or secrets).
 */
export function createDeviceLinks(transfer: DeviceTransfer, origin: string): string[] {
	const identity = identityBytes(transfer.identity);
	const budget = MAX_DEVICE_LINK_PAYLOAD_BYTES - FRAME_BYTES - identity.length;
	const seen = new Set<DocumentId>();
	const triads: number[][] = [];
	for (const triad of transfer.triads) {
		if (seen.has(triad.docId)) continue;
		seen.add(triad.docId);
		triads.push(triadBytes(triad));
	}
	let groups = pack(triads, budget);
	if (groups.length > 1) {
		const total = triads.reduce((sum, triad) => sum + triad.length, 0);
		// The smallest budget that needs no more parts; it is at most `budget`, which did.
		let share = Math.ceil(total / groups.length);
		while (pack(triads, share).length > groups.length) share += 8;
		groups = pack(triads, Math.min(share, budget));
	}
	if (groups.length > MAX_DEVICE_LINK_PARTS) {
		throw new RangeError(`more than ${MAX_DEVICE_LINK_PARTS} parts`);
	}
	const base = `${origin.replace(/\/+$/, '')}/device#`;
	return groups.map((part, index) => base + seal(index + 1, groups.length, identity, part));
}

function fail(problem: DeviceLinkProblem, message: string): DeviceLinkParseResult {
	return { ok: false, error: new DeviceLinkError(problem, message) };
}

/** Takes what follows '#' in a link, or the text itself when it already is a bare fragment. */
function fragmentOf(text: string): string | null {
	const hash = text.indexOf('#');
	if (hash >= 0) return text.slice(hash + 1);
	return /^[a-z]\d+\./.test(text) ? text : null;
}

/**
 * The payload's bytes as far as the text holds them, and whether the text is their canonical
 * encoding; null for characters no link has. A text cut off anywhere decodes to a prefix of the
 * whole payload, which the length field then shows to be short.
 */
function payloadBytes(text: string): { bytes: Uint8Array; canonical: boolean } | null {
	const bytes = decodeBase32Prefix(text);
	return bytes === null ? null : { bytes, canonical: encodeBase32(bytes) === text };
}

/** Reads the fields of a payload whose length and checksum were verified. */
class PayloadReader {
	#offset = 0;
	readonly #bytes: Uint8Array;
	readonly #end: number;
	#decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

	constructor(bytes: Uint8Array, end: number) {
		this.#bytes = bytes;
		this.#end = end;
	}

	/** The next `count` bytes, or null when the fields run past the checksum. */
	take(count: number): Uint8Array | null {
		if (this.#offset + count > this.#end) return null;
		const slice = this.#bytes.subarray(this.#offset, this.#offset + count);
		this.#offset += count;
		return slice;
	}

	byte(): number | null {
		return this.take(1)?.[0] ?? null;
	}

	/** A length-prefixed UTF-8 text; null when it runs past the end, '' for invalid UTF-8. */
	text(): string | null {
		const length = this.byte();
		const bytes = length === null ? null : this.take(length);
		if (bytes === null) return null;
		try {
			return this.#decoder.decode(bytes);
		} catch {
			return '';
		}
	}

	get done(): boolean {
		return this.#offset === this.#end;
	}
}

const DAMAGED_LAYOUT = 'This device link is damaged: its parts do not fit together.';

function readPayload(bytes: Uint8Array): DeviceLinkParseResult {
	const end = bytes.length - 4;
	const reader = new PayloadReader(bytes, end);
	reader.take(2);
	const part = reader.byte();
	const parts = reader.byte();
	const memberId = reader.take(ID_BYTES);
	const created = reader.take(6);
	const privateKey = reader.take(PRIVATE_KEY_BYTES);
	const name = reader.text();
	if (
		part === null ||
		parts === null ||
		memberId === null ||
		created === null ||
		privateKey === null ||
		name === null
	) {
		return fail('damaged', DAMAGED_LAYOUT);
	}
	if (part < 1 || part > parts) {
		return fail('bad-part', `This device link says it is part ${part} of ${parts}.`);
	}
	let displayName: string | null;
	try {
		displayName = normalizeDisplayName(name);
	} catch {
		displayName = null;
	}
	if (displayName !== name) {
		return fail('bad-identity', 'The name in this device link is not usable.');
	}
	const identity: LinkedIdentity = {
		memberId: idFromBytes<MemberId>(memberId),
		name,
		createdAt: created.reduce((value, byte) => value * 256 + byte, 0),
		privateKey: encodeBase64url(privateKey)
	};
	const count = reader.byte();
	if (count === null) return fail('damaged', DAMAGED_LAYOUT);
	const triads: Invite[] = [];
	const seen = new Set<DocumentId>();
	for (let i = 0; i < count; i++) {
		const access = reader.byte();
		const docId = reader.take(ID_BYTES);
		const secret = reader.take(SECRET_BYTES);
		const triadName = reader.text();
		if (access === null || docId === null || secret === null || triadName === null) {
			return fail('damaged', DAMAGED_LAYOUT);
		}
		const level = ACCESS_CODES[access];
		if (
			level === undefined ||
			triadName !== triadName.trim() ||
			!isUsableWorkspaceName(triadName)
		) {
			return fail('bad-triad', `Triad ${i + 1} in this device link is not usable.`);
		}
		const id = idFromBytes<DocumentId>(docId);
		if (seen.has(id)) {
			return fail('duplicate-triad', `This device link lists “${triadName}” twice.`);
		}
		seen.add(id);
		triads.push({
			docId: id,
			secret: encodeBase64url(secret) as WorkspaceSecret,
			access: level,
			name: triadName
		});
	}
	if (!reader.done) return fail('damaged', DAMAGED_LAYOUT);
	return { ok: true, link: { identity, triads, part, parts } };
}

/**
 * Reads a device link as opened or pasted: a full URL, or only its fragment (with or without
 * '#'). Rejects everything that is not exactly a link this app would make.
 */
export function parseDeviceLink(input: string): DeviceLinkParseResult {
	const text = input.trim();
	if (text.length === 0) return fail('empty', 'The device link is empty.');
	if (text.length > MAX_DEVICE_LINK_LENGTH) {
		return fail('too-long', 'This text is too long to be a device link.');
	}
	const fragment = fragmentOf(text);
	if (fragment === null || fragment.length === 0) {
		return fail('not-a-device-link', 'This is not a device link: it has nothing after #.');
	}
	if (/^[vr]\d+\./.test(fragment)) {
		return fail('invite-link', 'This is an invite to one triad, not a device link.');
	}
	const dot = fragment.indexOf('.');
	const version = dot < 0 ? fragment : fragment.slice(0, dot);
	if (!/^d\d+$/.test(version)) return fail('not-a-device-link', 'This is not a device link.');
	if (EARLIER_VERSIONS.includes(version)) {
		return fail(
			'unsupported-version',
			'This device link was made by an earlier version of Triad: update the app on the other device and make a new link.'
		);
	}
	if (version !== VERSION) {
		return fail('unsupported-version', `This device link was made by a newer app (${version}).`);
	}
	const truncated = fail('truncated', 'This device link is incomplete; it may have been cut off.');
	if (dot < 0) return truncated;
	const payload = payloadBytes(fragment.slice(dot + 1));
	if (payload === null) {
		return fail('damaged', 'This device link is damaged: it has characters no link has.');
	}
	const { bytes } = payload;
	if (bytes.length < 2) return truncated;
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	const declared = view.getUint16(0);
	if (declared > MAX_DEVICE_LINK_PAYLOAD_BYTES) {
		return fail('too-long', 'This device link is longer than any this app makes.');
	}
	if (bytes.length < declared) return truncated;
	if (!payload.canonical || bytes.length > declared || declared < MIN_PAYLOAD_BYTES) {
		return fail('damaged', DAMAGED_LAYOUT);
	}
	const end = declared - 4;
	if (crc32(bytes.subarray(0, end)) !== view.getUint32(end)) {
		return fail('damaged', 'This device link is damaged: some characters were changed.');
	}
	return readPayload(bytes);
}
