import fc from 'fast-check';
import { create as createQrCode } from 'qrcode';
import { describe, expect, it } from 'vitest';
import type { DocumentId, MemberId } from '../domain/ids';
import { decodeBase64url, encodeBase64url } from '../protocol/base64url';
import { encodeBase32 } from './base32';
import { crc32 } from './crc32';
import {
	createDeviceLinks,
	MAX_DEVICE_LINK_LENGTH,
	MAX_DEVICE_LINK_PAYLOAD_BYTES,
	parseDeviceLink,
	type DeviceLinkProblem,
	type DeviceTransfer
} from './device-link';
import type { Identity, LinkedIdentity } from './identity';
import { createInviteLink, type Invite } from './invite-link';
import {
	newDocumentId,
	newMemberId,
	newWorkspaceSecret,
	type WorkspaceSecret
} from './workspace-secret';

const ORIGIN = 'https://triad.example.org';

/** Any 32 bytes stand for a key here: links carry the private key's seed as it is. */
const PRIVATE = encodeBase64url(new Uint8Array(32).map((_, i) => 200 - i));

const identity: Identity = {
	memberId: 'AAECAwQFBgcICQoLDA0ODw' as MemberId,
	name: 'Kim Ødegård',
	createdAt: 1_764_000_000_123,
	signingKey: { publicKey: encodeBase64url(new Uint8Array(32)), privateKey: PRIVATE }
};

/** The identity as a link carries it and a device reads it back: the seed, not the pair. */
function linked({ signingKey, ...person }: Identity): LinkedIdentity {
	return { ...person, privateKey: signingKey!.privateKey };
}

function triad(name: string, access: Invite['access'] = 'member'): Invite {
	return { docId: newDocumentId(), secret: newWorkspaceSecret(), access, name };
}

const transfer: DeviceTransfer = {
	identity,
	triads: [triad('Harbour triad'), triad('Ops. 2025 — “Nord” & co/50%', 'viewer'), triad('🚢')]
};
const [link = ''] = createDeviceLinks(transfer, ORIGIN);
const fragment = link.slice(link.indexOf('#') + 1);

function problemOf(input: string): DeviceLinkProblem | null {
	const result = parseDeviceLink(input);
	return result.ok ? null : result.error.problem;
}

/*
 * Payloads written byte by byte, with a correct length field and checksum, to reach the checks
 * behind them: what a buggy or hostile maker could produce, which `createDeviceLinks` never does.
 */
const utf8 = (text: string) => [...new TextEncoder().encode(text)];
const text = (bytes: number[]) => [bytes.length, ...bytes];
const ID = [...(decodeBase64url(identity.memberId) ?? [])];
const CREATED = [0x01, 0x9a, 0xb5, 0x6c, 0x2a, 0x7b];
const KEY = [...(decodeBase64url(PRIVATE) ?? [])];

function triadBytes(
	options: { access?: number; docId?: number[]; name?: number[] } = {}
): number[] {
	return [
		options.access ?? 0,
		...(options.docId ?? new Array<number>(16).fill(7)),
		...new Array<number>(32).fill(9),
		...text(options.name ?? utf8('Harbour'))
	];
}

function sealed(
	body: { part?: number; parts?: number; name?: number[]; triads?: number[][]; count?: number },
	extra: number[] = []
): string {
	const triads = body.triads ?? [];
	const fields = [
		body.part ?? 1,
		body.parts ?? 1,
		...ID,
		...CREATED,
		...KEY,
		...text(body.name ?? utf8('Kim')),
		body.count ?? triads.length,
		...triads.flat(),
		...extra
	];
	const length = fields.length + 6;
	const bytes = new Uint8Array([length >> 8, length & 0xff, ...fields, 0, 0, 0, 0]);
	new DataView(bytes.buffer).setUint32(length - 4, crc32(bytes.subarray(0, length - 4)));
	return `${ORIGIN}/device#d2.${encodeBase32(bytes)}`;
}

describe('device links', () => {
	it('carry the identity and the triads in the fragment only', () => {
		const url = new URL(link);
		expect(url.pathname).toBe('/device');
		expect(url.search).toBe('');
		expect(fragment).toMatch(/^d2\.[A-Z2-7]+$/);
		expect(link).not.toContain(PRIVATE);
		expect(link).not.toContain(transfer.triads[0]?.secret);
	});

	it('round-trip as a full link, a bare fragment and with surrounding whitespace', () => {
		const expected = {
			ok: true,
			link: { ...transfer, identity: linked(identity), part: 1, parts: 1 }
		};
		for (const input of [link, fragment, `#${fragment}`, `  ${link}\n`]) {
			expect(parseDeviceLink(input)).toEqual(expected);
		}
	});

	it('carry an identity alone, for a person in no triad yet', () => {
		const [alone = ''] = createDeviceLinks({ identity, triads: [] }, `${ORIGIN}/`);
		expect(alone.startsWith(`${ORIGIN}/device#d2.`)).toBe(true);
		expect(parseDeviceLink(alone)).toEqual({
			ok: true,
			link: { identity: linked(identity), triads: [], part: 1, parts: 1 }
		});
	});

	it('carry the longest names and any ids, secrets and creation times', () => {
		fc.assert(
			fc.property(
				fc.integer({ min: 0, max: 2 ** 48 - 1 }),
				fc.uint8Array({ minLength: 32, maxLength: 32 }),
				(createdAt, seed) => {
					const person: Identity = {
						memberId: newMemberId(),
						name: 'ß'.repeat(30) + '😀'.repeat(15),
						createdAt,
						signingKey: { publicKey: PRIVATE, privateKey: encodeBase64url(seed) }
					};
					const triads = [triad('é'.repeat(80)), triad('😀'.repeat(40), 'viewer')];
					const links = createDeviceLinks({ identity: person, triads }, ORIGIN);
					expect(links).toHaveLength(1);
					expect(parseDeviceLink(links[0] ?? '')).toEqual({
						ok: true,
						link: { identity: linked(person), triads, part: 1, parts: 1 }
					});
				}
			),
			{ numRuns: 50 }
		);
	});

	it('hold fifteen triads in one link whose QR code a phone reads (version 25 or less at L)', () => {
		const triads = Array.from({ length: 15 }, (_, i) => triad(`Triad number ${i + 1} here`));
		const links = createDeviceLinks({ identity, triads }, ORIGIN);
		expect(links).toHaveLength(1);
		const qr = createQrCode(links[0] ?? '', { errorCorrectionLevel: 'L' });
		expect(qr.version).toBeLessThanOrEqual(25);
	});

	it('split more triads into parts, each carrying the identity and within the size cap', () => {
		const triads = Array.from({ length: 40 }, (_, i) =>
			triad(`Team ${i + 1}: ${'x'.repeat(i + 1)}`)
		);
		const links = createDeviceLinks({ identity, triads }, ORIGIN);
		expect(links.length).toBeGreaterThan(2);
		const parsed = links.map((each) => {
			expect(each.length).toBeLessThanOrEqual(MAX_DEVICE_LINK_LENGTH);
			const result = parseDeviceLink(each);
			if (!result.ok) throw result.error;
			return result.link;
		});
		expect(parsed.map((part) => [part.part, part.parts])).toEqual(
			links.map((_, i) => [i + 1, links.length])
		);
		for (const part of parsed) expect(part.identity).toEqual(linked(identity));
		expect(parsed.flatMap((part) => part.triads)).toEqual(triads);
	});

	it('list a triad given twice once, and shorten a name an invite could not carry', () => {
		const long = { ...triad('y'.repeat(100)), name: `  ${'y'.repeat(100)}\n` };
		const [once = ''] = createDeviceLinks(
			{ identity, triads: [long, long, { ...triad('\u0007'), name: '\u0007' }] },
			ORIGIN
		);
		const result = parseDeviceLink(once);
		expect(result.ok && result.link.triads.map((t) => t.name)).toEqual(['y'.repeat(80), 'Triad']);
	});

	it('refuse to make a link of a malformed identity or secret', () => {
		expect(() =>
			createDeviceLinks({ identity: { ...identity, name: ' Kim' }, triads: [] }, ORIGIN)
		).toThrow(RangeError);
		expect(() =>
			createDeviceLinks({ identity: { ...identity, createdAt: 1.5 }, triads: [] }, ORIGIN)
		).toThrow(RangeError);
		const broken = { ...triad('Broken'), secret: 'short' as WorkspaceSecret };
		expect(() => createDeviceLinks({ identity, triads: [broken] }, ORIGIN)).toThrow(RangeError);
	});
});

describe('damaged device links', () => {
	it('reject empty input, garbage and other links', () => {
		expect(problemOf('')).toBe('empty');
		expect(problemOf(' \n')).toBe('empty');
		expect(problemOf('hello world')).toBe('not-a-device-link');
		expect(problemOf(`${ORIGIN}/device`)).toBe('not-a-device-link');
		expect(problemOf(`${ORIGIN}/device#`)).toBe('not-a-device-link');
		expect(problemOf(`${ORIGIN}/device#details`)).toBe('not-a-device-link');
		expect(problemOf(`${ORIGIN}/device#x1.ABC`)).toBe('not-a-device-link');
	});

	it('tell an invite link apart', () => {
		const invite = createInviteLink(triad('Harbour'), ORIGIN);
		expect(problemOf(invite)).toBe('invite-link');
		expect(problemOf(invite.slice(invite.indexOf('#') + 1))).toBe('invite-link');
	});

	it('reject links of another version', () => {
		expect(problemOf(link.replace('#d2.', '#d3.'))).toBe('unsupported-version');
		expect(problemOf(link.replace('#d2.', '#d10.'))).toBe('unsupported-version');
		expect(problemOf(`${ORIGIN}/device#d3`)).toBe('unsupported-version');
	});

	it('refuse a link of version 1, which carried no signing key, saying it is from an earlier app', () => {
		const result = parseDeviceLink(link.replace('#d2.', '#d1.'));
		expect(result.ok ? null : result.error.problem).toBe('unsupported-version');
		expect(result.ok ? '' : result.error.message).toMatch(/earlier version/);
	});

	it('call every cut-off link truncated, wherever it was cut', () => {
		const start = link.indexOf('#d2') + 3;
		for (let end = start; end < link.length; end++) {
			expect(problemOf(link.slice(0, end)), `cut at ${end}`).toBe('truncated');
		}
	});

	it('call any one changed character damaged', () => {
		// Past the length field (the first three characters of the payload).
		const start = link.indexOf('#d2.') + 4 + 4;
		for (let at = start; at < link.length; at++) {
			const changed = link[at] === 'A' ? 'B' : 'A';
			const input = link.slice(0, at) + changed + link.slice(at + 1);
			expect(problemOf(input), `changed at ${at}`).toBe('damaged');
		}
		expect(problemOf(link.replace('#d2.', '#d2.a'))).toBe('damaged');
		expect(problemOf(`${link}AAAAAAAA`)).toBe('damaged');
		expect(problemOf(link.toLowerCase())).toBe('damaged');
	});

	it('reject oversize input before parsing it, and a payload over the cap', () => {
		expect(problemOf(`${link}${'A'.repeat(MAX_DEVICE_LINK_LENGTH)}`)).toBe('too-long');
		const bytes = new Uint8Array(MAX_DEVICE_LINK_PAYLOAD_BYTES + 1);
		new DataView(bytes.buffer).setUint16(0, bytes.length);
		expect(problemOf(`${ORIGIN}/device#d2.${encodeBase32(bytes)}`)).toBe('too-long');
	});

	it('reject a part number outside its parts', () => {
		expect(problemOf(sealed({ part: 2, parts: 2 }))).toBeNull();
		expect(problemOf(sealed({ part: 3, parts: 2 }))).toBe('bad-part');
		expect(problemOf(sealed({ part: 0, parts: 1 }))).toBe('bad-part');
		expect(problemOf(sealed({ part: 1, parts: 0 }))).toBe('bad-part');
	});

	it('reject a name no identity may have', () => {
		for (const name of [[], utf8(' Kim'), utf8('Kim\n'), utf8('x'.repeat(61)), [0xff, 0xfe]]) {
			expect(problemOf(sealed({ name })), JSON.stringify(name)).toBe('bad-identity');
		}
	});

	it('reject triads with an unknown access level or an unusable name', () => {
		expect(problemOf(sealed({ triads: [triadBytes({ access: 1 })] }))).toBeNull();
		expect(problemOf(sealed({ triads: [triadBytes({ access: 2 })] }))).toBe('bad-triad');
		for (const name of [[], utf8(' Ops'), utf8('a\tb'), utf8('x'.repeat(81)), [0xc3]]) {
			expect(problemOf(sealed({ triads: [triadBytes({ name })] })), JSON.stringify(name)).toBe(
				'bad-triad'
			);
		}
	});

	it('reject a triad listed twice', () => {
		const twice = [triadBytes({ name: utf8('One') }), triadBytes({ name: utf8('Two') })];
		expect(problemOf(sealed({ triads: twice }))).toBe('duplicate-triad');
		const apart = [triadBytes(), triadBytes({ docId: new Array<number>(16).fill(8) })];
		expect(problemOf(sealed({ triads: apart }))).toBeNull();
	});

	it('reject fields that do not fill the payload exactly', () => {
		expect(problemOf(sealed({ triads: [triadBytes()] }, [0]))).toBe('damaged');
		expect(problemOf(sealed({ triads: [triadBytes()], count: 2 }))).toBe('damaged');
		expect(problemOf(sealed({ triads: [triadBytes()], count: 0 }))).toBe('damaged');
	});

	it('never throw, whatever the input', () => {
		const payload = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567') });
		fc.assert(
			fc.property(
				fc.oneof(
					fc.string(),
					payload.map((p) => `#d2.${p}`)
				),
				(input) => {
					const result = parseDeviceLink(input);
					expect(typeof result.ok).toBe('boolean');
				}
			)
		);
		fc.assert(
			fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), (body) => {
				const result = parseDeviceLink(sealed({}, [...body]));
				expect(result.ok).toBe(false);
			})
		);
	});

	it('read back a member id, document ids and secrets byte for byte', () => {
		const result = parseDeviceLink(sealed({ triads: [triadBytes()] }));
		if (!result.ok) throw result.error;
		expect(result.link.identity.memberId).toBe(identity.memberId);
		expect(result.link.identity.createdAt).toBe(0x019ab56c2a7b);
		expect(result.link.triads[0]?.docId).toBe(
			encodeBase64url(new Uint8Array(16).fill(7)) as DocumentId
		);
		expect(result.link.triads[0]?.secret).toBe(encodeBase64url(new Uint8Array(32).fill(9)));
	});
});
