/**
 * Dialogflow resource names.
 *
 * Dialogflow writes conversation names both with and without
 * `/locations/<L>/`; without means `global`. Both spellings name the same
 * conversation, so everything we store is keyed by the canonical form that
 * always carries the location.
 */

export const DEFAULT_LOCATION = 'global';

/**
 * One path segment. Stricter than Dialogflow's own rules on purpose: every
 * segment becomes a Firestore document id, which must not contain `/`, be
 * `.` or `..`, or look like `__reserved__`. A leading letter or digit and a
 * short alphabet exclude all of those (and percent-encoding tricks).
 */
const SEGMENT = '[A-Za-z0-9][A-Za-z0-9._:~-]{0,127}';

/** An id safe to use as a Firestore document id, by the same rules as a name segment. */
export const SAFE_ID = new RegExp(`^${SEGMENT}$`);

const CONVERSATION_NAME = new RegExp(
  `^projects/(${SEGMENT})(?:/locations/(${SEGMENT}))?/conversations/(${SEGMENT})$`,
);
const MESSAGE_NAME = new RegExp(
  `^projects/(${SEGMENT})(?:/locations/(${SEGMENT}))?/conversations/(${SEGMENT})/messages/(${SEGMENT})$`,
);
const PARENT_NAME = new RegExp(`^projects/(${SEGMENT})(?:/locations/(${SEGMENT}))?$`);
/** A name under a conversation (`<conversation>/participants/<X>`, `<conversation>/messages/<M>`), for respelling. */
const CHILD_NAME = new RegExp(`^projects/(${SEGMENT})(?:/locations/(${SEGMENT}))?/conversations/(${SEGMENT})(/[A-Za-z]+/${SEGMENT})$`);

export interface ConversationParent {
  project: string;
  location: string;
}

export interface ConversationId extends ConversationParent {
  conversationId: string;
  /** Canonical name: `projects/<P>/locations/<L>/conversations/<C>`. */
  name: string;
}

export interface MessageId extends ConversationId {
  messageId: string;
}

export function formatConversationName(parent: ConversationParent, conversationId: string): string {
  return `projects/${parent.project}/locations/${parent.location}/conversations/${conversationId}`;
}

function toConversationId(project: string, location: string | undefined, conversationId: string, defaultLocation: string): ConversationId {
  const parent = { project, location: location ?? defaultLocation };
  return { ...parent, conversationId, name: formatConversationName(parent, conversationId) };
}

/** `defaultLocation` is where a name without `/locations/<L>/` is taken to be (DIALOGFLOW_LOCATION). */
export function parseConversationName(name: string, defaultLocation = DEFAULT_LOCATION): ConversationId | undefined {
  const match = CONVERSATION_NAME.exec(name);
  if (!match) return undefined;
  const [, project, location, conversationId] = match;
  return toConversationId(project!, location, conversationId!, defaultLocation);
}

export function parseMessageName(name: string, defaultLocation = DEFAULT_LOCATION): MessageId | undefined {
  const match = MESSAGE_NAME.exec(name);
  if (!match) return undefined;
  const [, project, location, conversationId, messageId] = match;
  return { ...toConversationId(project!, location, conversationId!, defaultLocation), messageId: messageId! };
}

export function parseParentName(name: string, defaultLocation = DEFAULT_LOCATION): ConversationParent | undefined {
  const match = PARENT_NAME.exec(name);
  if (!match) return undefined;
  return { project: match[1]!, location: match[2] ?? defaultLocation };
}

/** Whether a resource name spells out its location. */
export function namesLocation(name: string): boolean {
  return /^projects\/[^/]+\/locations\//.test(name);
}

/**
 * The participant id `name` gives when it names a participant of `conversation`, in either spelling
 * (`participant` on a message, `name` of a Participant); undefined when it names none of this conversation.
 */
export function participantIdUnder(name: unknown, conversation: ConversationId): string | undefined {
  if (typeof name !== 'string') return undefined;
  const prefix = `${conversation.name}/participants/`;
  const respelled = respellUnderConversation(name, conversation);
  if (!respelled.startsWith(prefix)) return undefined;
  const id = respelled.slice(prefix.length);
  // No ':' either: in the history API's paths it begins a custom method (participants/P:analyzeContent), so a
  // participant of that id could be listed but never read.
  return SAFE_ID.test(id) && !id.includes(':') ? id : undefined;
}

/**
 * `name` (a message's or a participant's) spelled under `conversation`'s
 * canonical name, when it belongs to that conversation in either spelling;
 * otherwise unchanged. Dialogflow writes both spellings, and one answer
 * should use one.
 */
export function respellUnderConversation(name: string, conversation: ConversationId): string {
  const match = CHILD_NAME.exec(name);
  if (!match) return name;
  const [, project, location, conversationId, child] = match;
  // A name without a location belongs to the conversation of that id in the project; the conversation's own name fixed its location.
  const belongs = project === conversation.project && conversationId === conversation.conversationId && (location === undefined || location === conversation.location);
  return belongs ? `${conversation.name}${child}` : name;
}
