import type * as Y from 'yjs';
import type { BallotId, MemberId, ProposalId } from '../domain/ids';
import { CHOICES, ROLES, type Ballot, type Choice, type EpochMs, type Role } from '../domain/model';
import { InvalidInputError, InvalidTransitionError } from './errors';
import { newId } from './new-id';
import { LOCAL_ORIGIN, type StampSource } from './origin';
import { proposalMapOf, readProposal, readProposalStatus } from './proposal-read';
import { ballotMessage } from '../domain/signatures';
import { ballotLog } from './schema';
import type { SigningContext } from './seats';
import { publishKeyIn, rememberVerdict } from './signing-keys';
import { NOTE_MAX, optionalText, requireId, requireInstant, requireOneOf } from './validate';
import { transactWrite } from './version';

export { ballotsByProposal, listBallots } from './ballot-read';

export interface NewBallot {
	proposalId: ProposalId;
	seat: Role;
	choice: Choice;
	reason?: string;
	/** Who pressed the button. */
	castBy: MemberId;
	/** The seat holder the ballot is for; defaults to castBy. Differs for a proxy ballot by a cover. */
	castFor?: MemberId;
	/**
	 * The revision of the text the voter was shown. Required: defaulting to the revision current
	 * at write time would count the ballot for an amended text the voter never saw.
	 */
	revision: number;
	/**
	 * The device clock at the moment of casting (`Date.now()` in the app). The decision rule judges
	 * the deadline by it, not by the HLC, which a fast peer's clock can drag ahead.
	 */
	deviceTime: EpochMs;
	id?: BallotId;
}

/**
 * Appends a ballot to the log, stamped with the caller's clock. Ballots are never edited or
 * removed: changing one's vote appends a newer ballot, and the decision rule reads the latest per
 * seat. Whether a proxy is allowed, and whether the ballot is late, is judged by the decision rule
 * when counting, not here, because it depends on ballots and absences this replica may not have
 * yet.
 */
export function castBallot(
	doc: Y.Doc,
	clock: StampSource,
	input: NewBallot,
	origin: unknown = LOCAL_ORIGIN
): BallotId {
	const ballot = ballotOf(doc, clock, input);
	transactWrite(doc, () => ballotLog(doc).push([ballot]), origin);
	return ballot.id;
}

/**
 * Casts a ballot as `castBy`, signed by them (`signing.signer` must be `castBy`; for a proxy
 * ballot that is the cover), publishing their key with it if the triad has none for them yet.
 * Checked and stamped before signing, which WebCrypto does asynchronously; appended once signed.
 */
export async function castSignedBallot(
	doc: Y.Doc,
	clock: StampSource,
	input: NewBallot,
	signing: SigningContext,
	origin: unknown = LOCAL_ORIGIN
): Promise<BallotId> {
	const ballot = ballotOf(doc, clock, input);
	if (ballot.castBy !== signing.signer.member) {
		throw new InvalidInputError('a ballot is signed by the member who casts it');
	}
	const sig = await signing.signer.sign(ballotMessage(signing.scope, ballot));
	const entry = { ...ballot, sig };
	transactWrite(
		doc,
		() => {
			publishKeyIn(doc, ballot.castBy, signing.signer.publicKey);
			ballotLog(doc).push([entry]);
		},
		origin
	);
	// Signed here, so known good: no check needed before it counts. (Yjs keeps the pushed object
	// as the stored entry.) Should the triad know another key for this member, it reads as pending
	// and the check finds it not verifiable.
	rememberVerdict(entry, signing.signer.publicKey, true);
	return ballot.id;
}

/** The ballot `input` describes, checked against the proposal and stamped by `clock`. */
function ballotOf(doc: Y.Doc, clock: StampSource, input: NewBallot): Ballot {
	const seat = requireOneOf('seat', ROLES, input.seat);
	const choice = requireOneOf('choice', CHOICES, input.choice);
	const reason = optionalText('reason', input.reason, NOTE_MAX);
	const castBy = requireId<MemberId>('castBy', input.castBy);
	const deviceTime = requireInstant('deviceTime', input.deviceTime);
	const castFor =
		input.castFor === undefined ? castBy : requireId<MemberId>('castFor', input.castFor);
	const proposal = proposalMapOf(doc, input.proposalId);
	const status = readProposalStatus(proposal);
	if (status !== 'open') {
		throw new InvalidTransitionError(
			`proposal ${input.proposalId} is ${status}; ballots are taken only while it is open`
		);
	}
	const current = readProposal(doc, input.proposalId)?.revision ?? 1;
	const { revision } = input;
	if (!Number.isSafeInteger(revision) || revision < 1 || revision > current) {
		throw new InvalidInputError(`revision must be between 1 and ${current}, got ${revision}`);
	}
	const id = input.id === undefined ? newId<BallotId>() : requireId<BallotId>('id', input.id);
	const ballot: Ballot = {
		id,
		proposalId: input.proposalId,
		revision,
		seat,
		choice,
		reason,
		castBy,
		castFor,
		at: clock.now(),
		deviceTime
	};
	return ballot;
}
