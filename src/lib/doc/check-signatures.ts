import type * as Y from 'yjs';
import { ballotMessage, seatEntryMessage } from '../domain/signatures';
import { readBallotEntry } from './ballot-read';
import type { SignatureVerifier } from './ed25519';
import { absenceSignatureJobs, absencesChanged } from './absences';
import { lensNotesChanged, lensSignatureJobs } from './lens-notes';
import { ballotLog, keyLog, seatLog } from './schema';
import { readSeatEntry } from './seats';
import { hasVerdict, readSigningKeys, rememberVerdict } from './signing-keys';

/** How many signatures are checked at once: enough to keep WebCrypto busy, few enough to yield. */
const BATCH = 512;

/**
 * Checks the signature of every signed ballot, seat entry, absence (and cancellation) and lens
 * note of `doc` that has not been checked
 * with its writer's current key, for the document id `scope`, and remembers each answer with the
 * stored entry (`signing-keys.ts`): readers then report `verified` or `not-verifiable` instead of
 * `pending`. Returns how many were checked, so a caller knows whether to read again. Entries
 * whose writer has no published key are left alone (they read as not verifiable until a key
 * arrives). Checks run in batches between which the event loop runs.
 */
export async function checkSignatures(
	doc: Y.Doc,
	scope: string,
	verifier: SignatureVerifier
): Promise<number> {
	const keys = readSigningKeys(doc);
	const jobs: {
		publicKey: string;
		message: string;
		sig: string;
		remember: (ok: boolean) => void;
	}[] = [];
	for (const entry of ballotLog(doc).toArray()) {
		const parsed = readBallotEntry(entry);
		if (parsed === null || parsed.sig === null || typeof entry !== 'object' || entry === null) {
			continue;
		}
		const key = keys.get(parsed.ballot.castBy);
		if (key === undefined || hasVerdict(entry, key.publicKey)) continue;
		const message = ballotMessage(scope, parsed.ballot);
		jobs.push({
			publicKey: key.publicKey,
			message,
			sig: parsed.sig,
			remember: rememberFor(entry, key.publicKey)
		});
	}
	for (const entry of seatLog(doc).toArray()) {
		const parsed = readSeatEntry(entry);
		if (parsed === null || parsed.sig === null || typeof entry !== 'object' || entry === null) {
			continue;
		}
		const key = keys.get(parsed.entry.member);
		if (key === undefined || hasVerdict(entry, key.publicKey)) continue;
		const message = seatEntryMessage(scope, parsed.entry);
		jobs.push({
			publicKey: key.publicKey,
			message,
			sig: parsed.sig,
			remember: rememberFor(entry, key.publicKey)
		});
	}
	for (const job of [...absenceSignatureJobs(doc, keys), ...lensSignatureJobs(doc, keys)]) {
		const message = job.messageIn(scope);
		jobs.push({ ...job, message, sig: job.signature });
	}
	for (let start = 0; start < jobs.length; start += BATCH) {
		const batch = jobs.slice(start, start + BATCH);
		const results = await Promise.all(
			batch.map((job) => verifier.verify(job.publicKey, job.message, job.sig))
		);
		batch.forEach((job, i) => job.remember(results[i]!));
	}
	return jobs.length;
}

function rememberFor(entry: object, publicKey: string): (ok: boolean) => void {
	return (ok) => rememberVerdict(entry, publicKey, ok);
}

/**
 * Whether a transaction changed ballots, seat entries, keys, absences or lens notes: only then can
 * a check pass find anything new (a keystroke in a proposal's body, say, cannot).
 */
export function signedRecordsChanged(transaction: Y.Transaction): boolean {
	const { doc, changed } = transaction;
	return (
		changed.has(ballotLog(doc)) ||
		changed.has(seatLog(doc)) ||
		changed.has(keyLog(doc)) ||
		absencesChanged(transaction) ||
		lensNotesChanged(transaction)
	);
}
