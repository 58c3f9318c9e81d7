import * as Y from 'yjs';
import type { MemberId, ProposalId } from '../domain/ids';
import { ROLES, type LensNoteSignature, type Role } from '../domain/model';
import { lensNoteMessage } from '../domain/signatures';
import { NOTE_MAX } from './limits';
import { asRecord, idOr, textOr } from './parse';
import { PROPOSAL, proposalsMap } from './schema';
import {
	signatureField,
	slotJob,
	slotStatusOf,
	type SigningKeys,
	type SlotJob
} from './signing-keys';

/*
 * Signed lens notes. A proposal's lens map keeps each seat's note under the seat's name, as plain
 * text (what every version of the app reads), and the note's signature beside it under
 * `signatureKey(seat)`: `{ by, sig }`, written in the same transaction. An app that does not sign
 * writes the note and removes the signature, so its note reads as unsigned rather than as a
 * forgery of the last signer. A note whose text no longer matches its signature (rewritten by
 * someone else, or by an app that left the signature) does not verify for the member it names.
 */

/** The lens map key of the signature of `seat`'s note. */
export function signatureKey(seat: Role): string {
	return `signature:${seat}`;
}

/** A seat's note with the signature stored beside it; null when it has none that names a member. */
function signedNoteOf(
	lens: Y.Map<unknown>,
	seat: Role
): { text: string; by: MemberId; sig: string } | null {
	const record = asRecord(lens.get(signatureKey(seat)));
	const by = idOr(record?.get('by'));
	if (record === null || by === null) return null;
	return {
		text: textOr(lens.get(seat), NOTE_MAX),
		by: by as MemberId,
		sig: signatureField(record.get('sig')) ?? 'malformed'
	};
}

/**
 * Who signed each seat's note on the proposal and how that checked: null for a note without a
 * signature; `pending` until `checkSignatures` has checked it.
 */
export function readLensSignatures(
	lens: unknown,
	proposalId: ProposalId,
	keys: SigningKeys
): Record<Role, LensNoteSignature | null> {
	const signatures: Record<Role, LensNoteSignature | null> = {
		keeper: null,
		bearer: null,
		navigator: null
	};
	if (!(lens instanceof Y.Map)) return signatures;
	for (const seat of ROLES) {
		const note = signedNoteOf(lens, seat);
		if (note === null) continue;
		const fingerprint = lensNoteMessage('', { proposalId, seat, text: note.text, by: note.by });
		const status = slotStatusOf(lens, seat, note.sig, fingerprint, keys.get(note.by));
		signatures[seat] = { by: note.by, signature: status };
	}
	return signatures;
}

/** The signatures of lens notes still to check with their signer's current key. */
export function lensSignatureJobs(doc: Y.Doc, keys: SigningKeys): SlotJob[] {
	const jobs: SlotJob[] = [];
	for (const [key, proposal] of proposalsMap(doc).entries()) {
		const lens = proposal instanceof Y.Map ? proposal.get(PROPOSAL.lens) : null;
		const proposalId = idOr(key) as ProposalId | null;
		if (!(lens instanceof Y.Map) || proposalId === null) continue;
		for (const seat of ROLES) {
			const note = signedNoteOf(lens, seat);
			const publicKey = note === null ? undefined : keys.get(note.by)?.publicKey;
			if (note === null || publicKey === undefined || note.sig === 'malformed') continue;
			const { text, by } = note;
			const job = slotJob(lens, seat, publicKey, note.sig, (scope) =>
				lensNoteMessage(scope, { proposalId, seat, text, by })
			);
			if (!job.checked) jobs.push(job);
		}
	}
	return jobs;
}

/**
 * Whether a transaction changed a lens map (a note or its signature), found by where the changed
 * types sit: a keystroke in a proposal's body changes no lens map.
 */
export function lensNotesChanged(transaction: Y.Transaction): boolean {
	for (const type of transaction.changed.keys()) {
		if (type._item?.parentSub === PROPOSAL.lens) return true;
	}
	return false;
}
