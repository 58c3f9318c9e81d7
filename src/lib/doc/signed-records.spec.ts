import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeHlc } from '../domain/hlc';
import type { BallotId, MemberId } from '../domain/ids';
import { ROLES, type Ballot } from '../domain/model';
import { ballotMessage, seatEntryMessage } from '../domain/signatures';
import { castBallot, castSignedBallot, listBallots } from './ballots';
import { checkSignatures } from './check-signatures';
import {
	createSigner,
	createVerifier,
	generateSigningKey,
	type RecordSigner,
	type SignatureVerifier
} from './ed25519';
import { outcomeOf } from './outcome';
import { createProposal, openProposal } from './proposals';
import { ballotLog, keyLog, seatLog } from './schema';
import {
	claimSeat,
	listSeatClaims,
	readSeatHolders,
	writeSignedSeatEntry,
	type SigningContext
} from './seats';
import { publishKeyIn, readSigningKeys, signingKeyConflicts } from './signing-keys';
import { newBallot } from './testing/new-ballot';
import { stepClock } from './testing/step-clock';

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

/** Counts the checks it runs, to show a second read checks nothing again. */
function countingVerifier(): SignatureVerifier & { calls: number } {
	const real = createVerifier();
	const counting = {
		calls: 0,
		verify(publicKey: string, message: string, signature: string) {
			counting.calls++;
			return real.verify(publicKey, message, signature);
		}
	};
	return counting;
}

/** A triad with three seated members who each sign, and one open proposal. */
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
	return { doc, clock, signers, signing, proposalId };
}

/** A ballot entry as an altered app writes it: any fields, signed by whoever it likes. */
async function rawBallot(
	signer: RecordSigner | null,
	fields: Omit<Ballot, 'id' | 'signature' | 'reason' | 'revision'> & Partial<Ballot>
): Promise<Record<string, unknown>> {
	const ballot: Ballot = {
		id: `forged${Math.random().toString(36).slice(2, 14)}` as BallotId,
		reason: '',
		revision: 1,
		...fields
	};
	const sig = signer === null ? undefined : await signer.sign(ballotMessage(SCOPE, ballot));
	return sig === undefined ? { ...ballot } : { ...ballot, sig };
}

describe('signed ballots', () => {
	it('count at once where they were cast; elsewhere once checked, each record checked once', async () => {
		const { doc, clock, signing, proposalId } = await signedTriad();
		const id = await castSignedBallot(
			doc,
			clock,
			newBallot(proposalId, 'keeper', 'agree', kim, { deviceTime: NOW }),
			signing(0)
		);
		// The first write published the key; signed here, the ballot is known good here.
		expect(readSigningKeys(doc).get(kim)?.publicKey).toBe(signing(0).signer.publicKey);
		expect(listBallots(doc, proposalId)[0]).toMatchObject({ id, signature: 'verified' });
		// Another replica: pending (not counted) until its check has run.
		const other = new Y.Doc();
		Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
		expect(listBallots(other, proposalId)[0]).toMatchObject({ id, signature: 'pending' });
		expect(outcomeOf(other, proposalId, NOW + HOUR)!.counted.keeper).toBeNull();
		expect(readSeatHolders(other)).toEqual({ keeper: null, bearer: null, navigator: null });
		const verifier = countingVerifier();
		expect(await checkSignatures(other, SCOPE, verifier)).toBe(4);
		expect(listBallots(other, proposalId)[0]).toMatchObject({ id, signature: 'verified' });
		expect(outcomeOf(other, proposalId, NOW + HOUR)!.counted.keeper?.id).toBe(id);
		expect(readSeatHolders(other)).toEqual({ keeper: kim, bearer: ben, navigator: nia });
		// The answer is kept with the stored entry: a second pass checks nothing.
		expect(await checkSignatures(other, SCOPE, verifier)).toBe(0);
		expect(verifier.calls).toBe(4);
	});

	it('a ballot with another member’s castBy and castFor does not count and shows as not verifiable', async () => {
		const { doc, clock, signing, proposalId } = await signedTriad();
		const mal = await signerOf(mallory);
		await castSignedBallot(doc, clock, newBallot(proposalId, 'keeper', 'agree', kim), signing(0));
		await castSignedBallot(doc, clock, newBallot(proposalId, 'bearer', 'agree', ben), signing(1));
		const at = clock.now();
		const forged = [
			// Signed by Mallory in Nia's name; unsigned in Nia's name, whose key is published; and
			// one with 64 bytes of garbage where the signature goes.
			await rawBallot(mal, {
				proposalId,
				seat: 'navigator',
				choice: 'disagree',
				castBy: nia,
				castFor: nia,
				at
			}),
			await rawBallot(null, {
				proposalId,
				seat: 'navigator',
				choice: 'disagree',
				castBy: nia,
				castFor: nia,
				at
			}),
			{
				...(await rawBallot(null, {
					proposalId,
					seat: 'navigator',
					choice: 'disagree',
					castBy: nia,
					castFor: nia,
					at
				})),
				sig: 'x'.repeat(86)
			}
		];
		ballotLog(doc).push(forged);
		await checkSignatures(doc, SCOPE, createVerifier());
		const outcome = outcomeOf(doc, proposalId, NOW + DAY)!;
		expect(outcome.unverified.map((b) => b.id).sort()).toEqual(forged.map((f) => f.id).sort());
		expect(outcome.unverified.every((b) => b.signature === 'not-verifiable')).toBe(true);
		expect(outcome.counted.navigator).toBeNull();
		expect(outcome.state).toBe('open');
	});

	it('a proxy ballot is signed by the cover who casts it', async () => {
		const { doc, clock, signing, proposalId } = await signedTriad();
		// Ben casts for Nia, signed by Ben: verified (whether Ben covers Nia is the rule's to judge).
		await castSignedBallot(
			doc,
			clock,
			newBallot(proposalId, 'navigator', 'agree', ben, { castFor: nia }),
			signing(1)
		);
		// The same ballot signed with Nia's key in Ben's name does not verify.
		await expect(
			castSignedBallot(
				doc,
				clock,
				newBallot(proposalId, 'navigator', 'agree', ben, { castFor: nia }),
				signing(2)
			)
		).rejects.toThrow(/signed by the member who casts it/);
		await checkSignatures(doc, SCOPE, createVerifier());
		expect(listBallots(doc, proposalId).map((b) => b.signature)).toEqual(['verified']);
	});

	it('a ballot stamped far ahead counts only once its time comes, and shows as dated in the future', async () => {
		const { doc, clock, signing, proposalId } = await signedTriad();
		const far = encodeHlc({ wall: NOW + 400 * DAY, counter: 0, node: 'nia' });
		const entry = await rawBallot(signing(2).signer, {
			proposalId,
			seat: 'navigator',
			choice: 'disagree',
			castBy: nia,
			castFor: nia,
			at: far,
			deviceTime: NOW + 400 * DAY
		});
		ballotLog(doc).push([entry]);
		await checkSignatures(doc, SCOPE, createVerifier());
		expect(outcomeOf(doc, proposalId, NOW + HOUR)!.future.map((b) => b.id)).toEqual([entry.id]);
		// Nia votes today; the ballot from next year does not out-vote her.
		await castSignedBallot(
			doc,
			clock,
			newBallot(proposalId, 'navigator', 'agree', nia, { deviceTime: NOW + HOUR }),
			signing(2)
		);
		await checkSignatures(doc, SCOPE, createVerifier());
		expect(outcomeOf(doc, proposalId, NOW + 2 * HOUR)!.counted.navigator?.choice).toBe('agree');
		expect(outcomeOf(doc, proposalId, NOW + 400 * DAY)!.counted.navigator?.id).toBe(entry.id);
	});
});

describe('keys', () => {
	it('a second key published for a member is ignored', async () => {
		const { doc, clock, signing, proposalId } = await signedTriad();
		const mal = await signerOf(nia);
		publishKeyIn(doc, nia, mal.publicKey);
		keyLog(doc).push([
			{ member: nia, publicKey: mal.publicKey, vouched: { ballots: [], seats: [] } }
		]);
		expect(readSigningKeys(doc).get(nia)?.publicKey).toBe(signing(2).signer.publicKey);
		expect(signingKeyConflicts(doc)).toEqual([nia]);
		const forged = await rawBallot(mal, {
			proposalId,
			seat: 'navigator',
			choice: 'disagree',
			castBy: nia,
			castFor: nia,
			at: clock.now()
		});
		ballotLog(doc).push([forged]);
		await checkSignatures(doc, SCOPE, createVerifier());
		expect(outcomeOf(doc, proposalId, NOW + DAY)!.unverified.map((b) => b.id)).toEqual([forged.id]);
	});

	it('unsigned records written before a member published their key keep counting; later ones do not', async () => {
		const doc = new Y.Doc();
		const clock = stepClock('a', NOW);
		ROLES.forEach((seat, i) => claimSeat(doc, clock, { seat, member: [kim, ben, nia][i]! }));
		const proposalId = createProposal(doc, clock, { title: 'Old', createdBy: kim });
		openProposal(doc, clock, { proposalId, deadline: null, now: NOW });
		const before = castBallot(doc, clock, newBallot(proposalId, 'keeper', 'agree', kim));
		const kimSigner = await signerOf(kim);
		// Kim's app publishes her key with her first signed write: a claim of the seat she holds.
		await writeSignedSeatEntry(
			doc,
			clock,
			{ seat: 'keeper', member: kim, kind: 'claim' },
			{ signer: kimSigner, scope: SCOPE }
		);
		const after = castBallot(doc, clock, newBallot(proposalId, 'keeper', 'disagree', kim));
		await checkSignatures(doc, SCOPE, createVerifier());
		const statuses = new Map(listBallots(doc, proposalId).map((b) => [b.id, b.signature]));
		expect(statuses.get(before)).toBe('unsigned');
		expect(statuses.get(after)).toBe('not-verifiable');
		expect(outcomeOf(doc, proposalId, NOW + DAY)!.counted.keeper?.id).toBe(before);
		// Her unsigned claim from before still holds the seat; Ben's unsigned ones count (no key).
		expect(readSeatHolders(doc)).toEqual({ keeper: kim, bearer: ben, navigator: nia });
		expect(listSeatClaims(doc).map((c) => c.signature)).toEqual([
			'unsigned',
			'unsigned',
			'unsigned',
			'verified'
		]);
	});

	it('concurrent first keys of one member resolve to the same key on every replica', async () => {
		const keys = await Promise.all(
			[0, 1, 2].map(async () => (await generateSigningKey()).publicKey)
		);
		fc.assert(
			fc.property(fc.array(fc.nat(2), { minLength: 1, maxLength: 3 }), fc.nat(), (order, seed) => {
				const docs = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
				// Each replica publishes a key for Kim without having seen the others'.
				docs.forEach((doc, i) => doc.transact(() => publishKeyIn(doc, kim, keys[i]!)));
				const updates = docs.map((doc) => Y.encodeStateAsUpdate(doc));
				// Deliver in a drawn order, partly twice, then everything.
				for (const [n, from] of order.entries()) {
					Y.applyUpdate(docs[(from + n + seed) % 3]!, updates[from]!);
				}
				for (const doc of docs) for (const update of updates) Y.applyUpdate(doc, update);
				const standing = docs.map((doc) => readSigningKeys(doc).get(kim)?.publicKey);
				expect(new Set(standing).size).toBe(1);
				expect(keys).toContain(standing[0]);
			}),
			{ numRuns: 100 }
		);
	});
});

describe('signed seat entries', () => {
	it('a claim stamped in 1970 is set aside; one stamped before a claim its writer had seen does not take the seat', async () => {
		const { doc } = await signedTriad();
		const mal = await signerOf(mallory);
		const holderEntry = listSeatClaims(doc).find((c) => c.seat === 'keeper')!;
		const entry = async (wall: number, seen: string | null) => {
			const claim = {
				seat: 'keeper' as const,
				member: mallory,
				kind: 'claim' as const,
				at: encodeHlc({ wall, counter: 0, node: 'mallory' }),
				seen: seen as never
			};
			return { ...claim, sig: await mal.sign(seatEntryMessage(SCOPE, claim)) };
		};
		seatLog(doc).push([await entry(0, null), await entry(NOW - DAY, holderEntry.at)]);
		// Mallory's key is published with her first signed write.
		await writeSignedSeatEntry(
			doc,
			stepClock('m', NOW + HOUR),
			{ seat: 'bearer', member: mallory, kind: 'release' },
			{ signer: mal, scope: SCOPE }
		);
		await checkSignatures(doc, SCOPE, createVerifier());
		expect(listSeatClaims(doc).filter((c) => c.member === mallory)).toHaveLength(2);
		expect(readSeatHolders(doc).keeper).toBe(kim);
	});

	it('a release of someone else’s seat, signed by another member, does not free it', async () => {
		const { doc } = await signedTriad();
		const mal = await signerOf(mallory);
		const release = {
			seat: 'keeper' as const,
			member: kim,
			kind: 'release' as const,
			at: encodeHlc({ wall: NOW + HOUR, counter: 0, node: 'mallory' }),
			seen: null
		};
		seatLog(doc).push([{ ...release, sig: await mal.sign(seatEntryMessage(SCOPE, release)) }]);
		await checkSignatures(doc, SCOPE, createVerifier());
		expect(listSeatClaims(doc).at(-1)?.signature).toBe('not-verifiable');
		expect(readSeatHolders(doc).keeper).toBe(kim);
	});
});
