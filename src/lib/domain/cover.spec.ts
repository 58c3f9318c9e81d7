import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
	coverAt,
	coverLookup,
	isActiveAbsence,
	mayActFor,
	seatsActorMayActFor,
	validateAbsence,
	type AbsenceDraft
} from './cover';
import type { SignatureStatus } from './model';
import { absence, BEA, DAY, HOLDERS, HOUR, KIM, NOA, OUTSIDER, T0 } from './testing/fixtures';

describe('cover rule', () => {
	const noaAway = absence(NOA, KIM, T0, T0 + DAY);

	it('grants the cover from the start (inclusive) to the end (exclusive)', () => {
		expect(mayActFor(KIM, NOA, [noaAway], T0 - 1)).toBe(false);
		expect(mayActFor(KIM, NOA, [noaAway], T0)).toBe(true);
		expect(mayActFor(KIM, NOA, [noaAway], T0 + DAY - 1)).toBe(true);
		expect(mayActFor(KIM, NOA, [noaAway], T0 + DAY)).toBe(false);
	});

	it('always lets members act for themselves, and no one else without an absence', () => {
		expect(mayActFor(NOA, NOA, [], T0)).toBe(true);
		expect(mayActFor(BEA, NOA, [noaAway], T0 + HOUR)).toBe(false);
		expect(mayActFor(NOA, KIM, [noaAway], T0 + HOUR)).toBe(false);
	});

	it('ignores cancelled and malformed absences', () => {
		const cancelled = absence(NOA, KIM, T0, T0 + DAY, { cancelled: true });
		const reversed = absence(NOA, KIM, T0 + DAY, T0);
		const selfCover = absence(NOA, NOA, T0, T0 + DAY);
		for (const a of [cancelled, reversed, selfCover]) {
			expect(isActiveAbsence(a, T0 + HOUR)).toBe(false);
			expect(coverAt([a], T0 + HOUR)).toEqual([]);
		}
		expect(mayActFor(KIM, NOA, [cancelled], T0 + HOUR)).toBe(false);
	});

	it('lets each cover of overlapping absences act in the overlap', () => {
		const second = absence(NOA, BEA, T0 + HOUR, T0 + 2 * DAY);
		const grants = coverAt([second, noaAway], T0 + 2 * HOUR);
		expect(grants.map((g) => g.cover).sort()).toEqual([BEA, KIM].sort());
		expect(coverAt([noaAway, second], T0 + 2 * HOUR)).toEqual(grants);
		expect(coverAt([second, noaAway], T0 + 1.5 * DAY).map((g) => g.cover)).toEqual([BEA]);
	});

	it('does not chain: the cover of an absent cover does not inherit the seat', () => {
		const kimAway = absence(KIM, BEA, T0, T0 + DAY);
		const absences = [noaAway, kimAway];
		expect(mayActFor(BEA, KIM, absences, T0 + HOUR)).toBe(true);
		expect(mayActFor(BEA, NOA, absences, T0 + HOUR)).toBe(false);
		expect(mayActFor(KIM, NOA, absences, T0 + HOUR)).toBe(true);
	});

	it('lists the seats an actor may act for', () => {
		expect(seatsActorMayActFor(KIM, HOLDERS, [noaAway], T0 + HOUR)).toEqual([
			'keeper',
			'navigator'
		]);
		expect(seatsActorMayActFor(KIM, HOLDERS, [noaAway], T0 + 2 * DAY)).toEqual(['keeper']);
		expect(seatsActorMayActFor(OUTSIDER, HOLDERS, [noaAway], T0 + HOUR)).toEqual([]);
	});

	it('answers through coverLookup exactly as mayActFor does', () => {
		const member = fc.constantFrom(KIM, BEA, NOA, OUTSIDER);
		const time = fc.integer({ min: T0 - DAY, max: T0 + 2 * DAY });
		const absenceArb = fc
			.record({
				member,
				cover: member,
				from: time,
				length: fc.integer({ min: -HOUR, max: DAY }),
				cancelled: fc.boolean()
			})
			.map((a) =>
				absence(a.member, a.cover, a.from, a.from + a.length, { cancelled: a.cancelled })
			);
		fc.assert(
			fc.property(
				fc.array(absenceArb, { maxLength: 6 }),
				fc.array(fc.tuple(member, member, time), { maxLength: 12 }),
				(absences, asked) => {
					// Every absence's edges too, where an off-by-one would show.
					const edges = absences.flatMap((a) =>
						[a.from - 1, a.from, a.to - 1, a.to].map((t) => [a.cover, a.member, t] as const)
					);
					const lookup = coverLookup(absences);
					for (const [actor, of, at] of [...asked, ...edges, [KIM, KIM, T0] as const]) {
						expect(lookup(actor, of, at)).toBe(mayActFor(actor, of, absences, at));
					}
				}
			),
			{ numRuns: 300 }
		);
	});
});

describe('signed absences and cancellations', () => {
	const statuses = fc.constantFrom<SignatureStatus | undefined>(
		'verified',
		'unsigned',
		'not-verifiable',
		'pending',
		undefined
	);

	it('an absence that does not verify makes nobody absent and gives no cover', () => {
		for (const signature of ['not-verifiable', 'pending'] as const) {
			const forged = absence(NOA, KIM, T0, T0 + DAY, { signature });
			expect(isActiveAbsence(forged, T0 + HOUR)).toBe(false);
			expect(mayActFor(KIM, NOA, [forged], T0 + HOUR)).toBe(false);
			expect(coverLookup([forged])(KIM, NOA, T0 + HOUR)).toBe(false);
			expect(seatsActorMayActFor(KIM, HOLDERS, [forged], T0 + HOUR)).toEqual(['keeper']);
		}
		for (const signature of ['verified', 'unsigned'] as const) {
			const kept = absence(NOA, KIM, T0, T0 + DAY, { signature });
			expect(mayActFor(KIM, NOA, [kept], T0 + HOUR)).toBe(true);
		}
	});

	it('a cancellation that does not verify leaves the absence in force as declared', () => {
		const cancelled = { cancelled: true, cancelledAt: T0 + HOUR };
		const forged = absence(NOA, KIM, T0, T0 + DAY, {
			...cancelled,
			signature: 'verified',
			cancellationSignature: 'not-verifiable'
		});
		expect(mayActFor(KIM, NOA, [forged], T0 + 2 * HOUR)).toBe(true);
		const real = { ...forged, cancellationSignature: 'verified' as const };
		expect(mayActFor(KIM, NOA, [real], T0 + 2 * HOUR)).toBe(false);
		// What the cover did before a real cancellation stays theirs.
		expect(mayActFor(KIM, NOA, [real], T0 + HOUR - 1)).toBe(true);
	});

	it('cover is granted exactly as by the counted records alone (property)', () => {
		const member = fc.constantFrom(KIM, BEA, NOA, OUTSIDER);
		const time = fc.integer({ min: T0 - DAY, max: T0 + 2 * DAY });
		const arb = fc
			.record({
				member,
				cover: member,
				from: time,
				length: fc.integer({ min: 1, max: DAY }),
				cancelAfter: fc.option(fc.integer({ min: 0, max: DAY })),
				signature: statuses,
				cancellationSignature: statuses
			})
			.map((a) =>
				absence(a.member, a.cover, a.from, a.from + a.length, {
					cancelled: a.cancelAfter !== null,
					cancelledAt: a.cancelAfter === null ? null : a.from + a.cancelAfter,
					signature: a.signature,
					cancellationSignature: a.cancelAfter === null ? undefined : a.cancellationSignature
				})
			);
		const counts = (s: SignatureStatus | undefined) =>
			s === undefined || s === 'verified' || s === 'unsigned';
		fc.assert(
			fc.property(fc.array(arb, { maxLength: 6 }), time, (absences, at) => {
				// The same absences with what does not count taken out: forged absences dropped,
				// forged cancellations undone.
				const counted = absences
					.filter((a) => counts(a.signature))
					.map((a) =>
						counts(a.cancellationSignature)
							? { ...a, signature: undefined, cancellationSignature: undefined }
							: {
									...a,
									cancelled: false,
									cancelledAt: null,
									signature: undefined,
									cancellationSignature: undefined
								}
					);
				expect(coverAt(absences, at)).toEqual(coverAt(counted, at));
				const lookup = coverLookup(absences);
				for (const a of absences) {
					expect(lookup(a.cover, a.member, at)).toBe(mayActFor(a.cover, a.member, counted, at));
				}
			}),
			{ numRuns: 300 }
		);
	});
});

describe('validating a new absence', () => {
	const members = [KIM, BEA, NOA];
	const draft = (overrides: Partial<AbsenceDraft> = {}): AbsenceDraft => ({
		member: NOA,
		from: T0,
		to: T0 + DAY,
		cover: KIM,
		handover: 'See the log.',
		...overrides
	});

	it('accepts a well-formed absence', () => {
		expect(validateAbsence(draft(), { members, absences: [] })).toEqual([]);
	});

	it.each([
		[{ to: T0 }, 'to', 'The absence must end after it starts.'],
		[{ to: T0 - 1 }, 'to', 'The absence must end after it starts.'],
		[{ from: Number.NaN }, 'from', 'Choose when the absence starts.'],
		[{ to: Number.NaN }, 'to', 'Choose when the absence ends.'],
		[{ cover: null }, 'cover', 'Name a member who covers your seat while you are away.'],
		[{ cover: NOA }, 'cover', 'You cannot cover for yourself; name another member of the triad.'],
		[{ cover: OUTSIDER }, 'cover', 'The cover must be a member of this triad.'],
		[{ member: OUTSIDER }, 'member', 'Only a member of this triad can mark an absence here.']
	] as const)('refuses %o', (overrides, field, message) => {
		expect(validateAbsence(draft(overrides), { members, absences: [] })).toEqual([
			{ field, severity: 'error', message }
		]);
	});

	it('warns when the cover is away during part of the absence', () => {
		const kimAway = absence(KIM, BEA, T0 + HOUR, T0 + 2 * DAY);
		const issues = validateAbsence(draft(), { members, absences: [kimAway] });
		expect(issues).toHaveLength(1);
		expect(issues[0]).toMatchObject({ field: 'cover', severity: 'warning' });
		const later = absence(KIM, BEA, T0 + DAY, T0 + 2 * DAY); // touches, does not overlap
		expect(validateAbsence(draft(), { members, absences: [later] })).toEqual([]);
		const cancelled = { ...kimAway, cancelled: true };
		expect(validateAbsence(draft(), { members, absences: [cancelled] })).toEqual([]);
	});

	it('warns when the member already marked an overlapping absence', () => {
		const earlier = absence(NOA, BEA, T0 - DAY, T0 + HOUR);
		expect(validateAbsence(draft(), { members, absences: [earlier] })).toEqual([
			expect.objectContaining({ field: 'from', severity: 'warning' })
		]);
	});
});
