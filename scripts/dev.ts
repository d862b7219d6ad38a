/**
 * `npm start` and `npm run dev` (= this with `--watch`): serve the platform on
 * the local cloud, quietly and fast, and with `--watch` keep it current while
 * you edit.
 *
 *   start   one line per phase (synth, bundling n/N, emulators, resources, API),
 *           then a short summary (the API and a first call, the edge, counts);
 *           `--verbose` adds every table. An assembly whose inputs did not change
 *           is served again with no synth (scripts/local/assembly.ts).
 *   --watch a change to a handler's sources rebuilds only the bundles that include
 *           it (the stack's own build options, esbuild's incremental API) and the
 *           function's next invocation runs the new code (warm workers retired,
 *           in-flight invocations finish on the old code); a change under lib/,
 *           bin/ or contracts/ re-synthesises and reloads the cloud (tables,
 *           buckets and streams keep their data). A build or synth error is shown
 *           and the last good version keeps serving.
 *
 * Options: --api-port 3000 --edge-port 4566 --host 127.0.0.1 --verbose --nag (run
 * cdk-nag in the synth) --fresh (synthesise even if nothing changed).
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { describeStart, ReloadableCloud } from 'local-cloud';
import { markCurrent, prepareAssembly, removeStaleAssemblies, seconds, SynthError, type PreparedAssembly } from './local/assembly';
import { SYNTH_INPUTS } from './local/inputs';
import { watchSources } from './local/watch';

const ROOT = path.join(__dirname, '..');
const OPENAPI = path.join(ROOT, 'docs', 'openapi.json');
/** Watched folders; a change in any but lambda/ means a new synth. */
const WATCHED = ['bin', 'lib', 'lambda', 'contracts'];

const { values } = parseArgs({
  options: {
    watch: { type: 'boolean' },
    verbose: { type: 'boolean' },
    nag: { type: 'boolean' },
    fresh: { type: 'boolean' },
    'api-port': { type: 'string', default: '3000' },
    'edge-port': { type: 'string', default: '4566' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});

const say = (line: string) => process.stdout.write(`${line}\n`);
const phase = (name: string, detail: string) => say(`  ${name.padEnd(10)} ${detail}`);

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const watching = values.watch ?? false;
  let assembly = await prepareAssembly({
    root: ROOT,
    watch: watching,
    nag: values.nag,
    force: values.fresh,
    progress: (name, detail) => {
      if (name === 'bundling' && !detail.includes('(')) {
        if (process.stdout.isTTY) process.stdout.write(`\r  ${'bundling'.padEnd(10)} ${detail}`);
        return;
      }
      if (name === 'bundling' && process.stdout.isTTY) process.stdout.write('\r');
      phase(name, detail);
    },
  });
  removeStaleAssemblies(ROOT, [assembly.dir]);
  const phases: Record<string, string> = { emulators: 'emulators', reading: 'assembly', creating: 'resources', serving: 'API' };
  const cloud = await ReloadableCloud.start({
    assemblyDir: assembly.dir,
    stateDir: path.join(ROOT, '.local-cloud'),
    apiPort: port(values['api-port']!),
    edgePort: port(values['edge-port']!),
    host: values.host,
    // The API's OpenAPI document (npm run docs:openapi): served at <edge>/_console/openapi.json, listed in the
    // console. A copy of the project without it (an app of one's own built from this one) starts without the view.
    openapi: existsSync(OPENAPI) ? OPENAPI : undefined,
    progress: (step) => phase(Object.entries(phases).find(([word]) => step.includes(word))?.[1] ?? 'start', step),
  });
  say(describeStart(cloud.current, performance.now(), { verbose: values.verbose }));
  let watcher: { close(): void } | undefined;
  if (watching) {
    watcher = watchSources(ROOT, WATCHED, async (files) => {
      const synthNeeded = files.some((file) => SYNTH_INPUTS.some((input) => isUnder(file, path.join(ROOT, input))));
      if (synthNeeded) assembly = await resynthesise(cloud, assembly, files);
      else await rebuild(cloud, assembly, files);
    });
    say(`[dev] watching ${WATCHED.join('/, ')}/ for changes`);
  }
  stopOnSignals(async () => {
    watcher?.close();
    await assembly.bundles?.dispose();
    await cloud.stop();
  });
}

/** A handler's sources changed: rebuild the bundles that include them, retire their warm workers. */
async function rebuild(cloud: ReloadableCloud, assembly: PreparedAssembly, files: string[]): Promise<void> {
  if (!assembly.bundles) return;
  const started = performance.now();
  const outcome = await assembly.bundles.rebuild(files);
  cloud.retire(outcome.rebuilt);
  const names = outcome.rebuilt.map((id) => assembly.handlers.find((h) => h.logicalId === id)?.entry ?? id);
  if (outcome.rebuilt.length > 0) {
    say(`[dev] rebuilt ${outcome.rebuilt.length} bundle(s) in ${Math.round(performance.now() - started)} ms: ${names.join(', ')}`);
  }
  for (const failure of outcome.failed) {
    say(`[dev] build failed for ${failure.entry}; the last good bundle keeps serving:\n${indent(failure.message)}`);
  }
  if (outcome.failed.length === 0 && outcome.rebuilt.length > 0) markCurrent(ROOT, assembly.dir);
}

/** The app's definition changed: synthesise, bundle, reload the cloud onto the new assembly. */
async function resynthesise(cloud: ReloadableCloud, assembly: PreparedAssembly, files: string[]): Promise<PreparedAssembly> {
  const started = performance.now();
  say(`[dev] ${files.map((f) => path.relative(ROOT, f)).join(', ')} changed: synthesising`);
  let next: PreparedAssembly;
  try {
    next = await prepareAssembly({ root: ROOT, watch: true, force: true, nag: values.nag, progress: () => undefined });
  } catch (error) {
    const text = error instanceof SynthError ? error.message : String(error);
    say(`[dev] synth or bundling failed; the last good version keeps serving:\n${indent(text)}`);
    return assembly;
  }
  try {
    const outcome = await cloud.reload(next.dir);
    await assembly.bundles?.dispose();
    removeStaleAssemblies(ROOT, [next.dir]);
    const parts = [`+${outcome.added.length} added`, `-${outcome.removed.length} removed`, `~${outcome.changed.length} changed`];
    say(`[dev] reloaded in ${seconds(performance.now() - started)}: ${parts.join(', ')}`);
    for (const line of [...outcome.added.map((r) => `+ ${r}`), ...outcome.removed.map((r) => `- ${r}`)]) say(`        ${line}`);
    return next;
  } catch (error) {
    await next.bundles?.dispose();
    say(`[dev] the new version failed to start; the last good version keeps serving:\n${indent(String(error))}`);
    return assembly;
  }
}

function isUnder(file: string, input: string): boolean {
  return file === input || file.startsWith(`${input}${path.sep}`);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) throw new Error(`not a port number: "${value}"`);
  return parsed;
}

function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`\n${signal}: stopping the local cloud...`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`error while stopping: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`local start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
