import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that run longest (seconds of load, faults and restarts against a running stack) start first, each
 * on a worker of its own, and the many short files fill the workers around them: started last, as a fresh
 * clone's order would have it, one of them alone stretched the run by half a minute. The rest keep vitest's order.
 * Measured on two cores (npm test's JSON report); a file not listed runs after these.
 */
const LONGEST_FIRST = [
  'faults',
  'load',
  'restart',
  'backfill',
  'storeFailures',
  'newcomer',
  'permutations',
  'erasure',
  'export',
  'hostileIngest',
  'protobufDeliveries',
  'bundles',
];

export default class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const ordered = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = LONGEST_FIRST.findIndex((name) => file.moduleId.endsWith(`/${name}.test.ts`));
      return index < 0 ? LONGEST_FIRST.length : index;
    };
    return ordered
      .map((file, position) => ({ file, position }))
      .sort((a, b) => rank(a.file) - rank(b.file) || a.position - b.position)
      .map(({ file }) => file);
  }
}
