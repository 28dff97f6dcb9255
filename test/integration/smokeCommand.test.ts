import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

/** `npm run smoke`'s answers to a wrong command line (its round trip runs in test/google/smoke.test.ts). */

const smoke = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'shared/commands/smokeTest.ts', ...args], {
    env: { PATH: process.env['PATH'], ...env },
  }).catch((error: { code: number; stdout: string; stderr: string }) => error);

it('lists its options with --help', async () => {
  const { stdout } = (await smoke(['--help'])) as { stdout: string };
  for (const option of ['--history-url', '--topic', '--location', '--token', '--timeout']) expect(stdout).toContain(option);
});

it.each([
  [['--bogus'], /^Unknown option '--bogus'/],
  [[], /^Give --history-url\./],
  [['--history-url', 'ftp://x'], /^Give --history-url as an http\(s\) URL/],
  [['--history-url', 'http://127.0.0.1:8080'], /^Give --topic as projects\/<project>\/topics\/<name>/],
])('refuses %j with exit code 2 and one sentence', async (args, message) => {
  const failure = (await smoke(args as string[])) as { code: number; stderr: string };
  expect(failure.code).toBe(2);
  expect(failure.stderr).toMatch(message);
});
