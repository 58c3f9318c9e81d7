/**
 * Typed failures of the doc layer. Writes check their input before touching the document, so a
 * thrown error means nothing was written.
 */
export type DocErrorCode =
	| 'invalid-input'
	| 'not-found'
	| 'invalid-transition'
	| 'not-permitted'
	| 'not-initialized'
	| 'already-initialized'
	| 'newer-schema';

/** Base of every error the doc layer throws on purpose; `code` is stable, `message` is for people. */
export class DocError extends Error {
	constructor(
		readonly code: DocErrorCode,
		message: string
	) {
		super(message);
		this.name = new.target.name;
	}
}

/** The caller passed a value the schema cannot hold (empty title, bad deadline, unknown seat…). */
export class InvalidInputError extends DocError {
	constructor(message: string) {
		super('invalid-input', message);
	}
}

/** The record a write refers to does not exist in this replica. */
export class NotFoundError extends DocError {
	constructor(
		readonly kind: 'proposal' | 'absence' | 'action' | 'unit' | 'resource' | 'triad',
		readonly id: string
	) {
		super('not-found', `no ${kind} with id ${id} in this workspace`);
	}
}

/** The write is not allowed from the record's current status (e.g. amending a withdrawn proposal). */
export class InvalidTransitionError extends DocError {
	constructor(message: string) {
		super('invalid-transition', message);
	}
}

/** The member asking is not the one allowed to write this record (one writer per key). */
export class NotPermittedError extends DocError {
	constructor(message: string) {
		super('not-permitted', message);
	}
}

/**
 * The document has no workspace metadata yet, already has some when creating one, or was written
 * by a newer schema version than this code knows (`newer-schema`: the app must be updated).
 */
export class WorkspaceStateError extends DocError {
	constructor(code: 'not-initialized' | 'already-initialized' | 'newer-schema', message: string) {
		super(code, message);
	}
}
