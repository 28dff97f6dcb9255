import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnStack, type SpawnedStack } from '../support/spawnStack';

/**
 * The front page's "Try it", run as a newcomer runs it: each shell block as written (only the port changed, as
 * PORT changes it), against a fresh `npm start` with its own embedded emulator, and each answer compared with
 * the output the page shows. Where the page abbreviates (`...`, or `...words...`), anything may stand there.
 */

const README = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
const TRY_IT = README.slice(README.indexOf('## Try it'), README.indexOf('\n## ', README.indexOf('## Try it') + 1));
const BLOCKS = [...TRY_IT.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);

interface Example {
  /** The commands: every line not starting with "#", joined where a line ends with "\". */
  script: string;
  /** What the page shows after them: the "#" lines, without the "# ". */
  shown: string[];
}

function examplesOf(block: string): Example[] {
  const examples: Example[] = [];
  let current: Example = { script: '', shown: [] };
  for (const line of block.split('\n')) {
    if (line.startsWith('#')) {
      current.shown.push(line.replace(/^# ?/, ''));
      continue;
    }
    if (line.trim() === '') continue;
    if (current.shown.length > 0) {
      examples.push(current);
      current = { script: '', shown: [] };
    }
    current.script += `${line}\n`;
  }
  if (current.script) examples.push(current);
  return examples;
}

/** The shown text as a pattern: the text itself, anything where it says "..." (or "...some words..."). */
function patternOf(shown: string): RegExp {
  const pieces = shown.replace(/\.\.\.[a-z ,]+\.\.\./g, '...').split('...');
  return new RegExp(`^${pieces.map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*?')}$`);
}

let stack: SpawnedStack;
const run = (script: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const port = new URL(stack.url).port;
    execFile('bash', ['-euo', 'pipefail', '-c', script.replaceAll('127.0.0.1:8080', `127.0.0.1:${port}`)], { cwd: process.cwd(), env: { ...process.env, PORT: port } }, (error, stdout, stderr) =>
      error ? reject(new Error(`${script}\nfailed: ${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });

beforeAll(async () => {
  // A fresh `npm start` of its own: the page's outputs are those of an empty store.
  stack = await spawnStack({ FIRESTORE_EMULATOR_HOST: undefined, LOG_LEVEL: 'WARNING' }, join(process.cwd(), '.test-output', 'front-page-stack.log'));
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe("the front page's Try it", () => {
  it('has the three blocks it walks through: a push, a replay, the reads', () => {
    expect(BLOCKS).toHaveLength(3);
  });

  it('answers the push as shown, and its repeat as a duplicate, as the text says', async () => {
    const [push] = examplesOf(BLOCKS[0]!);
    expect(push!.shown).toEqual(['{"outcome":"stored"}']);
    expect((await run(push!.script)).trim()).toBe('{"outcome":"stored"}');
    expect(TRY_IT).toContain('Run the same `curl` again and the answer is `{"outcome":"duplicate"}`');
    expect((await run(push!.script)).trim()).toBe('{"outcome":"duplicate"}');
  }, 60_000);

  it('replays the recorded conversation with the lines shown, then answers duplicate for every line', async () => {
    const [replay] = examplesOf(BLOCKS[1]!);
    const printed = (await run(replay!.script)).split('\n').map((line) => line.trim().replace(/\s+/g, ' '));
    const shownLines = replay!.shown.map((line) => line.trim().replace(/\s+/g, ' ')).filter((line) => line !== '...');
    expect(shownLines.length).toBeGreaterThanOrEqual(3);
    for (const line of shownLines) expect(printed, line).toContain(line);
    const again = (await run(replay!.script)).split('\n').filter((line) => /\s200\s/.test(line));
    expect(again.length).toBeGreaterThan(0);
    for (const line of again) expect(line.trim()).toMatch(/200 duplicate$/);
  }, 120_000);

  it('reads back what the page shows, abbreviations aside', async () => {
    const reads = examplesOf(BLOCKS[2]!);
    expect(reads).toHaveLength(3);
    for (const read of reads) {
      const answer = (await run(read.script)).trim();
      expect(answer, read.script).toMatch(patternOf(read.shown.map((line) => line.trim()).join('')));
    }
  }, 60_000);
});
