/**
 * `npm run erase -- --url <history API> --parent projects/P/locations/L --filter <filter> [--dry-run] [--yes]`
 *
 * Erases many conversations, one DELETE each, through the history API (so under its access control: only its
 * erasers may). Lists what matches first and asks for confirmation; --dry-run lists only.
 */
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { createHistoryClient, HistoryApiError } from './historyClient';
import { createProgress } from './progress';

const USAGE = `usage: npm run erase -- --url <history API> --parent projects/<P>/locations/<L> --filter <filter> [options]

Erases every conversation of the parent that the filter matches: the conversation, its messages, its
recognition results and the quarantined deliveries naming it (DELETE of each, as an eraser).

  --url      the history API: http://127.0.0.1:8080 locally, terraform output -raw history_url deployed
  --parent   projects/<P>/locations/<L> (required)
  --filter   the history API's filter (required; an empty one matches every conversation: give --filter '' to mean it)
  --token    an ID token of one of the erasers (history_erasers), for a deployment
  --dry-run  list what would be erased, and erase nothing
  --yes      erase without asking (for scripts); otherwise a terminal asks to type the number of conversations
  --help     this text
`;

let parsed;
try {
  parsed = parseArgs({
    options: {
      url: { type: 'string' },
      parent: { type: 'string' },
      filter: { type: 'string' },
      token: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      yes: { type: 'boolean', default: false },
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
const filter = values.filter ?? refuse("Give --filter: what to erase (--filter '' erases every conversation of the parent).");

const client = createHistoryClient(url, values.token);
try {
  const names: string[] = [];
  for await (const conversation of client.listConversations(parent, filter)) names.push(String(conversation['name']));
  for (const name of names) process.stdout.write(`${values['dry-run'] ? 'would erase' : 'to erase'}: ${name}\n`);
  if (values['dry-run'] || names.length === 0) {
    process.stdout.write(`${names.length} conversations of ${parent} match${values['dry-run'] ? '; dry run: nothing erased' : ''}\n`);
    process.exit(0);
  }
  if (!values.yes) {
    if (!process.stdin.isTTY) refuse(`${names.length} conversations match. Confirm with --yes (no terminal to ask on).`);
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await prompt.question(`Erase these ${names.length} conversations for good? Type ${names.length} to confirm: `);
    prompt.close();
    if (answer.trim() !== String(names.length)) {
      process.stdout.write('Not confirmed: nothing erased\n');
      process.exit(1);
    }
  }
  const progress = createProgress({ total: names.length, unit: 'conversations' });
  const failures: string[] = [];
  for (const [index, name] of names.entries()) {
    try {
      await client.erase(name);
    } catch (error) {
      if (error instanceof HistoryApiError && (error.status === 401 || error.status === 403)) throw error;
      failures.push(`${name}: ${(error as Error).message}`);
    }
    progress.update(index + 1);
  }
  progress.finish();
  process.stdout.write(`Erased ${names.length - failures.length} of ${names.length} conversations of ${parent}${failures.length ? `; ${failures.length} failed (erase again: erasure is idempotent):\n${failures.map((f) => `  ${f}`).join('\n')}` : ''}\n`);
  process.exit(failures.length > 0 ? 1 : 0);
} catch (error) {
  const hint = error instanceof HistoryApiError && (error.status === 401 || error.status === 403) ? ' (erasing needs an eraser\'s token: see --token in --help)' : '';
  process.stderr.write(`Erase stopped: ${(error as Error).message}${hint}\n`);
  process.exit(1);
}
