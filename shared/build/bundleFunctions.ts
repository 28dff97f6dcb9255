import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';
import { loadViewerAssets } from '../viewer/assets';
import { CONVERSATION_EVENT_TYPE, loadConversationEventDescriptor } from '../wire/conversationEventDescriptor';

/**
 * `npm run build`: one esbuild bundle per function under functions/, as
 * Cloud Functions deploys it: dist/<function>/index.js (+ source map) and a
 * package.json naming the runtime dependencies the bundle leaves out, pinned
 * to the lockfile's versions.
 *
 * What is bundled and what is not:
 * - @google-cloud/functions-framework stays external: the runtime's loader
 *   and the code must share one function registry.
 * - @google-cloud/firestore stays external: it (through google-gax) loads its
 *   protobuf descriptors from JSON files at run time, by path.
 * - protobufjs and long stay external: the Firestore client depends on them
 *   and loads them as it loads, so an install resolves one copy that both
 *   share, already loaded when our bundle asks for it, instead of a second
 *   copy compiled at every cold start (6 of the 24 ms the ingest bundle took
 *   to load, and 97 KiB of it, measured).
 * - Everything else (zod, as its tree-shakable zod/mini build, and our own
 *   code) is bundled and tree-shaken.
 * - The ConversationEvent descriptor is computed here, from the official
 *   package's, and inlined: the bundles neither ship nor load the 1.4 MB original.
 */
export const EXTERNAL_DEPENDENCIES = ['@google-cloud/functions-framework', '@google-cloud/firestore', 'protobufjs', 'long'] as const;

/**
 * Further runtime dependencies of one function, kept external the same way: reconcile's Dialogflow client (it
 * loads its descriptors by path, as Firestore's does). No other bundle may reach them (bundles.test.ts checks).
 */
export const FUNCTION_DEPENDENCIES: Readonly<Record<string, readonly string[]>> = {
  'reconcile-conversations': ['@google-cloud/dialogflow'],
};

export interface BuiltFunction {
  directory: string;
  outputDirectory: string;
  bundleBytes: number;
}

/**
 * `outputRoot` is where the function directories go: `dist` for a deployment; a test bundles elsewhere, so that
 * it never rewrites dist/ while `npm run build` (run beside the tests in CI) writes it. It must lie inside `root`:
 * the bundles require their external dependencies from root's node_modules.
 */
export async function bundleFunctions(root = process.cwd(), outputRoot = join(root, 'dist')): Promise<BuiltFunction[]> {
  const lock = JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  const pinned = (names: readonly string[]) =>
    Object.fromEntries(
      names.map((name) => {
        const version = lock.packages[`node_modules/${name}`]?.version;
        if (!version) throw new Error(`${name} is not in package-lock.json; run npm install`);
        return [name, version];
      }),
    );
  const { engines } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { engines: Record<string, string> };
  const directories = (await readdir(join(root, 'functions'), { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name);

  const shared = sharedBuildOptions();
  const built: BuiltFunction[] = [];
  for (const directory of directories.sort()) {
    const outputDirectory = join(outputRoot, directory);
    await rm(outputDirectory, { recursive: true, force: true });
    await mkdir(outputDirectory, { recursive: true });
    const result = await build({
      absWorkingDir: root,
      entryPoints: [join('functions', directory, 'index.ts')],
      outfile: join(outputDirectory, 'index.js'),
      ...BUNDLE_OPTIONS,
      sourcemap: true,
      external: [...EXTERNAL_DEPENDENCIES, ...(FUNCTION_DEPENDENCIES[directory] ?? [])],
      ...shared,
      metafile: true,
      logLevel: 'warning',
    });
    await writeFile(
      join(outputDirectory, 'package.json'),
      `${JSON.stringify({ name: directory, private: true, main: 'index.js', engines, dependencies: pinned([...EXTERNAL_DEPENDENCIES, ...(FUNCTION_DEPENDENCIES[directory] ?? [])]) }, null, 2)}\n`,
    );
    built.push({ directory, outputDirectory, bundleBytes: outputBytes(result.metafile, 'index.js') });
  }
  return built;
}

/**
 * How every function is bundled (and every bench server, so that it measures
 * what is deployed). No `keepNames`: it wraps every function expression in a
 * call that defines its `name`, so each closure created on the hot path costs
 * an Object.defineProperty (a fifth of a push's decoding, measured); deployed
 * stack traces are readable through the source map (NODE_OPTIONS
 * --enable-source-maps in terraform/main.tf).
 */
export const BUNDLE_OPTIONS = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', minify: true } as const;

/**
 * What every function bundle is built with (the benchmarks' alternative builds too): import.meta.url as
 * CommonJS knows it (to resolve package files beside the bundle), and the descriptor and viewer inlined.
 */
export function sharedBuildOptions() {
  return {
    banner: { js: "const __importMetaUrl = require('url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__importMetaUrl' },
    plugins: [inlineConversationEventDescriptor(), inlineViewerAssets()],
  };
}

/** Replaces shared/wire/conversationEventDescriptor.ts, which reads the package at run time, with its result. */
function inlineConversationEventDescriptor(): Plugin {
  const descriptorJson = JSON.stringify(loadConversationEventDescriptor());
  return {
    name: 'inline-conversation-event-descriptor',
    setup(build) {
      build.onLoad({ filter: /[\\/]shared[\\/]wire[\\/]conversationEventDescriptor\.ts$/ }, () => ({
        loader: 'js',
        // JSON.parse of a string literal: parsed only when the first PROTO delivery asks for it.
        contents: [
          `export const CONVERSATION_EVENT_TYPE = ${JSON.stringify(CONVERSATION_EVENT_TYPE)};`,
          `export function loadConversationEventDescriptor() { return JSON.parse(${JSON.stringify(descriptorJson)}); }`,
        ].join('\n'),
      }));
    },
  };
}

/** Replaces shared/viewer/assets.ts, which reads the viewer's files at run time, with their text. */
function inlineViewerAssets(): Plugin {
  const assets = JSON.stringify(loadViewerAssets());
  return {
    name: 'inline-viewer-assets',
    setup(build) {
      build.onLoad({ filter: /[\\/]shared[\\/]viewer[\\/]assets\.ts$/ }, () => ({
        loader: 'js',
        contents: `const assets = ${assets};\nexport function loadViewerAssets() { return assets; }`,
      }));
    },
  };
}

function outputBytes(metafile: Metafile, fileName: string): number {
  const entry = Object.entries(metafile.outputs).find(([path]) => path.endsWith(fileName));
  return entry ? entry[1].bytes : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const built = await bundleFunctions();
  for (const fn of built) process.stdout.write(`dist/${fn.directory}/index.js  ${(fn.bundleBytes / 1024).toFixed(1)} KiB\n`);
}
