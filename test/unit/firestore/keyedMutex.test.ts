import { describe, expect, it } from 'vitest';
import { createKeyedMutex } from '../../../shared/firestore/keyedMutex';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const ticks = async (count = 5) => {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('createKeyedMutex', () => {
  it('runs tasks of the same key one at a time, in call order', async () => {
    const runExclusive = createKeyedMutex();
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const tasks = [5, 1, 4, 0, 3].map((delay, i) =>
      runExclusive('conversation-1', async () => {
        running += 1;
        most = Math.max(most, running);
        order.push(i);
        await new Promise((resolve) => setTimeout(resolve, delay));
        running -= 1;
        return i;
      }),
    );
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(1);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('does not start a task of the same key before the previous one settles', async () => {
    const runExclusive = createKeyedMutex();
    const gate = deferred();
    let secondStarted = false;
    const first = runExclusive('k', () => gate.promise);
    const second = runExclusive('k', async () => {
      secondStarted = true;
    });
    await ticks();
    expect(secondStarted).toBe(false);
    gate.resolve();
    await Promise.all([first, second]);
    expect(secondStarted).toBe(true);
  });

  it('runs tasks of different keys concurrently', async () => {
    const runExclusive = createKeyedMutex();
    const gate = deferred();
    const started: string[] = [];
    const a = runExclusive('a', async () => {
      started.push('a');
      await gate.promise;
    });
    const b = runExclusive('b', async () => {
      started.push('b');
      await gate.promise;
    });
    await ticks();
    expect(started).toEqual(['a', 'b']);
    gate.resolve();
    await Promise.all([a, b]);
  });

  it('lets the next task of a key run after a task rejected, and rejects only the failed call', async () => {
    const runExclusive = createKeyedMutex();
    const failure = new Error('write failed');
    const first = runExclusive('k', async () => {
      throw failure;
    });
    const second = runExclusive('k', async () => 'stored');
    await expect(first).rejects.toBe(failure);
    await expect(second).resolves.toBe('stored');
  });

  it('lets the next task run after a task that throws synchronously', async () => {
    const runExclusive = createKeyedMutex();
    const first = runExclusive('k', () => {
      throw new Error('sync');
    });
    const second = runExclusive('k', async () => 2);
    await expect(first).rejects.toThrow('sync');
    await expect(second).resolves.toBe(2);
  });

  it('runs a new task of a key at once after the queue drained', async () => {
    const runExclusive = createKeyedMutex();
    await runExclusive('k', async () => 1);
    let started = false;
    const next = runExclusive('k', async () => {
      started = true;
    });
    await ticks(1);
    expect(started).toBe(true);
    await next;
  });
});
