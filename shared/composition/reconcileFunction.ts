import { createDialogflowConversations } from '../dialogflow/conversationsApi';
import { createFirestore } from '../firestore/createFirestore';
import { createFirestoreConversationStore } from '../firestore/conversationStore';
import { createFirestoreReconcileQueue } from '../firestore/reconcileQueue';
import { guardBeforeParsing } from '../http/guardBeforeParsing';
import { originsOf } from '../http/requestGuard';
import { createReconcileHandler } from '../http/reconcileHandler';
import { functionStarted } from '../platform/logEvents';
import type { ReconcileDependencies } from '../domain/reconcile';
import { authenticatorFor, startFunction } from './startup';

/** Wires reconcileConversations: configuration, Firestore, Dialogflow's API per location, the HTTP edge. */
export function buildReconcileFunction(functionName: string, env: Record<string, string | undefined>) {
  const { config, logger } = startFunction(functionName, env, (c) =>
    c.reconcile.parents.length > 0 || c.projectId ? [] : ['RECONCILE_PARENTS or GOOGLE_CLOUD_PROJECT must name the conversations to reconcile'],
  );
  const parents = config.reconcile.parents.length > 0 ? config.reconcile.parents : [`projects/${config.projectId}/locations/${config.dialogflowLocation}`];
  const db = createFirestore(config);
  const store = createFirestoreConversationStore(db, { deadlineMs: config.firestoreDeadlineMs, retentionDays: config.retentionDays });
  const queue = createFirestoreReconcileQueue(db, { deadlineMs: config.firestoreDeadlineMs });
  const byLocation = new Map<string, ReconcileDependencies>();
  const { concurrency, budgetMs, qps } = config.reconcile;
  functionStarted(logger, { function: functionName, databaseId: config.databaseId, parents, concurrency, budgetMs, qps });
  const { authenticate } = authenticatorFor(config);
  const handler = createReconcileHandler({
    parents,
    limits: { concurrency, budgetMs },
    logger,
    authenticate,
    reconcileFor(location) {
      let deps = byLocation.get(location);
      if (!deps) {
        const dialogflow = createDialogflowConversations(location, { endpoint: config.reconcile.apiEndpoint, qps, ...DIALOGFLOW_RETRIES });
        deps = { dialogflow, store, queue, clock: Date.now, defaultLocation: config.dialogflowLocation };
        byLocation.set(location, deps);
      }
      return deps;
    },
  });
  // Cloud Scheduler's POST has no body, and the run reads none: a tiny one (curl -d '{}') is let through, unread.
  return guardBeforeParsing(handler, { function: functionName, maxBodyBytes: RECONCILE_MAX_BODY_BYTES, allowedOrigins: [], ownOrigins: originsOf(config.auth.audiences), logger, authenticate });
}

const RECONCILE_MAX_BODY_BYTES = 1024;
/**
 * A run's calls after its budget: at most three attempts of 10 s, 8 s apart at most, and none begun past the
 * budget (retryUntil), so a run ends within about 20 s of it (terraform/variables.tf leaves 30 s).
 */
const DIALOGFLOW_RETRIES = { maxAttempts: 3, maxBackoffMs: 8_000, attemptTimeoutMs: 10_000 };
