import * as Y from 'yjs';
import type { MemberId } from '../domain/ids';
import type { SignatureStatus } from '../domain/model';
import { isKeyText, isSignatureText } from './ed25519';
import { ID_MAX } from './limits';
import { LOCAL_ORIGIN } from './origin';
import { idOr } from './parse';
import { absencesMap, ballotLog, keyLog, seatLog } from './schema';
import type { SetAsideTally } from './set-aside';
import { transactWrite } from './version';

/*
 * Members' signing keys in a triad, and what a record's signature status is.
 *
 * Publication. A member's app appends `{ member, publicKey, vouched }` to the key log in the same
 * transaction as the member's first signed write (and when it opens a triad the member is in). The
 * log is append-only, and the first entry of a member id in the log's order is that member's key,
 * for good: an entry for a member who already has one is ignored. Yjs orders a log the same way on
 * every replica, and an entry appended by a device that held another member's entry lands after
 * it; two first entries of one member made concurrently (two devices of the same person offline,
 * or someone racing to publish a key for them) are ordered by Yjs's rule for concurrent inserts,
 * identically everywhere. A key entry carries no signature of its own: nobody but the first writer
 * can make an entry count, and an entry is never edited.
 *
 * Unsigned records. Records written before members had keys carry no signature. Such a record
 * counts while the member it names as its writer has no published key; once they have one, it
 * counts only if their key entry vouches for it (`vouched`: the ids of their unsigned ballots and
 * the stamps of their unsigned seat entries that the document held when they published). So a
 * member's past votes and seats survive their upgrade, and from then on nobody can write an
 * unsigned record in their name. The same holds for absences, with one gap: a key entry published
 * by an app that signed no absences lists none (`vouchedAbsences` null), and that app went on
 * writing its member's absences unsigned after publishing; those absences must keep counting, so
 * for such a member an unsigned absence counts as unsigned, whoever wrote it.
 */

/** A member's key as the key log publishes it. */
export interface PublishedKey {
	publicKey: string;
	/** Their unsigned ballots (by id) and seat entries (by stamp) that still count. */
	vouchedBallots: ReadonlySet<string>;
	vouchedSeatEntries: ReadonlySet<string>;
	/**
	 * Their unsigned absences (by id) that still count; null when the key entry lists none at all,
	 * as an app that signs no absences publishes it (see `absenceStatusOf` in `absences.ts`).
	 */
	vouchedAbsences: ReadonlySet<string> | null;
}

/** Each member's published key: the first entry of their id in the key log. */
export type SigningKeys = ReadonlyMap<MemberId, PublishedKey>;

/** The most records one key entry vouches for, per kind: beyond it the rest are not read. */
const VOUCHED_MAX = 100_000;

/** Parsed key log entries, by the stored entry (immutable, see `ballot-read.ts`). */
const parsedKeys = new WeakMap<object, { member: MemberId; key: PublishedKey } | null>();

function readKeyEntry(entry: unknown): { member: MemberId; key: PublishedKey } | null {
	if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return null;
	const cacheable = Object.getPrototypeOf(entry) === Object.prototype;
	if (cacheable && parsedKeys.has(entry)) return parsedKeys.get(entry)!;
	const record = entry as Record<string, unknown>;
	const member = idOr(own(record, 'member'));
	const publicKey = own(record, 'publicKey');
	let parsed: { member: MemberId; key: PublishedKey } | null = null;
	if (member !== null && isKeyText(publicKey)) {
		const vouched = own(record, 'vouched');
		const lists = typeof vouched === 'object' && vouched !== null ? vouched : {};
		parsed = {
			member: member as MemberId,
			key: {
				publicKey,
				vouchedBallots: idSet(own(lists as Record<string, unknown>, 'ballots')),
				vouchedSeatEntries: idSet(own(lists as Record<string, unknown>, 'seats')),
				vouchedAbsences: Array.isArray(own(lists as Record<string, unknown>, 'absences'))
					? idSet(own(lists as Record<string, unknown>, 'absences'))
					: null
			}
		};
	}
	if (cacheable) parsedKeys.set(entry, parsed);
	return parsed;
}

function idSet(value: unknown): ReadonlySet<string> {
	const ids = new Set<string>();
	if (!Array.isArray(value)) return ids;
	for (const item of value.slice(0, VOUCHED_MAX)) {
		if (typeof item === 'string' && item.length > 0 && item.length <= ID_MAX) ids.add(item);
	}
	return ids;
}

function own(record: object, key: string): unknown {
	return Object.hasOwn(record, key) ? (record as Record<string, unknown>)[key] : undefined;
}

/**
 * Each member's key: the first readable entry of their id in the key log's order. Entries that do
 * not read (no member id, no 32-byte key) are set aside; later entries of a member are ignored
 * (they are not malformed, and `signingKeyConflicts` names them).
 */
export function readSigningKeys(doc: Y.Doc, aside?: SetAsideTally): SigningKeys {
	const keys = new Map<MemberId, PublishedKey>();
	for (const entry of keyLog(doc).toArray()) {
		const parsed = readKeyEntry(entry);
		if (parsed === null) {
			aside?.add(typeof entry === 'object' && entry !== null ? own(entry, 'member') : null);
		} else if (!keys.has(parsed.member)) {
			keys.set(parsed.member, parsed.key);
		}
	}
	return keys;
}

/** The members for whom the key log holds a key other than the one that stands. */
export function signingKeyConflicts(doc: Y.Doc): MemberId[] {
	const keys = readSigningKeys(doc);
	const conflicts = new Set<MemberId>();
	for (const entry of keyLog(doc).toArray()) {
		const parsed = readKeyEntry(entry);
		if (parsed !== null && keys.get(parsed.member)?.publicKey !== parsed.key.publicKey) {
			conflicts.add(parsed.member);
		}
	}
	return [...conflicts];
}

/**
 * Appends `member`'s key to the key log unless they already have one, vouching for the unsigned
 * records in their name the document holds now. Call inside the transaction of their write.
 */
export function publishKeyIn(doc: Y.Doc, member: MemberId, publicKey: string): void {
	if (readSigningKeys(doc).has(member)) return;
	const ballots: string[] = [];
	for (const entry of ballotLog(doc).toArray()) {
		const record = entry as Record<string, unknown> | null;
		if (typeof record !== 'object' || record === null || Array.isArray(record)) continue;
		if (own(record, 'castBy') !== member || own(record, 'sig') !== undefined) continue;
		const id = idOr(own(record, 'id'));
		if (id !== null) ballots.push(id);
	}
	const seats: string[] = [];
	for (const entry of seatLog(doc).toArray()) {
		const record = entry as Record<string, unknown> | null;
		if (typeof record !== 'object' || record === null || Array.isArray(record)) continue;
		if (own(record, 'member') !== member || own(record, 'sig') !== undefined) continue;
		const at = own(record, 'at');
		if (typeof at === 'string' && at.length <= ID_MAX) seats.push(at);
	}
	const absences: string[] = [];
	for (const [id, absence] of absencesMap(doc).entries()) {
		if (!(absence instanceof Y.Map) || absence.get('member') !== member) continue;
		if (absence.get('sig') === undefined && idOr(id) !== null) absences.push(id);
	}
	keyLog(doc).push([{ member, publicKey, vouched: { ballots, seats, absences } }]);
}

/**
 * Publishes `member`'s key in a write of its own, when they have none in the triad yet: what a
 * member's app does on opening a triad, so that their records from before are vouched for and
 * nobody else publishes a key in their name first. Does nothing when they have a key.
 */
export function publishSigningKey(
	doc: Y.Doc,
	member: MemberId,
	publicKey: string,
	origin: unknown = LOCAL_ORIGIN
): void {
	if (readSigningKeys(doc).has(member)) return;
	transactWrite(doc, () => publishKeyIn(doc, member, publicKey), origin);
}

/**
 * What the signature checks found, by the stored entry: Yjs never changes an entry, so one check
 * per entry and key holds for as long as the entry lives (the signature is part of the entry).
 * The key is kept with the answer, since the key that stands for a member can change while
 * documents merge (two first keys published concurrently).
 */
const verdicts = new WeakMap<object, { publicKey: string; ok: boolean }>();

/** Records the outcome of checking `entry`'s signature with `publicKey`. */
export function rememberVerdict(entry: object, publicKey: string, ok: boolean): void {
	verdicts.set(entry, { publicKey, ok });
}

/** Whether `entry` was checked with `publicKey` already. */
export function hasVerdict(entry: object, publicKey: string): boolean {
	return verdicts.get(entry)?.publicKey === publicKey;
}

/**
 * A record's signature status (see `SignatureStatus`), from the stored entry, its signature field
 * (null when it has none), how its writer's key entry would vouch for it (`vouchKey`, with
 * `vouchedIn` picking the list) and the writer's published key.
 */
export function signatureStatusOf(
	entry: unknown,
	signature: string | null,
	key: PublishedKey | undefined,
	vouched: (key: PublishedKey) => boolean
): SignatureStatus {
	if (signature === null) return key === undefined || vouched(key) ? 'unsigned' : 'not-verifiable';
	if (key === undefined || typeof entry !== 'object' || entry === null) return 'not-verifiable';
	const verdict = verdicts.get(entry);
	if (verdict === undefined || verdict.publicKey !== key.publicKey) return 'pending';
	return verdict.ok ? 'verified' : 'not-verifiable';
}

/**
 * Verdicts on records stored in a map whose fields can change (an absence, the lens notes of a
 * proposal), by the map and a slot within it (`declaration`, a seat): unlike a log entry, the same
 * map can hold other fields or another signature later, so a verdict holds only for the exact key,
 * fields and signature it was reached on. The fields are given as a fingerprint: the record's
 * canonical message without its document scope, which readers do not know (a document is always
 * checked with its own id).
 */
const mutableVerdicts = new WeakMap<object, Map<string, { check: string; ok: boolean }>>();

function checkOf(publicKey: string, fingerprint: string, signature: string): string {
	return `${publicKey}\n${signature}\n${fingerprint}`;
}

/** Records the outcome of checking the signature in `slot` of `holder`. */
export function rememberSlotVerdict(
	holder: object,
	slot: string,
	check: { publicKey: string; fingerprint: string; signature: string },
	ok: boolean
): void {
	let slots = mutableVerdicts.get(holder);
	if (slots === undefined) mutableVerdicts.set(holder, (slots = new Map()));
	slots.set(slot, { check: checkOf(check.publicKey, check.fingerprint, check.signature), ok });
}

/** The verdict on the signature in `slot` of `holder` for exactly this check, if reached. */
export function slotVerdict(
	holder: object,
	slot: string,
	check: { publicKey: string; fingerprint: string; signature: string }
): boolean | undefined {
	const verdict = mutableVerdicts.get(holder)?.get(slot);
	if (verdict === undefined) return undefined;
	return verdict.check === checkOf(check.publicKey, check.fingerprint, check.signature)
		? verdict.ok
		: undefined;
}

/**
 * The status of a signed record kept in a map slot: `pending` until a check of exactly these
 * fields and this signature with the writer's key is done; not verifiable with no key or a
 * malformed signature.
 */
export function slotStatusOf(
	holder: object,
	slot: string,
	signature: string,
	fingerprint: string,
	key: PublishedKey | undefined
): SignatureStatus {
	if (key === undefined || signature === 'malformed') return 'not-verifiable';
	const ok = slotVerdict(holder, slot, { publicKey: key.publicKey, fingerprint, signature });
	if (ok === undefined) return 'pending';
	return ok ? 'verified' : 'not-verifiable';
}

/** A stored signature field: null when there is none, `malformed` when it is not a signature. */
export function signatureField(value: unknown): string | null {
	if (value === undefined) return null;
	return isSignatureText(value) ? value : 'malformed';
}

/** A signature kept in a map slot, to check: see `checkSignatures`. */
export interface SlotJob {
	publicKey: string;
	signature: string;
	/** The canonical message for the document `scope`. */
	messageIn: (scope: string) => string;
	/** Whether this exact signature was checked with this key already. */
	checked: boolean;
	remember: (ok: boolean) => void;
}

/** The job of checking the signature in `slot` of `holder`, whose message `messageIn` makes. */
export function slotJob(
	holder: object,
	slot: string,
	publicKey: string,
	signature: string,
	messageIn: (scope: string) => string
): SlotJob {
	const check = { publicKey, fingerprint: messageIn(''), signature };
	return {
		publicKey,
		signature,
		messageIn,
		checked: slotVerdict(holder, slot, check) !== undefined,
		remember: (ok) => rememberSlotVerdict(holder, slot, check, ok)
	};
}
