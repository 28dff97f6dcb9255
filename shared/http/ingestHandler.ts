import { isUtf8 } from 'node:buffer';
import type { Request, Response } from '@google-cloud/functions-framework';
import { DeliveryFailedError, type Delivery } from '../domain/ingestDelivery';
import type { IngestOutcome } from '../domain/outcomes';
import * as logEvents from '../platform/logEvents';
import type { Logger } from '../platform/logger';
import { parseTraceContext } from '../platform/trace';
import { googleError } from './googleErrors';
import { sendJson } from './sendJson';
import { admitAuthenticated, type Authenticate } from './authenticateRequest';
import { checkPushRequest, loggableMediaType } from './pushRequest';
import { statusForFailure, statusForOutcome } from './statusForOutcome';

export interface IngestHandlerDependencies {
  ingest: (delivery: Delivery) => Promise<IngestOutcome>;
  logger: Logger;
  maxBodyBytes: number;
  /** Checks Pub/Sub's push token; absent when authentication is off (locally). */
  authenticate?: Authenticate;
}

/** The HTTP edge of a push endpoint: refuse what is not a delivery, ingest the rest, answer with the outcome's status. */
export function createIngestHandler(deps: IngestHandlerDependencies) {
  return async function handlePush(req: Request, res: Response): Promise<void> {
    const log = deps.logger.withTrace(parseTraceContext(req.headers));
    if (!(await admitAuthenticated(req, res, deps.authenticate, log))) return;
    const rawBody: Uint8Array = req.rawBody ?? new Uint8Array();
    const parts = { method: req.method, contentType: req.headers['content-type'], bodyBytes: rawBody.byteLength };
    const refusal = checkPushRequest(parts, deps.maxBodyBytes);
    if (refusal) {
      logEvents.requestRefused(log, refusal.status, refusal.reason, { ...parts, contentType: parts.contentType === undefined ? undefined : loggableMediaType(parts.contentType) });
      if (refusal.status === 404) res.set('Allow', 'POST');
      sendJson(res, refusal.status, googleError(refusal.status, refusal.reason));
      return;
    }

    let outcome: IngestOutcome;
    try {
      outcome = await deps.ingest({ body: req.body, rawBody, bodyIsUtf8: isUtf8(rawBody) });
    } catch (error) {
      const status = statusForFailure(error);
      const facts = error instanceof DeliveryFailedError ? error.facts : undefined;
      logEvents.ingestFailed(log, facts, error instanceof DeliveryFailedError ? error.cause : error, status);
      sendJson(res, status, googleError(status, 'The delivery was not stored; Pub/Sub will deliver it again'));
      return;
    }

    switch (outcome.outcome) {
      case 'stored':
        logEvents.ingestStored(log, outcome.facts);
        break;
      case 'duplicate':
        logEvents.ingestDuplicate(log, outcome.facts);
        break;
      case 'rejected':
        logEvents.ingestRejected(log, outcome.facts, outcome.rejection, outcome.quarantineId);
        break;
      case 'erased':
        logEvents.ingestErased(log, outcome.facts);
        break;
    }
    sendJson(res, statusForOutcome(outcome), toResponseBody(outcome));
  };
}

function toResponseBody(outcome: IngestOutcome) {
  if (outcome.outcome !== 'rejected') return { outcome: outcome.outcome };
  return { outcome: outcome.outcome, code: outcome.rejection.code, reason: outcome.rejection.reason, quarantineId: outcome.quarantineId };
}
