/**
 * `npm run bench`: what users pay for (Firestore operations, instances) and
 * what they feel (latency, cold starts), each figure a median of several
 * runs next to a baseline measured in the same run, as a ratio: these
 * machines are noisy, absolute times are context only.
 *
 *   npm run bench              the full run (a few minutes on 2 cores)
 *   npm run bench -- --quick   fewer and shorter runs, for a smoke check
 *   npm run bench -- --only reconcile   reconcile's throughput alone
 *   npm run bench -- --only backfill    backfill's throughput and memory alone (add --quick: 100,000 listed, not 1,000,000)
 *
 * Prints a table and writes the figures to bench/results/<time>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchBackfillMemory, benchBackfillThroughput } from './backfillRun';
import { benchColdStart } from './coldStart';
import { benchEndToEnd } from './endToEnd';
import { benchFirestoreCost } from './firestoreCost';
import { benchHandlerOverhead } from './handlerOverhead';
import { benchPeer } from './peer';
import { benchQueryPaging } from './queryPaging';
import { benchReconcileThroughput } from './reconcileThroughput';
import { round } from './lib/stats';

process.env['METADATA_SERVER_DETECTION'] = 'none';
const USAGE = `usage: npm run bench [-- --quick]

Measures handler overhead, end-to-end throughput, Firestore operations per event, cold start, CPU per event and
query paging, each beside a baseline or peer measured in the same run, and prints a table with the ratios
(written to bench/results/<time>.json too). A full run takes a few minutes on two cores.

  --quick   fewer and shorter runs, for a smoke check
  --only reconcile   reconcile's throughput against a Dialogflow double answering after 60 ms, alone
  --only backfill    backfill's throughput (double answering after 60 ms) and memory over a listing of
                     1,000,000 conversations (100,000 with --quick; about 10 minutes for the million), alone
  --help    this text
`;
let parsedArgs;
try {
  parsedArgs = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, help: { type: 'boolean', default: false } } });
  if (parsedArgs.values.only !== undefined && !['reconcile', 'backfill'].includes(parsedArgs.values.only)) throw new Error(`--only takes reconcile or backfill, not ${parsedArgs.values.only}`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (parsedArgs.values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const { values } = parsedArgs;
const quick = values.quick;
const load = { runs: quick ? 1 : 5, seconds: quick ? 2 : 5, connections: 50 };

const lines: string[] = [];
const print = (line = '') => {
  lines.push(line);
  process.stdout.write(`${line}\n`);
};
const verdict = (met: boolean) => (met ? 'met' : 'NOT MET');
const ms = (value: number) => `${round(value, 1)} ms`;

print(`# Benchmarks (${quick ? 'quick' : 'full'} run, ${new Date().toISOString()}, Node ${process.version})`);

/** Reconcile in one run: conversations a second, beside the double's floor (concurrency / latency). */
async function printReconcile() {
  const result = await benchReconcileThroughput({ conversations: quick ? 300 : 1000, concurrency: 32, latencyMs: 60 });
  print(`\n## 7. Reconcile throughput (${result.conversations} due conversations, half of them COMPLETED with 2 participants to list, ${result.concurrency} calls at once, Dialogflow double answering after ${result.latencyMs} ms, embedded Firestore)`);
  print('| conversations/s | Dialogflow calls per conversation | double floor (concurrency / latency / calls) | ratio to floor | most calls at once | Firestore reads, writes per conversation |');
  print('|---|---|---|---|---|---|');
  print(`| ${round(result.perSecond, 1)} | ${round(result.report.dialogflowCalls / result.report.taken)} | ${Math.round(result.floorPerSecond)} | ${round(result.ratioToFloor)} | ${result.maxInFlight} | ${round(result.report.firestoreReads / result.report.taken)}, ${round(result.report.firestoreWrites / result.report.taken)} |`);
  print(`Goal: at least 40 conversations a second in one run: ${round(result.perSecond, 1)} (${verdict(result.perSecond >= 40)}); the embedded emulator's transactions, not the calls, bound it here.`);
  return result;
}
if (values.only === 'reconcile') {
  await printReconcile();
  process.exit(0);
}

/** The backfill command: its rate beside the double's floor, and its memory over a listing of a million. */
async function printBackfill() {
  const throughput = await benchBackfillThroughput({ conversations: quick ? 300 : 1000, concurrency: 8, latencyMs: 60 });
  print(`\n## 8. Backfill throughput (npm run backfill, ${throughput.conversations} conversations of 3 messages, ${throughput.concurrency} at once, Dialogflow double answering after ${throughput.latencyMs} ms, embedded Firestore)`);
  print('| conversations/s | double floor (concurrency / latency) | ratio to floor | most Dialogflow calls at once (listing included) |');
  print('|---|---|---|---|');
  print(`| ${round(throughput.perSecond, 1)} | ${Math.round(throughput.floorPerSecond)} | ${round(throughput.ratioToFloor)} | ${throughput.mostCallsAtOnce} |`);
  print(`Goal: at least 20 conversations a second: ${round(throughput.perSecond, 1)} (${verdict(throughput.perSecond >= 20)})`);
  const memory = await benchBackfillMemory({ conversations: quick ? 100_000 : 1_000_000, concurrency: 16 });
  print(`\n## 9. Backfill memory (npm run backfill -- --list-only, a generated listing of ${memory.conversations} conversations, ${memory.concurrency} at once, no latency)`);
  print('| RSS at 25% listed | 50% | 75% | 100% | peak (VmHWM) | conversations/s | seconds |');
  print('|---|---|---|---|---|---|---|');
  const mib = (value: number) => `${Math.round(value)} MiB`;
  print(`| ${mib(memory.rssMiB.atQuarter)} | ${mib(memory.rssMiB.atHalf)} | ${mib(memory.rssMiB.atThreeQuarters)} | ${mib(memory.rssMiB.atEnd)} | ${mib(memory.rssMiB.peak)} | ${round(memory.perSecond, 1)} | ${Math.round(memory.seconds)} |`);
  print(`Goal: peak under 400 MB: ${mib(memory.rssMiB.peak)} (${verdict(memory.rssMiB.peak * 1.048576 < 400)}); ${memory.summary}`);
  return { throughput, memory };
}
if (values.only === 'backfill') {
  await printBackfill();
  process.exit(0);
}

const overhead = await benchHandlerOverhead(load);
print('\n## 1. Handler overhead (in-memory store, 50 connections)');
print('| server | req/s | p50 | p99 | CPU per request | ratio to trivial |');
print('|---|---|---|---|---|---|');
for (const [name, result] of [
  ['ingestMessageEvents (Functions Framework)', overhead.ingest],
  ['peer, its store in memory (bench/servers/peerInMemory.ts)', overhead.peer],
  ['trivial function (Functions Framework, 204)', overhead.trivial],
  ['bare node:http (204), context', overhead.bareHttp],
] as const) {
  print(`| ${name} | ${Math.round(result.requestsPerSecond)} | ${ms(result.p50Ms)} | ${ms(result.p99Ms)} | ${Math.round(result.cpuUsPerRequest)} µs | ${round(result.requestsPerSecond / overhead.trivial.requestsPerSecond)} |`);
}
print(`Goal: ingest throughput >= 0.8 x trivial: ${round(overhead.throughputRatio)} (${verdict(overhead.throughputRatio >= 0.8)}); the peer reaches ${round(overhead.peer.requestsPerSecond / overhead.trivial.requestsPerSecond)}, ours ${round(overhead.peerThroughputRatio)} x the peer`);

const endToEnd = await benchEndToEnd(load);
print('\n## 2. End to end into the embedded Firestore (50 connections)');
print('| events | events/s | p50 | p99 | ratio to in-memory ingest |');
print('|---|---|---|---|---|');
for (const [name, result] of [
  ['NEW_MESSAGE', endToEnd.messages],
  ['CONVERSATION_STARTED', endToEnd.lifecycle],
] as const) {
  print(`| ${name} | ${Math.round(result.requestsPerSecond)} | ${ms(result.p50Ms)} | ${ms(result.p99Ms)} | ${round(result.requestsPerSecond / overhead.ingest.requestsPerSecond)} |`);
}
print('The embedded emulator is a Node process on the same two cores: context, not a prediction of Firestore.');

const cost = await benchFirestoreCost();
print('\n## 3. Firestore operations per event (counted at the emulator)');
print('| delivery | reads | writes | failed precondition writes | commits | goal | |');
print('|---|---|---|---|---|---|---|');
for (const c of cost) {
  print(`| ${c.name} | ${c.counts.documentReads} | ${c.counts.writes} | ${c.counts.failedPreconditionWrites} | ${c.counts.commits} | ${c.goal} | ${verdict(c.met)} |`);
}

// A single start varies by several per cent from one to the next, as much as the goal's margin; starts are cheap
// (a few seconds a round), so the full run takes 15 rounds and the medians hold still.
const coldStart = await benchColdStart({ runs: quick ? 1 : 15 });
print('\n## 4. Cold start (Functions Framework CLI, spawn to first 2xx)');
print('| bundle | first 2xx | ratio to the hand-written peer | ratio to trivial | module load | size | with Firestore bundled: first 2xx, ratio to trivial, module load, size |');
print('|---|---|---|---|---|---|---|');
print(`| hand-written peer (bench/servers/peerFunction.js) | ${ms(coldStart.peerFirst2xxMs)} | 1 | ${round(coldStart.peerFirst2xxMs / coldStart.trivialFirst2xxMs)} | | | |`);
print(`| trivial function (answers 204, stores nothing) | ${ms(coldStart.trivialFirst2xxMs)} | | 1 | ${ms(coldStart.trivialModuleLoadMs)} | | |`);
for (const fn of coldStart.functions) {
  const alt = fn.firestoreBundled;
  print(
    `| ${fn.directory} | ${ms(fn.first2xxMs)} | ${round(fn.peerRatio)} | ${round(fn.ratio)} | ${ms(fn.moduleLoadMs)} | ${round(fn.bundleKiB, 1)} KiB | ${ms(alt.first2xxMs)}, ${round(alt.ratio)}, ${ms(alt.moduleLoadMs)}, ${round(alt.bundleKiB, 1)} KiB |`,
  );
}
print(`Loading @google-cloud/firestore alone: ${ms(coldStart.firestoreClientLoadMs)}; the Functions Framework: ${ms(coldStart.functionsFrameworkLoadMs)}.`);
const ingestCold = coldStart.functions.filter((fn) => fn.directory.startsWith('ingest-'));
const worstColdStart = Math.max(...ingestCold.map((fn) => fn.peerRatio));
print(`Goal: ingest first 2xx <= 1.05 x the hand-written peer: worst ${round(worstColdStart)} (${verdict(worstColdStart <= 1.05)})`);

const peer = await benchPeer(load);
print(`\n## 5. Against the hand-written peer (${peer.emulator}, ${load.connections} connections)`);
print('| events | ours: CPU per event | peer: CPU per event | ratio | ours: req/s | peer: req/s | ratio |');
print('|---|---|---|---|---|---|---|');
for (const [name, pair] of [['NEW_MESSAGE', peer.messages], ['lifecycle', peer.lifecycle]] as const) {
  print(
    `| ${name} | ${round(pair.ours.cpuMsPerEvent, 3)} ms | ${round(pair.peer.cpuMsPerEvent, 3)} ms | ${round(pair.ours.cpuMsPerEvent / pair.peer.cpuMsPerEvent)} | ${Math.round(pair.ours.load.requestsPerSecond)} | ${Math.round(pair.peer.load.requestsPerSecond)} | ${round(pair.ours.load.requestsPerSecond / pair.peer.load.requestsPerSecond)} |`,
  );
}
const worstCpu = Math.max(peer.messages.ours.cpuMsPerEvent / peer.messages.peer.cpuMsPerEvent, peer.lifecycle.ours.cpuMsPerEvent / peer.lifecycle.peer.cpuMsPerEvent);
print(`Goal: CPU per event <= 1.25 x the peer: worst ${round(worstCpu)} (${verdict(worstCpu <= 1.25)})`);

const paging = await benchQueryPaging({ passes: quick ? 1 : 3 });
print(`\n## 6. Query paging (${paging.messages} messages, pages of ${paging.pageSize}, ${paging.pages} pages; latency on ${paging.latencyEmulator})`);
print('| first page | second page | last page | median page | last / first | max documents read per page |');
print('|---|---|---|---|---|---|');
print(`| ${ms(paging.firstPageMs)} | ${ms(paging.secondPageMs)} | ${ms(paging.lastPageMs)} | ${ms(paging.medianPageMs)} | ${round(paging.lastToFirstRatio)} | ${paging.maxDocumentsReadPerPage} |`);
// pageSize + 1 messages (the one more tells whether a next page exists) and the conversation, read beside every
// page so that an erased conversation serves nothing (shared/domain/erasure.ts).
print(`Goal: documents read per page <= pageSize + 1 messages + the conversation: ${paging.maxDocumentsReadPerPage} (${verdict(paging.maxDocumentsReadPerPage <= paging.pageSize + 2)})`);
print(
  paging.latencyJudged
    ? `Goal: last page within 1.5 x the first: ${round(paging.lastToFirstRatio)} (${verdict(paging.lastToFirstRatio <= 1.5)})`
    : 'Latency not judged: the embedded emulator scans the whole collection on every query.',
);

const reconcile = await printReconcile();
const backfill = await printBackfill();

const results = { quick, node: process.version, time: new Date().toISOString(), overhead, endToEnd, cost, coldStart, peer, paging, reconcile, backfill };
await mkdir(join('bench', 'results'), { recursive: true });
const file = join('bench', 'results', `${new Date().toISOString().replaceAll(':', '-')}.json`);
await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
print(`\nFigures written to ${file}`);
process.exit(0);
