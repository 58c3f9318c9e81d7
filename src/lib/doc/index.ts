/**
 * The workspace document layer: the only code that knows the Yjs schema of a triad. Everything
 * above it reads plain records from `../domain/model` and writes through these typed functions;
 * the one Yjs type handed out is a proposal body, for the editor to bind to.
 */
export { SCHEMA_VERSION } from './schema';
export { LOCAL_ORIGIN, type StampSource } from './origin';
export {
	DocError,
	InvalidInputError,
	InvalidTransitionError,
	NotFoundError,
	NotPermittedError,
	WorkspaceStateError,
	type DocErrorCode
} from './errors';
export { schemaStatus, type SchemaStatus } from './version';
export { initWorkspace, readMeta, updateMeta, type MetaPatch, type NewWorkspace } from './meta';
export { putMember, readMembers, type MemberEntry } from './members';
export {
	claimSeat,
	listSeatClaims,
	lostSeatClaims,
	readSeatHolders,
	releaseSeat,
	type LostSeatClaim
} from './seats';
export {
	amendProposal,
	createProposal,
	openProposal,
	proposalBody,
	setLensNote,
	setProposalTitle,
	withdrawProposal,
	type NewProposal,
	type OpenForVote
} from './proposals';
export { listProposals, readBodyText, readBodyXml, readProposal } from './proposal-read';
export { readBodyBlocks, type BodyBlock, type BodyRun } from './body-read';
export { ballotsByProposal, castBallot, listBallots, type NewBallot } from './ballots';
export {
	cancelAbsence,
	declareAbsence,
	listAbsences,
	setHandover,
	type NewAbsence
} from './absences';
export { appendLogEntry, listLog } from './keeper-log';
export { listRemovals, removeMember } from './removals';
export {
	createAction,
	listActions,
	updateAction,
	type ActionPatch,
	type NewAction
} from './actions';
export { readWorkspace, type WorkspaceSnapshot } from './workspace';
export {
	SetAsideTally,
	combineSetAside,
	readWith,
	type AuthorCount,
	type ReadResult,
	type SetAside
} from './set-aside';
export { INSTANT_MAX, INSTANT_MIN, NAME_MAX, NOTE_MAX, TITLE_MAX } from './limits';
export { observeWorkspace, type WorkspaceChange } from './observe';
export {
	decideEach,
	decideProposals,
	outcomeOf,
	outcomesOf,
	type DecidedProposal,
	type DecisionRecords
} from './outcome';
export {
	buildRegister,
	type DecisionRegister,
	type RegisterAction,
	type RegisterBallot,
	type RegisterEntry
} from './register';
export { registerToMarkdown } from './register-markdown';
export {
	EXPORT_FORMAT,
	EXPORT_VERSION,
	ImportError,
	MAX_IMPORT_CHARS,
	exportWorkspace,
	importWorkspace,
	type ImportErrorCode,
	type ImportedWorkspace,
	type WorkspaceExportFile
} from './export';
export { latestTimestamp } from './timestamps';
