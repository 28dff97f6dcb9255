import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { lifecycleEvent, makePushBody, messageEvent, uniqueProject } from '../support/builders';
import { seedMessages } from '../support/seed';
import { baseUrl, ingestAll, testFirestore } from '../support/stack';

/**
 * `npm run export` and `npm run erase` through the running stack's history API: the insights files checked
 * field by field against Contact Center AI Insights' conversation data format, the jsonl lines, a conversation
 * of 5,000 messages (Dialogflow's own export stops at 1,000), and erasure of many with a dry run and a
 * confirmation.
 */

const project = uniqueProject();
const parent = `projects/${project}/locations/global`;
const name = (id: string) => `${parent}/conversations/${id}`;
const run = (script: string, args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', `shared/commands/${script}.ts`, '--url', baseUrl(), '--parent', parent, ...args], { maxBuffer: 64 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

const message = (conversation: string, id: string, createTime: string, role: string, participant: string, content: string) => ({
  path: '/ingestMessageEvents',
  body: makePushBody(messageEvent(name(conversation), id, { createTime, participantRole: role, participant: `${name(conversation)}/participants/${participant}`, content })),
});

beforeAll(async () => {
  await ingestAll([
    { path: '/ingestLifecycleEvents', body: makePushBody(lifecycleEvent(name('chat'), 'CONVERSATION_STARTED'), { publishTime: '2026-11-10T09:00:00Z' }) },
    { path: '/ingestLifecycleEvents', body: makePushBody(lifecycleEvent(name('chat'), 'CONVERSATION_FINISHED'), { publishTime: '2026-11-10T09:30:00Z' }) },
    // Delivered out of order; the export puts them in the order they were written.
    message('chat', 'm3', '2026-11-10T09:02:00.000003Z', 'END_USER', 'customer', 'Thanks <b>a lot</b> & bye'),
    message('chat', 'm1', '2026-11-10T09:00:01.123456Z', 'AUTOMATED_AGENT', 'bot', 'Hello, how can I help?'),
    message('chat', 'm2', '2026-11-10T09:01:00.5Z', 'HUMAN_AGENT', 'agent', 'I can answer that.'),
    message('chat', 'm4', '2026-11-10T09:03:00Z', 'END_USER', 'customer', 'One more thing'),
    message('chat', 'm5', '2026-11-10T09:04:00Z', 'ROLE_UNSPECIFIED', 'unknown', 'from nobody known'),
    { path: '/ingestLifecycleEvents', body: makePushBody(lifecycleEvent(name('open'), 'CONVERSATION_STARTED'), { publishTime: '2026-11-12T09:00:00Z' }) },
    message('open', 'o1', '2026-11-12T09:00:05Z', 'END_USER', 'customer', 'Still there?'),
  ]);
});

describe('npm run export --format insights', () => {
  it("writes one file per conversation, named by its id, in CCAI Insights' conversation data format, field by field", async () => {
    const out = mkdtempSync(join(tmpdir(), 'export-'));
    const { code, stdout } = await run('export', ['--format', 'insights', '--out', out]);
    expect(code).toBe(0);
    expect(stdout).toContain(`Exported 2 conversations of ${parent} (5 messages) to ${out} in insights format; 1 messages left out (no participant role or create time, which the format requires)`);
    expect(readdirSync(out).sort()).toEqual(['chat.json', 'open.json']);

    const file = JSON.parse(readFileSync(join(out, 'chat.json'), 'utf8')) as { entries: Array<Record<string, unknown>> };
    // Conversation: conversation_info is optional (it carries only categories, which the history has none of).
    expect(Object.keys(file)).toEqual(['entries']);
    for (const entry of file.entries) {
      // Entry: text (string), user_id (integer), role (one of four), start_timestamp_usec (integer), nothing else.
      expect(Object.keys(entry).sort()).toEqual(['role', 'start_timestamp_usec', 'text', 'user_id']);
      expect(typeof entry['text']).toBe('string');
      expect(Number.isSafeInteger(entry['user_id']) && (entry['user_id'] as number) > 0).toBe(true);
      expect(['AGENT', 'AUTOMATED_AGENT', 'CUSTOMER', 'END_USER']).toContain(entry['role']);
      expect(Number.isSafeInteger(entry['start_timestamp_usec'])).toBe(true);
    }
    expect(file.entries.map(({ text, role, start_timestamp_usec }) => [text, role, start_timestamp_usec])).toEqual([
      ['Hello, how can I help?', 'AUTOMATED_AGENT', Date.UTC(2026, 10, 10, 9, 0, 1) * 1000 + 123_456],
      ['I can answer that.', 'AGENT', Date.UTC(2026, 10, 10, 9, 1, 0) * 1000 + 500_000],
      ['Thanks <b>a lot</b> & bye', 'END_USER', Date.UTC(2026, 10, 10, 9, 2, 0) * 1000 + 3],
      ['One more thing', 'END_USER', Date.UTC(2026, 10, 10, 9, 3, 0) * 1000],
    ]);
    // One participant, one user_id; three participants, three.
    const ids = file.entries.map((entry) => entry['user_id']);
    expect(ids[2]).toBe(ids[3]);
    expect(new Set(ids).size).toBe(3);
    // The same participant keeps its number in every export.
    const again = mkdtempSync(join(tmpdir(), 'export-'));
    await run('export', ['--format', 'insights', '--out', again]);
    expect(readFileSync(join(again, 'chat.json'), 'utf8')).toBe(readFileSync(join(out, 'chat.json'), 'utf8'));
  }, 60_000);

  it('exports only what --filter matches', async () => {
    const out = mkdtempSync(join(tmpdir(), 'export-'));
    const { stdout } = await run('export', ['--format', 'insights', '--out', out, '--filter', 'lifecycle_state = "IN_PROGRESS"']);
    expect(stdout).toContain('Exported 1 conversations');
    expect(readdirSync(out)).toEqual(['open.json']);
  }, 60_000);

  it('exports a conversation of 5,000 messages whole, in order', async () => {
    const big = 'five-thousand';
    await ingestAll([message(big, 'M0000', new Date(Date.UTC(2026, 10, 11, 8)).toISOString(), 'HUMAN_AGENT', 'a', 'line 0')]);
    // The rest written as ingest writes them, in batches: what is tested is the export of 5,000, not their ingest.
    await seedMessages(testFirestore(), name(big), Array.from({ length: 4999 }, (_, i) => ({ id: `M${String(i + 1).padStart(4, '0')}`, createTime: new Date(Date.UTC(2026, 10, 11, 8) + (i + 1) * 1000).toISOString(), role: (i + 1) % 2 ? 'END_USER' : 'HUMAN_AGENT', content: `line ${i + 1}` })));
    const out = mkdtempSync(join(tmpdir(), 'export-'));
    const { code } = await run('export', ['--format', 'insights', '--out', out, '--filter', 'lifecycle_state = "IN_PROGRESS"']);
    expect(code).toBe(0);
    const { entries } = JSON.parse(readFileSync(join(out, `${big}.json`), 'utf8')) as { entries: Array<{ text: string; start_timestamp_usec: number }> };
    expect(entries).toHaveLength(5000);
    expect(entries.map((entry) => entry.text)).toEqual(Array.from({ length: 5000 }, (_, i) => `line ${i}`));
  }, 120_000);
});

describe('npm run export --format jsonl', () => {
  it('writes one line per conversation: the Conversation and its messages as the history API serves them, oldest first', async () => {
    const out = mkdtempSync(join(tmpdir(), 'export-'));
    const { code } = await run('export', ['--format', 'jsonl', '--out', out, '--filter', 'lifecycle_state = "COMPLETED"']);
    expect(code).toBe(0);
    const lines = readFileSync(join(out, 'conversations.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { conversation: Record<string, unknown>; messages: Array<Record<string, unknown>> });
    expect(lines).toHaveLength(1);
    const served = (await (await fetch(`${baseUrl()}/v2/${name('chat')}`)).json()) as Record<string, unknown>;
    expect(lines[0]!.conversation).toEqual(served);
    expect(lines[0]!.messages.map((m) => m['name'])).toEqual(['m1', 'm2', 'm3', 'm4', 'm5'].map((id) => `${name('chat')}/messages/${id}`));
  }, 60_000);
});

describe('npm run erase', () => {
  it('lists what it would erase in a dry run, asks for --yes without a terminal, then erases each', async () => {
    const dry = await run('erase', ['--filter', 'lifecycle_state = "COMPLETED"', '--dry-run']);
    expect(dry.stdout).toBe(`would erase: ${name('chat')}\n1 conversations of ${parent} match; dry run: nothing erased\n`);
    const unconfirmed = await run('erase', ['--filter', 'lifecycle_state = "COMPLETED"']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/^1 conversations match\. Confirm with --yes/);
    expect((await fetch(`${baseUrl()}/v2/${name('chat')}`)).status).toBe(200);

    const erased = await run('erase', ['--filter', 'lifecycle_state = "COMPLETED"', '--yes']);
    expect(erased.stdout).toContain(`Erased 1 of 1 conversations of ${parent}`);
    expect((await fetch(`${baseUrl()}/v2/${name('chat')}`)).status).toBe(404);
    expect((await fetch(`${baseUrl()}/v2/${name('open')}`)).status).toBe(200);
  }, 60_000);
});
