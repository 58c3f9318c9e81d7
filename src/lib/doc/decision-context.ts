import type * as Y from 'yjs';
import { prepareDecisionContext, type DecisionContext } from '../domain/decision';
import type { EpochMs } from '../domain/model';
import { listAbsences } from './absences';
import { listSeatClaims } from './seats';

/**
 * The triad's seat log and absences prepared for the decision rule. Ballots are judged against
 * the whole seat log, so a seat handed over later does not rewrite a decision already reached.
 * Given `now`, seat entries dated more than a day ahead of it wait until then.
 */
export function decisionContextOf(doc: Y.Doc, now?: EpochMs): DecisionContext {
	return prepareDecisionContext({ seats: listSeatClaims(doc), absences: listAbsences(doc), now });
}
