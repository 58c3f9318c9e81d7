import * as Y from 'yjs';
import type { AbsenceId, MemberId } from '../domain/ids';
import { parseHlc } from '../domain/hlc';
import type { Absence, EpochMs, SignatureStatus } from '../domain/model';
import { absenceCancelMessage, absenceMessage } from '../domain/signatures';
import { InvalidInputError, NotFoundError, NotPermittedError } from './errors';
import { newId } from './new-id';
import { LOCAL_ORIGIN, type StampSource } from './origin';
import { booleanOr, compareStrings, idOr, instantOr, textOr } from './parse';
import { absencesMap } from './schema';
import type { SigningContext } from './seats';
import type { SetAsideTally } from './set-aside';
import {
	publishKeyIn,
	readSigningKeys,
	rememberSlotVerdict,
	signatureField,
	slotStatusOf,
	slotJob,
	type PublishedKey,
	type SigningKeys,
	type SlotJob
} from './signing-keys';
import { NOTE_MAX, optionalText, requireId, requireInstant } from './validate';
import { transactWrite } from './version';

export interface NewAbsence {
	member: MemberId;
	from: EpochMs;
	to: EpochMs;
	cover: MemberId;
	handover?: string;
	id?: AbsenceId;
}

/** The fields of a new absence, checked, with its id and stamp. */
function absenceOf(doc: Y.Doc, clock: StampSource, input: NewAbsence): DeclaredAbsence {
	const member = requireId<MemberId>('member', input.member);
	const cover = requireId<MemberId>('cover', input.cover);
	const from = requireInstant('from', input.from);
	const to = requireInstant('to', input.to);
	const handover = optionalText('handover note', input.handover, NOTE_MAX);
	if (to <= from) throw new InvalidInputError('an absence must end after it starts');
	if (cover === member) throw new InvalidInputError('a member cannot cover for themselves');
	const id = input.id === undefined ? newId<AbsenceId>() : requireId<AbsenceId>('id', input.id);
	refuseTakenId(doc, id);
	return { id, member, from, to, cover, handover, createdAt: clock.now() };
}

type DeclaredAbsence = Pick<
	Absence,
	'id' | 'member' | 'from' | 'to' | 'cover' | 'handover' | 'createdAt'
>;

function refuseTakenId(doc: Y.Doc, id: AbsenceId): void {
	if (absencesMap(doc).has(id)) {
		throw new InvalidInputError(`an absence with id ${id} already exists`);
	}
}

function storeAbsence(doc: Y.Doc, absence: DeclaredAbsence, sig?: string): Y.Map<unknown> {
	const fields = new Y.Map<unknown>();
	absencesMap(doc).set(absence.id, fields);
	fields.set('member', absence.member);
	fields.set('from', absence.from);
	fields.set('to', absence.to);
	fields.set('cover', absence.cover);
	fields.set('handover', absence.handover);
	fields.set('createdAt', absence.createdAt);
	fields.set('cancelled', false);
	fields.set('cancelledAt', null);
	if (sig !== undefined) fields.set('sig', sig);
	return fields;
}

/**
 * Declares the member's absence and who covers for them, unsigned: what a device without a
 * signing key writes (it counts while the triad knows no key for the member). Each absence is its
 * own map, written only by the absent member, so a later cancel or handover edit touches one key
 * without racing anyone.
 */
export function declareAbsence(
	doc: Y.Doc,
	clock: StampSource,
	input: NewAbsence,
	origin: unknown = LOCAL_ORIGIN
): AbsenceId {
	const absence = absenceOf(doc, clock, input);
	transactWrite(doc, () => storeAbsence(doc, absence), origin);
	return absence.id;
}

/**
 * Declares the member's absence signed by them (`signing.signer` must be the absent member),
 * publishing their key with it if the triad has none for them yet. The signature covers what the
 * member declares (`absenceMessage`); the cover rule counts the absence only if it verifies.
 */
export async function declareSignedAbsence(
	doc: Y.Doc,
	clock: StampSource,
	input: NewAbsence,
	signing: SigningContext,
	origin: unknown = LOCAL_ORIGIN
): Promise<AbsenceId> {
	const absence = absenceOf(doc, clock, input);
	if (absence.member !== signing.signer.member) {
		throw new InvalidInputError('an absence is signed by the absent member');
	}
	const sig = await signing.signer.sign(absenceMessage(signing.scope, absence));
	refuseTakenId(doc, absence.id);
	let fields: Y.Map<unknown> | null = null;
	transactWrite(
		doc,
		() => {
			publishKeyIn(doc, absence.member, signing.signer.publicKey);
			fields = storeAbsence(doc, absence, sig);
		},
		origin
	);
	// Signed here, so known good (see `castSignedBallot`).
	const fingerprint = absenceMessage('', absence);
	rememberSlotVerdict(
		fields!,
		DECLARATION,
		{ publicKey: signing.signer.publicKey, fingerprint, signature: sig },
		true
	);
	return absence.id;
}

/** The slots of an absence's signatures, for the verdicts kept with its map. */
const DECLARATION = 'declaration';
const CANCELLATION = 'cancellation';

/**
 * Cancels an absence at `now` (the device time), unsigned; only the absent member may, and the
 * record stays for history. The cover keeps what they did before `now` (see the cover rule).
 * Cancelling again keeps the first time, so the span of cover already granted never grows. A
 * signed absence is cancelled only by a signed write (`cancelSignedAbsence`): an unsigned
 * cancellation of it would not count.
 */
export function cancelAbsence(
	doc: Y.Doc,
	input: { absenceId: AbsenceId; by: MemberId; now: EpochMs },
	origin: unknown = LOCAL_ORIGIN
): void {
	const now = requireInstant('now', input.now);
	const absence = ownAbsence(doc, input.absenceId, input.by);
	if (absence.get('cancelled') === true) return;
	refuseSigned(absence, 'cancelled');
	transactWrite(
		doc,
		() => {
			absence.set('cancelled', true);
			absence.set('cancelledAt', now);
		},
		origin
	);
}

/**
 * Cancels an absence at `now`, signed by the absent member (`absenceCancelMessage`): a
 * cancellation counts only if it verifies, so nobody else can cut short the cover they granted.
 */
export async function cancelSignedAbsence(
	doc: Y.Doc,
	input: { absenceId: AbsenceId; by: MemberId; now: EpochMs },
	signing: SigningContext,
	origin: unknown = LOCAL_ORIGIN
): Promise<void> {
	const now = requireInstant('now', input.now);
	const absence = ownAbsence(doc, input.absenceId, input.by);
	if (absence.get('cancelled') === true) return;
	if (input.by !== signing.signer.member) {
		throw new InvalidInputError('a cancellation is signed by the absent member');
	}
	const cancel = { id: input.absenceId, member: input.by, cancelledAt: now };
	const sig = await signing.signer.sign(absenceCancelMessage(signing.scope, cancel));
	if (absence.get('cancelled') === true) return;
	transactWrite(
		doc,
		() => {
			publishKeyIn(doc, input.by, signing.signer.publicKey);
			absence.set('cancelled', true);
			absence.set('cancelledAt', now);
			absence.set('cancelSig', sig);
		},
		origin
	);
	const fingerprint = absenceCancelMessage('', cancel);
	rememberSlotVerdict(
		absence,
		CANCELLATION,
		{ publicKey: signing.signer.publicKey, fingerprint, signature: sig },
		true
	);
}

/**
 * Rewrites the handover note, unsigned; only the absent member may. A signed absence is edited
 * only by a signed write (`setSignedHandover`): the note is part of what its signature covers.
 */
export function setHandover(
	doc: Y.Doc,
	input: { absenceId: AbsenceId; by: MemberId; handover: string },
	origin: unknown = LOCAL_ORIGIN
): void {
	const handover = optionalText('handover note', input.handover, NOTE_MAX);
	const absence = ownAbsence(doc, input.absenceId, input.by);
	refuseSigned(absence, 'edited');
	transactWrite(doc, () => absence.set('handover', handover), origin);
}

/**
 * Rewrites the handover note and signs the absence anew (the note is part of the declaration).
 * The rest of the declaration is signed as stored: an absence whose stored fields do not read is
 * refused.
 */
export async function setSignedHandover(
	doc: Y.Doc,
	input: { absenceId: AbsenceId; by: MemberId; handover: string },
	signing: SigningContext,
	origin: unknown = LOCAL_ORIGIN
): Promise<void> {
	const handover = optionalText('handover note', input.handover, NOTE_MAX);
	const absence = ownAbsence(doc, input.absenceId, input.by);
	if (input.by !== signing.signer.member) {
		throw new InvalidInputError('an absence is signed by the absent member');
	}
	const stored = readDeclaration(input.absenceId, absence);
	if (stored === null) throw new NotFoundError('absence', input.absenceId);
	const declared = { ...stored, handover };
	const sig = await signing.signer.sign(absenceMessage(signing.scope, declared));
	transactWrite(
		doc,
		() => {
			publishKeyIn(doc, input.by, signing.signer.publicKey);
			absence.set('handover', handover);
			absence.set('sig', sig);
		},
		origin
	);
	const fingerprint = absenceMessage('', declared);
	rememberSlotVerdict(
		absence,
		DECLARATION,
		{ publicKey: signing.signer.publicKey, fingerprint, signature: sig },
		true
	);
}

function refuseSigned(absence: Y.Map<unknown>, change: string): void {
	if (absence.get('sig') !== undefined) {
		throw new NotPermittedError(`a signed absence can only be ${change} with a signature`);
	}
}

function ownAbsence(doc: Y.Doc, absenceId: AbsenceId, by: MemberId): Y.Map<unknown> {
	const absence = absencesMap(doc).get(absenceId);
	if (!(absence instanceof Y.Map)) throw new NotFoundError('absence', absenceId);
	if (absence.get('member') !== by) {
		throw new NotPermittedError('only the absent member can change their absence');
	}
	return absence;
}

/** The declared fields of a stored absence; null when they do not read. */
function readDeclaration(key: string, fields: Y.Map<unknown>): DeclaredAbsence | null {
	const id = idOr(key);
	const member = idOr(fields.get('member'));
	const cover = idOr(fields.get('cover'));
	const from = instantOr(fields.get('from'), null);
	const to = instantOr(fields.get('to'), null);
	if (!id || !member || !cover || from === null || to === null || to <= from) return null;
	return {
		id: id as AbsenceId,
		member: member as MemberId,
		from,
		to,
		cover: cover as MemberId,
		handover: textOr(fields.get('handover'), NOTE_MAX),
		createdAt: parseHlc(fields.get('createdAt'))
	};
}

/**
 * Every absence, cancelled ones included, by start time. An absence is set aside when it is not a
 * map, its key is not an id, it names no member or cover, or its span is not two instants within
 * 2000–2200 in order. A cancellation time outside that range reads as none (the absence grants
 * nothing once cancelled); a handover note longer than a writer stores is cut. Each absence
 * carries the status of its member's signature, and a cancelled one that of its cancellation
 * (`signing-keys.ts`); a signed one is `pending` until `checkSignatures` has checked it.
 */
export function listAbsences(doc: Y.Doc, aside?: SetAsideTally): Absence[] {
	const absences: Absence[] = [];
	const keys = readSigningKeys(doc);
	for (const [key, absence] of absencesMap(doc).entries()) {
		const fields = absence instanceof Y.Map ? absence : null;
		const declared = fields === null ? null : readDeclaration(key, fields);
		if (fields === null || declared === null) {
			aside?.add(fields?.get('member'));
			continue;
		}
		const cancelled = booleanOr(fields.get('cancelled'), false);
		const cancelledAt = instantOr(fields.get('cancelledAt'), null);
		const read: Absence = { ...declared, cancelled, cancelledAt };
		read.signature = absenceStatusOf(fields, declared, keys);
		if (cancelled || cancelledAt !== null) {
			read.cancellationSignature = cancellationStatusOf(fields, read, read.signature, keys);
		}
		absences.push(read);
	}
	return absences.sort((a, b) => a.from - b.from || compareStrings(a.id, b.id));
}

/**
 * Whether the absent member signed the absence as declared. An unsigned one counts while they have
 * no published key, when their key entry vouches for it, and when their key entry predates signed
 * absences (see `vouchedAbsences`).
 */
function absenceStatusOf(
	fields: Y.Map<unknown>,
	declared: DeclaredAbsence,
	keys: SigningKeys
): SignatureStatus {
	const key = keys.get(declared.member);
	const sig = signatureField(fields.get('sig'));
	if (sig === null) return unsignedCounts(key, declared.id) ? 'unsigned' : 'not-verifiable';
	return slotStatusOf(fields, DECLARATION, sig, absenceMessage('', declared), key);
}

function unsignedCounts(key: PublishedKey | undefined, id: string): boolean {
	return key === undefined || key.vouchedAbsences === null || key.vouchedAbsences.has(id);
}

/**
 * Whether the absent member signed its cancellation. An unsigned cancellation counts only on an
 * absence that counts unsigned itself (written by an app that signs neither).
 */
function cancellationStatusOf(
	fields: Y.Map<unknown>,
	absence: Absence,
	declaration: SignatureStatus,
	keys: SigningKeys
): SignatureStatus {
	const sig = signatureField(fields.get('cancelSig'));
	if (sig === null) return declaration === 'unsigned' ? 'unsigned' : 'not-verifiable';
	const fingerprint = absenceCancelMessage('', absence);
	return slotStatusOf(fields, CANCELLATION, sig, fingerprint, keys.get(absence.member));
}

/**
 * The signatures of absences still to check with their member's current key: each job says what
 * to verify, and how to remember the answer for the readers (`check-signatures.ts`).
 */
export function absenceSignatureJobs(doc: Y.Doc, keys: SigningKeys): SlotJob[] {
	const jobs: SlotJob[] = [];
	for (const [id, absence] of absencesMap(doc).entries()) {
		if (!(absence instanceof Y.Map)) continue;
		const declared = readDeclaration(id, absence);
		const key = declared === null ? undefined : keys.get(declared.member);
		if (declared === null || key === undefined) continue;
		const sig = signatureField(absence.get('sig'));
		if (sig !== null && sig !== 'malformed') {
			jobs.push(
				slotJob(absence, DECLARATION, key.publicKey, sig, (at) => absenceMessage(at, declared))
			);
		}
		const cancelSig = signatureField(absence.get('cancelSig'));
		if (cancelSig !== null && cancelSig !== 'malformed') {
			const cancel = {
				id: declared.id,
				member: declared.member,
				cancelledAt: instantOr(absence.get('cancelledAt'), null)
			};
			jobs.push(
				slotJob(absence, CANCELLATION, key.publicKey, cancelSig, (at) =>
					absenceCancelMessage(at, cancel)
				)
			);
		}
	}
	return jobs.filter((job) => !job.checked);
}

/** Whether a transaction added an absence or changed one's fields. */
export function absencesChanged(transaction: Y.Transaction): boolean {
	const absences: unknown = absencesMap(transaction.doc);
	for (const type of transaction.changed.keys()) {
		if (type === absences || type._item?.parent === absences) return true;
	}
	return false;
}
