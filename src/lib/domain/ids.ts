/**
 * Branded identifiers. Every id is a string on the wire and in Yjs, but the type system keeps a
 * member id from being passed where a proposal id is expected.
 */
import { isRandomId } from '../protocol/ids';

export { idFromBytes, isRandomId, parseDocumentId, type DocumentId } from '../protocol/ids';

type Brand<Name extends string> = string & { readonly __brand: Name };

/** A person, stable across all the triads they sit in. */
export type MemberId = Brand<'MemberId'>;
export type ProposalId = Brand<'ProposalId'>;
export type BallotId = Brand<'BallotId'>;
export type AbsenceId = Brand<'AbsenceId'>;
export type ActionId = Brand<'ActionId'>;
export type LogEntryId = Brand<'LogEntryId'>;

/** Narrows a string to a member id, or returns null when it has the wrong shape. */
export function parseMemberId(value: unknown): MemberId | null {
	return isRandomId(value) ? (value as MemberId) : null;
}
