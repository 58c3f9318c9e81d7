import type * as Y from 'yjs';
import { prepareDecisionContext, type DecisionContext } from '../domain/decision';
import { listAbsences } from './absences';
import { listSeatClaims } from './seats';

/**
 * The triad's seat log and absences prepared for the decision rule. Ballots are judged against
 * the whole seat log, so a seat handed over later does not rewrite a decision already reached.
 */
export function decisionContextOf(doc: Y.Doc): DecisionContext {
	return prepareDecisionContext({ seats: listSeatClaims(doc), absences: listAbsences(doc) });
}
