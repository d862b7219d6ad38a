/**
 * The local assembly the local start serves: `.local-cloud/assemblies/<n>/`,
 * synthesised by scripts/local/synth.ts (in a child process) with its handlers
 * bundled by scripts/local/bundles.ts. `current.json` next to them names the one
 * to serve and the hash of its inputs (scripts/local/inputs.ts): a start whose
 * inputs did not change serves it again without synth or bundling.
 *
 * The folder is never `cdk.out`: `cdk synth` and `cdk deploy` keep their own
 * assembly, untouched by the local start (this one points at local bundles and
 * has skipped CDK's bundling, so it could not be deployed).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildAllHandlers, HandlerBundles } from './bundles';
import { pointFunctionsAtBundles, readHandlers, type HandlerEntry } from './handlers';
import { inputsHash } from './inputs';

export interface PreparedAssembly {
  readonly dir: string;
  readonly handlers: readonly HandlerEntry[];
  /** True when the previous assembly was served again (inputs unchanged). */
  readonly reused: boolean;
  /** The handlers' esbuild contexts (watch mode only). */
  readonly bundles: HandlerBundles | undefined;
}

export interface PrepareOptions {
  readonly root: string;
  /** Keep incremental esbuild contexts for rebuilds (npm run dev). */
  readonly watch?: boolean;
  /** Run cdk-nag in the synth too. */
  readonly nag?: boolean;
  /** Synthesise even when the inputs did not change. */
  readonly force?: boolean;
  /** One line per finished phase (`synth`, `bundling` n/total) with its duration; `bundling` also reports when it starts. */
  readonly progress?: (phase: 'synth' | 'bundling', detail: string) => void;
}

/** The synth failed: its output says why. */
export class SynthError extends Error {}

interface Current {
  readonly dir: string;
  readonly inputs: string;
}

const assembliesDir = (root: string) => path.join(root, '.local-cloud', 'assemblies');
const currentFile = (root: string) => path.join(assembliesDir(root), 'current.json');

/** Reuses the current assembly when its inputs did not change, else synthesises and bundles a new one. */
export async function prepareAssembly(options: PrepareOptions): Promise<PreparedAssembly> {
  const { root, progress = () => undefined } = options;
  const inputs = inputsHash(root);
  const current = readCurrent(root);
  if (!options.force && current?.inputs === inputs && existsSync(path.join(current.dir, 'handlers.json'))) {
    const handlers = readHandlers(current.dir);
    progress('synth', `reused ${path.relative(root, current.dir)} (no input changed since it was built)`);
    const bundles = options.watch ? await HandlerBundles.open(root, current.dir, handlers) : undefined;
    return { dir: current.dir, handlers, reused: true, bundles };
  }
  mkdirSync(assembliesDir(root), { recursive: true });
  const dir = path.join(assembliesDir(root), String(Date.now()));
  let started = Date.now();
  await synthesise(root, dir, options.nag ?? false);
  progress('synth', `${seconds(Date.now() - started)}${options.nag ? ' (cdk-nag included)' : ''}`);
  const handlers = readHandlers(dir);
  started = Date.now();
  progress('bundling', `${handlers.length} handlers`);
  await buildAllHandlers(root, dir, handlers);
  progress('bundling', `${handlers.length}/${handlers.length} (${seconds(Date.now() - started)})`);
  pointFunctionsAtBundles(dir, handlers);
  writeCurrent(root, { dir, inputs });
  const bundles = options.watch ? await HandlerBundles.open(root, dir, handlers) : undefined;
  return { dir, handlers, reused: false, bundles };
}

/** Records that the current assembly's bundles are up to date with the sources as they are now (after a rebuild). */
export function markCurrent(root: string, dir: string): void {
  writeCurrent(root, { dir, inputs: inputsHash(root) });
}

/** Deletes every assembly folder but `keep`. */
export function removeStaleAssemblies(root: string, keep: readonly string[]): void {
  const base = assembliesDir(root);
  if (!existsSync(base)) return;
  const kept = new Set(keep.map((dir) => path.resolve(dir)));
  for (const name of readdirSync(base)) {
    const dir = path.join(base, name);
    if (name !== 'current.json' && !kept.has(dir)) rmSync(dir, { recursive: true, force: true });
  }
}

function synthesise(root: string, dir: string, nag: boolean): Promise<void> {
  const tsx = require.resolve('tsx/cli');
  const args = [tsx, path.join(root, 'scripts', 'local', 'synth.ts'), dir, ...(nag ? ['--nag'] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else {
        rmSync(dir, { recursive: true, force: true });
        reject(new SynthError(`synth failed (exit ${code}):\n${Buffer.concat(output).toString('utf8').trimEnd()}`));
      }
    });
  });
}

function readCurrent(root: string): Current | undefined {
  try {
    return JSON.parse(readFileSync(currentFile(root), 'utf8')) as Current;
  } catch {
    return undefined;
  }
}

function writeCurrent(root: string, current: Current): void {
  writeFileSync(currentFile(root), `${JSON.stringify(current, null, 2)}\n`);
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
