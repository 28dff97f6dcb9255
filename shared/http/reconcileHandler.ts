import type { Request, Response } from '@google-cloud/functions-framework';
import { reconcileDueConversations, type ReconcileDependencies, type ReconcileLimits, type ReconcileReport } from '../domain/reconcile';
import { parseParentName } from '../domain/resourceNames';
import * as logEvents from '../platform/logEvents';
import type { Logger } from '../platform/logger';
import { parseTraceContext } from '../platform/trace';
import { admitAuthenticated, type Authenticate } from './authenticateRequest';
import { googleError } from './googleErrors';
import { sendJson } from './sendJson';
import { statusForFailure } from './statusForOutcome';

export interface ReconcileHandlerDependencies {
  /** The reconcile dependencies of each parent's location (its Dialogflow endpoint is regional). */
  reconcileFor(location: string): ReconcileDependencies;
  parents: readonly string[];
  /** Each parent's run: calls at once, and its time budget (shared by the parents, in order). */
  limits: ReconcileLimits;
  logger: Logger;
  authenticate?: Authenticate;
}

/**
 * The HTTP edge of reconcileConversations, which Cloud Scheduler POSTs to with an OIDC token: one run over every
 * parent (the erasure sweep is the erasure function's own, on its own schedule) within the one time budget, answered with each parent's report. A failure of the store answers 503 (transient) or 500, so
 * that Cloud Scheduler's retry policy tries again; failures of single Dialogflow calls are in the report.
 */
export function createReconcileHandler(deps: ReconcileHandlerDependencies) {
  return async function handleReconcile(req: Request, res: Response): Promise<void> {
    const log = deps.logger.withTrace(parseTraceContext(req.headers));
    if (!(await admitAuthenticated(req, res, deps.authenticate, log))) return;
    if (req.method !== 'POST') {
      res.set('Allow', 'POST');
      sendJson(res, 404, googleError(404, 'Reconcile runs on POST, as Cloud Scheduler sends it'));
      return;
    }
    const reports: ReconcileReport[] = [];
    const runStarted = performance.now();
    for (const name of deps.parents) {
      const parent = parseParentName(name)!;
      const started = performance.now();
      // What the parents before this one left of the budget (a parent still gets a moment: its backlog is measured).
      const budgetMs = Math.max(1, deps.limits.budgetMs - (started - runStarted));
      try {
        const report = await reconcileDueConversations(deps.reconcileFor(parent.location), parent, { ...deps.limits, budgetMs });
        logEvents.reconcileRan(log, report, Math.round(performance.now() - started));
        reports.push(report);
      } catch (error) {
        const status = statusForFailure(error);
        logEvents.reconcileFailed(log, { parent: name, status }, error);
        sendJson(res, status, googleError(status, status === 503 ? 'The history store is unavailable; the next run continues' : 'Internal error'));
        return;
      }
    }
    sendJson(res, 200, { reports });
  };
}
