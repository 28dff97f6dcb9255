/**
 * `npm run export -- --url <history API> --parent projects/P/locations/L --format insights|jsonl --out DIR`
 *
 * Exports conversations through the history API (so it works the same against a deployment, under its access
 * control): `insights`, one file per conversation in Contact Center AI Insights' conversation data format, for
 * CCAI Insights and Agent Assist datasets imported from Cloud Storage; `jsonl`, one line per conversation with
 * its messages. Dialogflow's own exportMessages takes only completed conversations, 10,000 per request and
 * 1,000 messages each, within its 30 days; this has none of those limits.
 */
import { mkdirSync, renameSync, writeFileSync, appendFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { toInsightsConversation, toJsonlLine } from '../domain/exports';
import { createHistoryClient, HistoryApiError } from './historyClient';
import { createProgress } from './progress';

const USAGE = `usage: npm run export -- --url <history API> --parent projects/<P>/locations/<L> --format insights|jsonl --out <dir> [options]

Exports conversations, with their messages, read through the history API.

  --url      the history API: http://127.0.0.1:8080 locally, terraform output -raw history_url deployed
  --parent   projects/<P>/locations/<L> (required)
  --format   insights: one <conversation id>.json per conversation, in CCAI Insights' conversation data format
             jsonl: conversations.jsonl, one line per conversation with its messages, oldest first
  --out      the directory to write to (created if missing)
  --filter   the history API's filter, such as 'lifecycle_state = "COMPLETED" AND start_time > "2026-11-01T00:00:00Z"'
  --token    an ID token for a deployment (gcloud auth print-identity-token --impersonate-service-account=<reader>
             --audiences=<history URL> --include-email)
  --help     this text
`;

let parsed;
try {
  parsed = parseArgs({
    options: {
      url: { type: 'string' },
      parent: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      filter: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
const { values } = parsed;
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const refuse = (sentence: string): never => {
  process.stderr.write(`${sentence}\n\n${USAGE}`);
  process.exit(2);
};
const url = values.url && /^https?:\/\/[^/]+\/?$/.test(values.url) ? values.url : refuse('Give --url as the history API\'s base URL, such as http://127.0.0.1:8080.');
const parent = values.parent && /^projects\/[^/]+\/locations\/[^/]+$/.test(values.parent) ? values.parent : refuse('Give --parent as projects/<P>/locations/<L>.');
const format = values.format === 'insights' || values.format === 'jsonl' ? values.format : refuse('Give --format insights or --format jsonl.');
const out = values.out ?? refuse('Give --out, the directory to write to.');

const client = createHistoryClient(url, values.token);
mkdirSync(out, { recursive: true });
const jsonlPath = join(out, 'conversations.jsonl');
const partialJsonl = `${jsonlPath}.partial`;
if (format === 'jsonl' && existsSync(partialJsonl)) rmSync(partialJsonl);

try {
  process.stderr.write(`Listing the conversations of ${parent}${values.filter ? ` matching ${values.filter}` : ''}...\n`);
  const conversations: Array<Record<string, unknown>> = [];
  for await (const conversation of client.listConversations(parent, values.filter)) conversations.push(conversation);

  const progress = createProgress({ total: conversations.length, unit: 'conversations' });
  const totals = { conversations: 0, messages: 0, leftOut: 0, gone: 0 };
  for (const [index, conversation] of conversations.entries()) {
    const name = String(conversation['name']);
    let messages: Array<Record<string, unknown>>;
    try {
      messages = await client.listMessages(name);
    } catch (error) {
      // Erased (or purged by retention) between the listing and now: nothing to export.
      if (error instanceof HistoryApiError && error.status === 404) {
        totals.gone += 1;
        progress.update(index + 1, `${totals.messages} messages`);
        continue;
      }
      throw error;
    }
    if (format === 'insights') {
      const exported = toInsightsConversation(conversation, messages);
      // Written whole or not at all: a reader of the directory never sees half a file.
      const path = join(out, exported.fileName);
      writeFileSync(`${path}.partial`, `${JSON.stringify(exported.conversation)}\n`);
      renameSync(`${path}.partial`, path);
      totals.leftOut += exported.leftOut;
      totals.messages += exported.conversation.entries.length;
    } else {
      appendFileSync(partialJsonl, toJsonlLine(conversation, messages));
      totals.messages += messages.length;
    }
    totals.conversations += 1;
    progress.update(index + 1, `${totals.messages} messages`);
  }
  progress.finish();
  if (format === 'jsonl') {
    if (!existsSync(partialJsonl)) writeFileSync(partialJsonl, '');
    renameSync(partialJsonl, jsonlPath);
  }
  process.stdout.write(
    `Exported ${totals.conversations} conversations of ${parent} (${totals.messages} messages) to ${format === 'jsonl' ? jsonlPath : out} in ${format} format` +
      `${totals.leftOut ? `; ${totals.leftOut} messages left out (no participant role or create time, which the format requires)` : ''}` +
      `${totals.gone ? `; ${totals.gone} conversations gone since they were listed` : ''}\n`,
  );
} catch (error) {
  const hint = error instanceof HistoryApiError && (error.status === 401 || error.status === 403) ? ' (see --token in --help)' : '';
  process.stderr.write(`Export stopped: ${(error as Error).message}${hint}\n`);
  process.exit(1);
}
