import type { MemberId } from '../domain/ids';
import { compareStrings, idOr } from './parse';

/**
 * What readers leave out. Any member's app can write anything into the shared document, and a
 * screen that trusted it would stop drawing for every member: a record a reader cannot read whole
 * (no id, a field of the wrong type, an id already taken by an earlier record) is set aside, and
 * counted here with the member it names as its writer, so the screens can say how much they left
 * out and from whom. Set-aside records stay in the document and in its workspace file.
 *
 * Values a reader repairs inside a record it keeps (an instant outside 2000–2200, a text longer
 * than any writer stores) are not counted: the record is shown, without the value or cut short.
 */
export interface SetAside {
	/** How many records were set aside. */
	count: number;
	/** The same records by the member each names as its writer, most first. */
	byAuthor: AuthorCount[];
}

export interface AuthorCount {
	/** Null for records that name no writer, or not as an id. */
	author: MemberId | null;
	count: number;
}

/** A reader's answer: the records it read, in its order, and what it set aside. */
export interface ReadResult<T> {
	records: T[];
	setAside: SetAside;
}

/** Counts set-aside records while readers run; allocates nothing until the first one. */
export class SetAsideTally {
	#count = 0;
	#byAuthor: Map<MemberId | null, number> | null = null;

	/** Counts one record set aside; `author` is its writer's field as stored, of any type. */
	add(author: unknown): void {
		const id = idOr(author) as MemberId | null;
		this.#count++;
		this.#byAuthor ??= new Map();
		this.#byAuthor.set(id, (this.#byAuthor.get(id) ?? 0) + 1);
	}

	/** Adds what another reader set aside. */
	addAll(setAside: SetAside): void {
		if (setAside.count === 0) return;
		this.#count += setAside.count;
		this.#byAuthor ??= new Map();
		for (const { author, count } of setAside.byAuthor) {
			this.#byAuthor.set(author, (this.#byAuthor.get(author) ?? 0) + count);
		}
	}

	get result(): SetAside {
		if (this.#byAuthor === null) return { count: 0, byAuthor: [] };
		const byAuthor = [...this.#byAuthor].map(([author, count]) => ({ author, count }));
		// Most first, then by id with the unnamed last: the same order on every replica.
		byAuthor.sort((a, b) => b.count - a.count || compareAuthors(a.author, b.author));
		return { count: this.#count, byAuthor };
	}
}

function compareAuthors(a: MemberId | null, b: MemberId | null): number {
	if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
	return compareStrings(a, b);
}

/** Runs `read` with a fresh tally and returns its records with what it set aside. */
export function readWith<T>(read: (aside: SetAsideTally) => T[]): ReadResult<T> {
	const aside = new SetAsideTally();
	const records = read(aside);
	return { records, setAside: aside.result };
}

/** Several readers' set-aside records as one. */
export function combineSetAside(parts: readonly SetAside[]): SetAside {
	const tally = new SetAsideTally();
	for (const part of parts) tally.addAll(part);
	return tally.result;
}
