import { idFromBytes } from '../domain/ids';

/** Mints a random 128-bit id for a new record (the domain leaves randomness to callers). */
export function newId<Id extends string>(): Id {
	return idFromBytes<Id>(crypto.getRandomValues(new Uint8Array(16)));
}
