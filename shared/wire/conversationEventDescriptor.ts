import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { reduceDescriptor, type ReducedDescriptor } from './reduceDescriptor';

/**
 * The protobuf types a ConversationEvent needs, taken from the official
 * `@google-cloud/dialogflow` package's descriptor (v2beta1, a wire-compatible
 * superset of v2 for these types, so beta-only fields are kept whichever
 * version a profile was made with).
 *
 * Here, under tsx (npm start, npm test), they are read from the package at
 * first use. `npm run build` replaces this module with the reduced descriptor
 * computed at build time (shared/build/bundleFunctions.ts), so the deployed
 * functions neither ship nor load the package's 1.4 MB descriptor.
 */
export const CONVERSATION_EVENT_TYPE = 'google.cloud.dialogflow.v2beta1.ConversationEvent';

export function loadConversationEventDescriptor(): ReducedDescriptor {
  const path = createRequire(import.meta.url).resolve('@google-cloud/dialogflow/build/protos/protos.json');
  return reduceDescriptor(JSON.parse(readFileSync(path, 'utf8')) as object, CONVERSATION_EVENT_TYPE);
}
