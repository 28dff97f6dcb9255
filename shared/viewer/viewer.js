// The transcript viewer: plain browser JavaScript, served by the history function beside its API. It calls the
// same history API any client calls (relative URLs, so behind a proxy too), with the same access control, and
// has no rule the API does not have. Every text from the API is shown with textContent: never parsed as HTML.
'use strict';

const PAGE_SIZE = 50;
const MESSAGE_PAGE_SIZE = 200;
// A conversation has two or three participants; the bound keeps a conversation with thousands from holding the page.
const PARTICIPANT_PAGE_SIZE = 100;
const MAX_PARTICIPANT_PAGES = 10;
const ROLE_NAMES = { HUMAN_AGENT: 'Human agent', AUTOMATED_AGENT: 'Virtual agent', END_USER: 'End user', ROLE_UNSPECIFIED: 'Unknown role' };
/** What the Dialogflow-only fields of a Participant are called here; any other field is shown under its own name. */
const PARTICIPANT_FIELD_NAMES = {
  sipRecordingMediaLabel: 'SIP recording media label',
  obfuscatedExternalUserId: 'Obfuscated external user id',
  agentDesktopSource: 'Agent desktop source',
  documentsMetadataFilters: 'Document metadata filters',
};
const EVENT_NAMES = {
  CONVERSATION_STARTED: 'Started',
  HUMAN_INTERVENTION_NEEDED: 'Human needed',
  UNRECOVERABLE_ERROR: 'Error',
  CONVERSATION_FINISHED: 'Finished',
};

const view = document.getElementById('view');
const statusLine = document.getElementById('status');
const breadcrumbs = document.getElementById('breadcrumbs');
let current = 0; // Each route rendering gets a number; work of an older one is dropped.

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(path, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, value]) => value !== undefined && value !== ''));
  const response = await fetch(`v2/${path}${query.size ? `?${query}` : ''}`, { headers: { accept: 'application/json' } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, (body.error && body.error.message) || response.statusText);
  return body;
}

/** An element with children; strings become text nodes, never markup. */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function setStatus(text, isError = false) {
  statusLine.textContent = text;
  statusLine.classList.toggle('error', isError);
}

function formatTime(value) {
  if (!value) return '';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, ' UTC');
}

function idOf(name) {
  return String(name).slice(String(name).lastIndexOf('/') + 1);
}

/**
 * A resource name as a URL path, each segment percent-encoded: a '#', '?' or '%' in an id stays in that id (unencoded,
 * `C#x` would ask the API for C and show C's facts), and the API refuses an id it cannot hold.
 */
function pathOf(segments) {
  return (Array.isArray(segments) ? segments : String(segments).split('/')).map(encodeURIComponent).join('/');
}

function describeError(error) {
  return error instanceof ApiError ? `${error.status}: ${error.message}` : `The history API could not be reached: ${error.message}`;
}

function showError(error) {
  setStatus(describeError(error), true);
}

/** A name from `names`, or the value itself: own keys only, so a role spelled `constructor` is shown as that word. */
function nameIn(names, value) {
  return Object.hasOwn(names, value) ? names[value] : String(value);
}

// ---------------------------------------------------------------------------------------------------------------
// Routes: #/projects/{p}/locations/{l} lists, #/projects/{p}/locations/{l}/conversations/{c} shows a transcript.
// ---------------------------------------------------------------------------------------------------------------

/** The hash's path segments, each decoded on its own (an encoded '/' stays inside its segment); undefined when one is not valid %-encoding. */
function segmentsOfHash(hash) {
  const path = hash.replace(/^#\/?/, '');
  if (path === '') return [];
  try {
    return path.split('/').map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

function route() {
  const token = ++current;
  setStatus('');
  view.replaceChildren();
  try {
    const segments = segmentsOfHash(location.hash);
    if (segments === undefined) {
      showHome();
      setStatus('This link cannot be opened: its address has a malformed %-escape. Open a project below.', true);
      return;
    }
    const shaped = (...keywords) => segments.length === keywords.length * 2 && keywords.every((keyword, i) => segments[2 * i] === keyword && segments[2 * i + 1] !== '');
    if (shaped('projects', 'locations', 'conversations')) return showTranscript(token, segments.slice(0, 4), segments);
    if (shaped('projects', 'locations')) return showList(token, segments);
    showHome();
    if (segments.length > 0) setStatus('This link names no project, location or conversation. Open a project below.', true);
  } catch (error) {
    // Whatever the hash holds, the page says so rather than stopping.
    setStatus(`This link cannot be opened: ${error.message}`, true);
  }
}

/** `parent` and `conversation` as segments, each shown as decoded text and linked encoded. */
function setBreadcrumbs(parent, conversation) {
  breadcrumbs.replaceChildren(
    ...(parent ? [el('a', { href: `#/${pathOf(parent)}` }, parent.join('/'))] : []),
    ...(conversation ? [' / ', el('span', {}, conversation[conversation.length - 1])] : []),
  );
}

function showHome() {
  setBreadcrumbs();
  let saved = {};
  try {
    saved = JSON.parse(localStorage.getItem('conversation-history.parent') || '{}') || {};
  } catch {
    // a value some other page wrote: start from nothing
  }
  const project = el('input', { name: 'project', required: true, value: saved.project || '', placeholder: 'my-project' });
  const place = el('input', { name: 'location', required: true, value: saved.location || 'global' });
  view.append(
    el('h1', {}, 'Open the conversations of a project'),
    el(
      'form',
      {
        class: 'open',
        onsubmit: (event) => {
          event.preventDefault();
          localStorage.setItem('conversation-history.parent', JSON.stringify({ project: project.value.trim(), location: place.value.trim() }));
          location.hash = `#/projects/${encodeURIComponent(project.value.trim())}/locations/${encodeURIComponent(place.value.trim())}`;
        },
      },
      el('label', {}, 'Project', project),
      el('label', {}, 'Location', place),
      el('button', { type: 'submit' }, 'Open'),
    ),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The list of a location's conversations: newest first, filtered by state and start time, a page at a time.
// ---------------------------------------------------------------------------------------------------------------

function toFilter(state, from, to) {
  const parts = [];
  if (state) parts.push(`lifecycle_state = "${state}"`);
  if (from) parts.push(`start_time >= "${new Date(from).toISOString()}"`);
  if (to) parts.push(`start_time < "${new Date(to).toISOString()}"`);
  return parts.join(' AND ');
}

function showList(token, parent) {
  setBreadcrumbs(parent);
  const state = el('select', { name: 'state' }, el('option', { value: '' }, 'Any state'), el('option', { value: 'IN_PROGRESS' }, 'In progress'), el('option', { value: 'COMPLETED' }, 'Completed'));
  const from = el('input', { name: 'from', type: 'datetime-local' });
  const to = el('input', { name: 'to', type: 'datetime-local' });
  const rows = el('tbody');
  const newer = el('button', { type: 'button', disabled: true }, 'Newer');
  const older = el('button', { type: 'button', disabled: true }, 'Older');
  // The tokens of the pages shown so far: the first page has none.
  let pages = [''];

  async function load(pageIndex) {
    setStatus('Loading conversations...');
    try {
      const page = await api(`${pathOf(parent)}/conversations`, { pageSize: PAGE_SIZE, pageToken: pages[pageIndex], filter: toFilter(state.value, from.value, to.value) });
      if (token !== current) return;
      const conversations = page.conversations || [];
      rows.replaceChildren(...conversations.map(toRow));
      pages = pages.slice(0, pageIndex + 1);
      if (page.nextPageToken) pages.push(page.nextPageToken);
      newer.disabled = pageIndex === 0;
      older.disabled = !page.nextPageToken;
      newer.onclick = () => load(pageIndex - 1);
      older.onclick = () => load(pageIndex + 1);
      setStatus(conversations.length ? `Page ${pageIndex + 1}: ${conversations.length} conversations` : 'No conversations match');
    } catch (error) {
      if (token === current) showError(error);
    }
  }

  function toRow(conversation) {
    const metadata = conversation.historyMetadata || {};
    return el(
      'tr',
      { 'data-name': conversation.name },
      el('td', {}, el('a', { href: `#/${pathOf(conversation.name)}` }, idOf(conversation.name))),
      el('td', {}, el('span', { class: 'state' }, conversation.lifecycleState || '')),
      el('td', {}, formatTime(conversation.startTime)),
      el('td', {}, formatTime(conversation.endTime)),
      el('td', { class: 'count' }, (metadata.humanInterventions || []).length),
      el('td', { class: 'count' }, (metadata.unrecoverableErrors || []).length),
    );
  }

  view.append(
    el('h1', {}, 'Conversations'),
    el(
      'form',
      {
        class: 'filters',
        onsubmit: (event) => {
          event.preventDefault();
          pages = [''];
          load(0);
        },
      },
      el('label', {}, 'State', state),
      el('label', {}, 'Started from', from),
      el('label', {}, 'Started before', to),
      el('button', { type: 'submit' }, 'Apply'),
    ),
    el(
      'table',
      {},
      el('thead', {}, el('tr', {}, el('th', {}, 'Conversation'), el('th', {}, 'State'), el('th', {}, 'Start'), el('th', {}, 'End'), el('th', {}, 'Human needed'), el('th', {}, 'Errors'))),
      rows,
    ),
    el('div', { class: 'pager' }, newer, older),
  );
  return load(0);
}

// ---------------------------------------------------------------------------------------------------------------
// A transcript: its participants, the lifecycle as a timeline, the messages oldest first. The newest page comes
// first and shows the end; older pages come in as the reader scrolls up, so thousands of messages open at once.
// ---------------------------------------------------------------------------------------------------------------

async function showTranscript(token, parent, segments) {
  setBreadcrumbs(parent, segments);
  setStatus('Loading the conversation...');
  const path = pathOf(segments);
  let conversation;
  try {
    conversation = await api(path);
  } catch (error) {
    if (token === current) showError(error);
    return;
  }
  if (token !== current) return;
  const events = (conversation.historyMetadata && conversation.historyMetadata.lifecycleEvents) || [];
  const participants = el('section', { class: 'participants', 'aria-label': 'Participants' }, el('p', { class: 'note' }, 'Loading participants...'));
  const transcript = el('section', { class: 'transcript', 'aria-label': 'Messages, oldest first' });
  const sentinel = el('div', { class: 'sentinel' }, 'Loading older messages...');
  transcript.append(sentinel);
  view.append(
    el('h1', {}, segments[segments.length - 1]),
    el(
      'dl',
      { class: 'facts' },
      fact('State', conversation.lifecycleState),
      fact('Start', formatTime(conversation.startTime)),
      fact('End', formatTime(conversation.endTime)),
      fact('Stage', conversation.conversationStage),
      fact('Profile', conversation.conversationProfile),
      fact('Phone number', conversation.phoneNumber && conversation.phoneNumber.phoneNumber),
    ),
    el('h2', {}, 'Participants'),
    participants,
    el('h2', {}, 'Lifecycle'),
    el('ol', { class: 'timeline' }, events.length ? events.map(toTimelineItem) : el('li', {}, 'No lifecycle events were received')),
    el('h2', {}, 'Messages'),
    transcript,
  );

  let pageToken = '';
  let loaded = 0;
  let loading = false;
  let done = false;
  async function loadOlder() {
    if (loading || done) return;
    loading = true;
    try {
      const page = await api(`${path}/messages`, { pageSize: MESSAGE_PAGE_SIZE, pageToken });
      if (token !== current) return;
      const messages = (page.messages || []).slice().reverse();
      // Older messages go above the ones shown; the reader's place stays where it was.
      const fromBottom = transcript.scrollHeight - transcript.scrollTop;
      sentinel.after(...messages.map(toMessage));
      transcript.scrollTop = transcript.scrollHeight - fromBottom;
      loaded += messages.length;
      pageToken = page.nextPageToken || '';
      done = !pageToken;
      sentinel.textContent = done ? (loaded ? 'The conversation starts here' : 'No messages') : 'Scroll up for older messages';
      setStatus(`${loaded} messages${done ? '' : ' so far'}`);
    } catch (error) {
      if (token === current) showError(error);
    } finally {
      loading = false;
    }
  }

  // Beside the messages, not before them: the transcript never waits for (or fails with) its participants.
  showParticipants(token, path, participants);
  await loadOlder();
  transcript.scrollTop = transcript.scrollHeight;
  new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) loadOlder();
  }, { root: transcript }).observe(sentinel);
}

/** Every page of a conversation's participants up to MAX_PARTICIPANT_PAGES, and whether more were left unread. */
async function listParticipants(path) {
  const participants = [];
  let pageToken = '';
  for (let pages = 0; pages < MAX_PARTICIPANT_PAGES; pages++) {
    const page = await api(`${path}/participants`, { pageSize: PARTICIPANT_PAGE_SIZE, pageToken });
    participants.push(...(page.participants || []));
    pageToken = page.nextPageToken || '';
    if (!pageToken) return { participants, more: false };
  }
  return { participants, more: true };
}

/** The participants into `section`; when they cannot be read, one line says so and the transcript goes on. */
async function showParticipants(token, path, section) {
  try {
    const { participants, more } = await listParticipants(path);
    if (token !== current) return;
    // replaceChildren, unlike el, would write a null as the text "null".
    section.replaceChildren(
      participants.length ? el('ul', {}, participants.map(toParticipantItem)) : el('p', { class: 'note' }, 'No participants were recorded'),
      ...(more ? [el('p', { class: 'note' }, `More participants exist than the ${participants.length} shown`)] : []),
    );
  } catch (error) {
    if (token === current) section.replaceChildren(el('p', { class: 'note error' }, `The participants could not be loaded: ${describeError(error)}`));
  }
}

function toParticipantItem(participant) {
  const details = Object.entries(participant).filter(([field, value]) => field !== 'name' && field !== 'role' && value !== undefined && value !== null && value !== '');
  return el(
    'li',
    { 'data-name': participant.name },
    el('span', { class: 'participant' }, idOf(participant.name)),
    el('span', { class: 'role' }, nameIn(ROLE_NAMES, participant.role || 'ROLE_UNSPECIFIED')),
    details.map(([field, value]) => el('span', { class: 'detail' }, `${nameIn(PARTICIPANT_FIELD_NAMES, field)}: ${formatDetail(value)}`)),
  );
}

/** A field's value as one line of text: a map (documentsMetadataFilters) as its pairs, anything else nested as JSON. */
function formatDetail(value) {
  if (typeof value !== 'object') return String(value);
  if (!Array.isArray(value) && Object.values(value).every((item) => typeof item === 'string')) {
    return Object.entries(value).map(([key, item]) => `${key}=${item}`).join(', ');
  }
  return JSON.stringify(value);
}

function fact(term, value) {
  return value ? [el('dt', {}, term), el('dd', {}, value)] : [];
}

function toTimelineItem(event) {
  const status = event.errorStatus;
  return el(
    'li',
    { class: event.type === 'UNRECOVERABLE_ERROR' ? 'error' : undefined },
    el('strong', {}, EVENT_NAMES[event.type] || String(event.type)),
    ' ',
    formatTime(event.publishTime),
    status ? ` (status ${status.code ?? '?'}${status.message ? `: ${status.message}` : ''})` : '',
  );
}

function toMessage(message) {
  const role = String(message.participantRole || 'ROLE_UNSPECIFIED');
  const sentiment = message.sentimentAnalysis && message.sentimentAnalysis.queryTextSentiment;
  return el(
    'article',
    { class: `message ${role}`, 'data-name': message.name },
    el(
      'div',
      { class: 'meta' },
      el('span', { class: 'role' }, nameIn(ROLE_NAMES, role)),
      // The role alone does not say who: two end users, or the agent a conversation was handed to, share one.
      message.participant ? el('span', { class: 'participant', title: message.participant }, idOf(message.participant)) : null,
      el('time', { datetime: message.createTime }, formatTime(message.createTime)),
      sentiment ? el('span', { class: 'sentiment' }, `sentiment ${Number(sentiment.score ?? 0).toFixed(2)} (magnitude ${Number(sentiment.magnitude ?? 0).toFixed(2)})`) : null,
    ),
    el('div', { class: 'text' }, message.content || ''),
  );
}

window.addEventListener('hashchange', route);
route();
