/**
 * `npm run replay -- <file.jsonl> [--url http://127.0.0.1:8080]`
 *
 * Posts each recorded Pub/Sub message of a JSON Lines file (one
 * `{"publishTime", "event", "attributes"?}` per line) to the running stack
 * as a push delivery, in file order, and prints each outcome. Replaying a
 * file twice sends the same message ids, so the second run shows duplicates.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { targetFor, toPushBody, type RecordedMessage } from './pushDelivery';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { url: { type: 'string', default: `http://127.0.0.1:${process.env['PORT'] ?? 8080}` } },
});
const file = positionals[0];
if (!file) {
  process.stderr.write('usage: npm run replay -- <file.jsonl> [--url http://127.0.0.1:8080]\n');
  process.exit(2);
}

const lines = (await readFile(file, 'utf8')).split('\n').filter((line) => line.trim() !== '');
let failures = 0;
for (const [index, line] of lines.entries()) {
  const recorded = JSON.parse(line) as RecordedMessage;
  const target = targetFor(recorded.event);
  const response = await fetch(`${values.url}/${target}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(toPushBody(recorded, target)),
  });
  const answer = (await response.json().catch(() => ({}))) as { outcome?: string; reason?: string };
  if (!response.ok) failures++;
  const type = String(recorded.event['type']);
  process.stdout.write(`${String(index + 1).padStart(3)} ${type.padEnd(26)} -> ${target.padEnd(22)} ${response.status} ${answer.outcome ?? ''} ${answer.reason ?? ''}\n`);
}
process.stdout.write(`${lines.length} deliveries, ${failures} not acknowledged\n`);
process.exit(failures > 0 ? 1 : 0);
