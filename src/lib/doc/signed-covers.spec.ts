import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { AbsenceId, MemberId } from '../domain/ids';
import { ROLES, type Absence } from '../domain/model';
import { absenceCancelMessage, absenceMessage, lensNoteMessage } from '../domain/signatures';
import {
	cancelAbsence,
	cancelSignedAbsence,
	declareAbsence,
	declareSignedAbsence,
	listAbsences,
	setHandover,
	setSignedHandover
} from './absences';
import { castSignedBallot } from './ballots';
import { checkSignatures, signedRecordsChanged } from './check-signatures';
import { createSigner, createVerifier, generateSigningKey, type RecordSigner } from './ed25519';
import { outcomeOf } from './outcome';
import { signatureKey } from './lens-notes';
import { readProposal } from './proposal-read';
import {
	createProposal,
	openProposal,
	proposalBody,
	proposalMapOf,
	setLensNote,
	setSignedLensNote
} from './proposals';
import { absencesMap, keyLog, PROPOSAL } from './schema';
import { writeSignedSeatEntry, type SigningContext } from './seats';
import { publishKeyIn } from './signing-keys';
import { newBallot } from './testing/new-ballot';
import { stepClock } from './testing/step-clock';

/*
 * Signed absences (and their cancellations) and lens notes: signed by their writer on write,
 * checked once per signature on another replica, and what one that does not verify means: an
 * absence that does not verify gives its cover no proxy vote, a cancellation that does not verify
 * does not end the cover, a lens note that does not verify is shown as such with who it names.
 */

const SCOPE = 'triad-document-id-0001';
const kim = 'kimkimkimkimkimkimkim0' as MemberId;
const ben = 'benbenbenbenbenbenben0' as MemberId;
const nia = 'nianianianianianiania0' as MemberId;
const mallory = 'mallorymallorymallory0' as MemberId;
const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function signerOf(member: MemberId): Promise<RecordSigner> {
	return createSigner(member, await generateSigningKey());
}

/** A triad with Kim, Ben and Nia seated and signing, and one open proposal. */
async function signedTriad() {
	const doc = new Y.Doc();
	const clock = stepClock('a', NOW);
	const signers = await Promise.all([kim, ben, nia].map(signerOf));
	const signing = (i: number): SigningContext => ({ signer: signers[i]!, scope: SCOPE });
	for (const [i, seat] of ROLES.entries()) {
		await writeSignedSeatEntry(
			doc,
			clock,
			{ seat, member: signers[i]!.member, kind: 'claim' },
			signing(i)
		);
	}
	const proposalId = createProposal(doc, clock, { title: 'Night shifts', createdBy: kim });
	openProposal(doc, clock, { proposalId, deadline: null, now: NOW });
	return { doc, clock, signing, proposalId };
}

/** Another replica of `doc`, which has checked nothing yet. */
function replicaOf(doc: Y.Doc): Y.Doc {
	const other = new Y.Doc();
	Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
	return other;
}

const away = { member: nia, cover: ben, from: NOW - HOUR, to: NOW + DAY, handover: 'the keys' };

/** Ben's proxy ballot for Nia's seat, and what counts for that seat afterwards. */
async function benVotesForNia(
	doc: Y.Doc,
	triad: Awaited<ReturnType<typeof signedTriad>>
): Promise<string | undefined> {
	const { clock, signing, proposalId } = triad;
	const ballot = newBallot(proposalId, 'navigator', 'agree', ben, { castFor: nia });
	await castSignedBallot(doc, clock, ballot, signing(1));
	await checkSignatures(doc, SCOPE, createVerifier());
	return outcomeOf(doc, proposalId, NOW + HOUR)!.counted.navigator?.castBy;
}

/** Writes `fields` as an absence straight into the document, as an altered app can. */
function plantAbsence(doc: Y.Doc, id: string, fields: Record<string, unknown>): void {
	doc.transact(() => {
		const map = new Y.Map<unknown>();
		absencesMap(doc).set(id, map);
		for (const [key, value] of Object.entries(fields)) map.set(key, value);
	});
}

describe('signed absences', () => {
	it('count where declared at once, elsewhere once checked; each signature is checked once', async () => {
		const triad = await signedTriad();
		const { doc, clock, signing } = triad;
		const id = await declareSignedAbsence(doc, clock, away, signing(2));
		expect(listAbsences(doc)[0]).toMatchObject({ id, signature: 'verified' });
		const other = replicaOf(doc);
		expect(listAbsences(other)[0]!.signature).toBe('pending');
		let calls = 0;
		const verifier = createVerifier();
		const counting = {
			verify: (key: string, message: string, sig: string) => {
				calls++;
				return verifier.verify(key, message, sig);
			}
		};
		expect(await checkSignatures(other, SCOPE, counting)).toBe(4);
		expect(listAbsences(other)[0]!.signature).toBe('verified');
		expect(await checkSignatures(other, SCOPE, counting)).toBe(0);
		expect(calls).toBe(4);
		// The cover's proxy ballot counts on the replica too.
		expect(await benVotesForNia(other, triad)).toBe(ben);
	});

	it('one in another member’s name, signed by someone else or not at all, gives no cover', async () => {
		const triad = await signedTriad();
		const { doc, clock } = triad;
		const mal = await signerOf(mallory);
		const forgeries: Record<string, unknown>[] = [];
		const declared = { ...away, handover: '', createdAt: clock.now() };
		for (const [n, signer] of [mal, null].entries()) {
			const id = `forgedAbsence${n}xxxxxxx` as AbsenceId;
			const sig =
				signer === null ? undefined : await signer.sign(absenceMessage(SCOPE, { ...declared, id }));
			forgeries.push({ id, sig });
			plantAbsence(doc, id, {
				...declared,
				cancelled: false,
				cancelledAt: null,
				...(sig === undefined ? {} : { sig })
			});
		}
		// Signed by Nia, but for another triad: a replay does not verify here either.
		const replayedId = 'replayedAbsence0000000' as AbsenceId;
		const nias = triad.signing(2).signer;
		plantAbsence(doc, replayedId, {
			...declared,
			cancelled: false,
			cancelledAt: null,
			sig: await nias.sign(absenceMessage('another-triad', { ...declared, id: replayedId }))
		});
		await checkSignatures(doc, SCOPE, createVerifier());
		expect(listAbsences(doc).map((a) => a.signature)).toEqual([
			'not-verifiable',
			'not-verifiable',
			'not-verifiable'
		]);
		expect(await benVotesForNia(doc, triad)).toBeUndefined();
	});

	it('a handover note rewritten by someone else does not verify; one the member re-signs does', async () => {
		const triad = await signedTriad();
		const { doc, clock, signing } = triad;
		const id = await declareSignedAbsence(doc, clock, away, signing(2));
		const other = replicaOf(doc);
		(absencesMap(other).get(id) as Y.Map<unknown>).set('handover', 'ignore the vote');
		await checkSignatures(other, SCOPE, createVerifier());
		expect(listAbsences(other)[0]!.signature).toBe('not-verifiable');
		expect(await benVotesForNia(other, triad)).toBeUndefined();
		// The unsigned writers refuse a signed absence rather than break its signature.
		expect(() => setHandover(doc, { absenceId: id, by: nia, handover: 'x' })).toThrow(/signature/);
		expect(() => cancelAbsence(doc, { absenceId: id, by: nia, now: NOW })).toThrow(/signature/);
		await setSignedHandover(doc, { absenceId: id, by: nia, handover: 'call Ben' }, signing(2));
		const mine = replicaOf(doc);
		await checkSignatures(mine, SCOPE, createVerifier());
		expect(listAbsences(mine)[0]).toMatchObject({ handover: 'call Ben', signature: 'verified' });
	});

	it('a cancellation counts only when the absent member signed it', async () => {
		const triad = await signedTriad();
		const { doc, clock, signing } = triad;
		const id = await declareSignedAbsence(doc, clock, away, signing(2));
		const forged = replicaOf(doc);
		const fields = absencesMap(forged).get(id) as Y.Map<unknown>;
		const mal = await signerOf(mallory);
		const cancel = { id, member: nia, cancelledAt: NOW - HOUR + 1 };
		forged.transact(() => {
			fields.set('cancelled', true);
			fields.set('cancelledAt', cancel.cancelledAt);
		});
		await checkSignatures(forged, SCOPE, createVerifier());
		expect(listAbsences(forged)[0]).toMatchObject({
			signature: 'verified',
			cancellationSignature: 'not-verifiable'
		});
		expect(await benVotesForNia(forged, triad)).toBe(ben);
		fields.set('cancelSig', await mal.sign(absenceCancelMessage(SCOPE, cancel)));
		await checkSignatures(forged, SCOPE, createVerifier());
		expect(listAbsences(forged)[0]!.cancellationSignature).toBe('not-verifiable');

		await cancelSignedAbsence(doc, { absenceId: id, by: nia, now: NOW - HOUR + 1 }, signing(2));
		const real = replicaOf(doc);
		await checkSignatures(real, SCOPE, createVerifier());
		expect(listAbsences(real)[0]).toMatchObject({ cancellationSignature: 'verified' });
		expect(await benVotesForNia(real, triad)).toBeUndefined();
	});

	it('unsigned absences from before a key keep counting; later ones in the member’s name do not', async () => {
		const doc = new Y.Doc();
		const clock = stepClock('a', NOW);
		const before = declareAbsence(doc, clock, { ...away, member: nia });
		const nias = await signerOf(nia);
		publishKeyIn(doc, nia, nias.publicKey);
		const after = declareAbsence(doc, clock, { ...away, member: nia });
		const statuses = new Map(listAbsences(doc).map((a) => [a.id, a.signature]));
		expect(statuses.get(before)).toBe('unsigned');
		expect(statuses.get(after)).toBe('not-verifiable');
		// A key entry from an app that signs no absences lists none: its member's unsigned
		// absences keep counting, as that app goes on writing them unsigned.
		const legacy = new Y.Doc();
		const legacyAbsence = declareAbsence(legacy, clock, { ...away, member: nia });
		keyLog(legacy).push([{ member: nia, publicKey: nias.publicKey, vouched: { ballots: [] } }]);
		const later = declareAbsence(legacy, clock, { ...away, member: nia });
		expect(listAbsences(legacy).map((a) => [a.id, a.signature])).toEqual(
			expect.arrayContaining([
				[legacyAbsence, 'unsigned'],
				[later, 'unsigned']
			])
		);
	});

	it('any tampered field makes a signed absence not verifiable (property)', async () => {
		const nias = await signerOf(nia);
		const base = new Y.Doc();
		const id = await declareSignedAbsence(base, stepClock('a', NOW), away, {
			signer: nias,
			scope: SCOPE
		});
		const update = Y.encodeStateAsUpdate(base);
		const tamper = fc.oneof(
			fc.record({ key: fc.constant('from'), value: fc.integer({ min: NOW - DAY, max: NOW }) }),
			fc.record({
				key: fc.constant('to'),
				value: fc.integer({ min: NOW + HOUR, max: NOW + 9 * DAY })
			}),
			fc.record({ key: fc.constant('cover'), value: fc.constantFrom<unknown>(kim, mallory) }),
			fc.record({ key: fc.constant('handover'), value: fc.string({ maxLength: 20 }) }),
			fc.record({ key: fc.constant('sig'), value: fc.string({ minLength: 86, maxLength: 86 }) })
		);
		await fc.assert(
			fc.asyncProperty(tamper, async ({ key, value }) => {
				const doc = new Y.Doc();
				Y.applyUpdate(doc, update);
				const fields = absencesMap(doc).get(id) as Y.Map<unknown>;
				const changed = fields.get(key) !== value;
				fields.set(key, value);
				await checkSignatures(doc, SCOPE, createVerifier());
				const read: Absence | undefined = listAbsences(doc)[0];
				// A tampered absence either stops reading (set aside) or does not verify.
				if (changed && read !== undefined) expect(read.signature).toBe('not-verifiable');
				if (!changed) expect(read?.signature).toBe('verified');
			}),
			{ numRuns: 60 }
		);
	});
});

describe('signed lens notes', () => {
	it('name their signer, verify once checked, and a forged or rewritten one does not', async () => {
		const { doc, signing, proposalId } = await signedTriad();
		await setSignedLensNote(doc, { proposalId, seat: 'bearer', note: 'new enough' }, signing(1));
		expect(readProposal(doc, proposalId)!.lensSignatures!.bearer).toEqual({
			by: ben,
			signature: 'verified'
		});
		const other = replicaOf(doc);
		expect(readProposal(other, proposalId)!.lensSignatures!.bearer!.signature).toBe('pending');
		expect(await checkSignatures(other, SCOPE, createVerifier())).toBeGreaterThan(0);
		expect(readProposal(other, proposalId)!.lensSignatures!.bearer!.signature).toBe('verified');

		// Rewritten with Ben's signature left beside it; and a note in Kim's name signed by Mallory.
		const lens = proposalMapOf(other, proposalId).get(PROPOSAL.lens) as Y.Map<unknown>;
		lens.set('bearer', 'not new at all');
		const mal = await signerOf(mallory);
		const text = 'Kim says: skip the sources';
		const message = lensNoteMessage(SCOPE, { proposalId, seat: 'keeper', text, by: kim });
		const forgedSig = await mal.sign(message);
		other.transact(() => {
			publishKeyIn(other, mallory, mal.publicKey);
			lens.set('keeper', text);
			lens.set(signatureKey('keeper'), { by: kim, sig: forgedSig });
		});
		await checkSignatures(other, SCOPE, createVerifier());
		const signatures = readProposal(other, proposalId)!.lensSignatures!;
		expect(signatures.bearer).toEqual({ by: ben, signature: 'not-verifiable' });
		expect(signatures.keeper).toEqual({ by: kim, signature: 'not-verifiable' });
		expect(readProposal(other, proposalId)!.lensNotes.keeper).toBe(text);
	});

	it('an unsigned note reads as unsigned and clears an earlier signature', async () => {
		const { doc, signing, proposalId } = await signedTriad();
		await setSignedLensNote(doc, { proposalId, seat: 'keeper', note: 'sources?' }, signing(0));
		setLensNote(doc, { proposalId, seat: 'keeper', note: 'written without a key' });
		expect(readProposal(doc, proposalId)!.lensSignatures!.keeper).toBeNull();
		// Garbage where the signature goes names no signer, or fails as not verifiable.
		const lens = proposalMapOf(doc, proposalId).get(PROPOSAL.lens) as Y.Map<unknown>;
		for (const garbage of [5, 'x', { by: 7 }, [kim], null]) {
			lens.set(signatureKey('navigator'), garbage);
			expect(readProposal(doc, proposalId)!.lensSignatures!.navigator).toBeNull();
		}
		lens.set(signatureKey('navigator'), { by: nia, sig: 'not a signature' });
		await checkSignatures(doc, SCOPE, createVerifier());
		expect(readProposal(doc, proposalId)!.lensSignatures!.navigator).toEqual({
			by: nia,
			signature: 'not-verifiable'
		});
	});

	it('any note text verifies as written and not once changed (property)', async () => {
		const { doc, signing, proposalId } = await signedTriad();
		await fc.assert(
			fc.asyncProperty(
				fc.string({ maxLength: 40 }),
				fc.string({ maxLength: 40 }),
				async (note, other) => {
					await setSignedLensNote(doc, { proposalId, seat: 'navigator', note }, signing(2));
					const replica = replicaOf(doc);
					await checkSignatures(replica, SCOPE, createVerifier());
					expect(readProposal(replica, proposalId)!.lensSignatures!.navigator!.signature).toBe(
						'verified'
					);
					(proposalMapOf(replica, proposalId).get(PROPOSAL.lens) as Y.Map<unknown>).set(
						'navigator',
						other
					);
					await checkSignatures(replica, SCOPE, createVerifier());
					expect(readProposal(replica, proposalId)!.lensSignatures!.navigator!.signature).toBe(
						other === note ? 'verified' : 'not-verifiable'
					);
				}
			),
			{ numRuns: 40 }
		);
	});
});

describe('which changes call for a check pass', () => {
	it('lens notes and absences do; a keystroke in a body does not', async () => {
		const { doc, clock, signing, proposalId } = await signedTriad();
		const seen: boolean[] = [];
		doc.on('afterTransaction', (transaction: Y.Transaction) =>
			seen.push(signedRecordsChanged(transaction))
		);
		proposalBody(doc, proposalId).insert(0, [new Y.XmlText('typing')]);
		setLensNote(doc, { proposalId, seat: 'keeper', note: 'note' });
		const id = declareAbsence(doc, clock, { ...away, member: kim, cover: ben });
		cancelAbsence(doc, { absenceId: id, by: kim, now: NOW });
		await setSignedLensNote(doc, { proposalId, seat: 'keeper', note: 'signed' }, signing(0));
		expect(seen).toEqual([false, true, true, true, true]);
	});
});
