/**
 * Builds the handlers of a local assembly with esbuild's API, with exactly the
 * options the stack deploys them with (lib/bundling.ts), into
 * `<assembly>/bundles/<logicalId>/index.mjs`. The first build is one esbuild
 * build of every handler (each its own bundle, no code splitting), so the
 * modules they share (the SDK, Powertools) are parsed once.
 *
 * For watching, each handler has an incremental esbuild context, and the
 * inputs of its last good build (from esbuild's metafile, kept next to the
 * bundle) say which source files it includes: a change rebuilds only the
 * bundles that include the file. A failed rebuild writes nothing: the last
 * good bundle stays in place and keeps being served.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { build, context, type BuildContext, type BuildFailure, type Metafile } from 'esbuild';
import { handlerBuildOptions } from '../../lib/bundling';
import { bundlePath, type HandlerEntry } from './handlers';

export interface RebuildOutcome {
  /** Logical ids whose bundle was rebuilt and now holds the new code. */
  readonly rebuilt: readonly string[];
  /** Logical ids whose rebuild failed (their last good bundle stays), with esbuild's messages. */
  readonly failed: readonly { logicalId: string; entry: string; message: string }[];
}

interface Bundle {
  readonly handler: HandlerEntry;
  /** Absolute path of its bundle file. */
  readonly file: string;
  /** Where the list of its inputs is kept, so that a reused assembly knows them without building. */
  readonly inputsFile: string;
  readonly context: BuildContext<{ metafile: true }>;
  /** Absolute paths of the source files its last good build included. */
  inputs: Set<string>;
}

/** Builds every handler's bundle at once; rejects with esbuild's messages when one fails. */
export async function buildAllHandlers(root: string, assemblyDir: string, handlers: readonly HandlerEntry[]): Promise<void> {
  let result;
  try {
    result = await build({
      ...handlerBuildOptions(),
      entryPoints: Object.fromEntries(handlers.map((h) => [path.join(h.logicalId, 'index'), path.join(root, h.entry)])),
      outdir: path.join(assemblyDir, 'bundles'),
      absWorkingDir: root,
      metafile: true,
    });
  } catch (error) {
    throw new Error(failureText(error), { cause: error });
  }
  for (const handler of handlers) {
    const file = bundleFile(assemblyDir, handler);
    const output = Object.entries(result.metafile.outputs).find(([out]) => path.resolve(root, out) === file)?.[1];
    if (!output) throw new Error(`esbuild wrote no bundle for ${handler.entry}`);
    writeFileSync(inputsFileOf(file), JSON.stringify(Object.keys(output.inputs).map((input) => path.resolve(root, input))));
  }
}

/** The handlers' esbuild contexts, for rebuilds by changed file. */
export class HandlerBundles {
  private constructor(
    private readonly root: string,
    private readonly bundles: readonly Bundle[],
  ) {}

  /**
   * Creates a context per handler without building (the bundles are current):
   * each bundle's inputs are those its last build recorded; the first rebuild
   * of each is a full one, later ones incremental.
   */
  static async open(root: string, assemblyDir: string, handlers: readonly HandlerEntry[]): Promise<HandlerBundles> {
    const bundles: Bundle[] = await Promise.all(
      handlers.map(async (handler) => {
        const file = bundleFile(assemblyDir, handler);
        const inputsFile = inputsFileOf(file);
        const options = {
          ...handlerBuildOptions(),
          entryPoints: { index: path.join(root, handler.entry) },
          outdir: path.dirname(file),
          absWorkingDir: root,
          metafile: true as const,
        };
        return {
          handler,
          file,
          inputsFile,
          context: await context(options),
          inputs: new Set<string>(existsSync(inputsFile) ? (JSON.parse(readFileSync(inputsFile, 'utf8')) as string[]) : []),
        };
      }),
    );
    return new HandlerBundles(root, bundles);
  }

  /** Logical ids of the bundles that include `file` (absolute) in their last good build. */
  including(file: string): string[] {
    return this.bundles.filter((b) => b.inputs.has(file)).map((b) => b.handler.logicalId);
  }

  /**
   * Rebuilds the bundles that include any of `files` (absolute paths), in parallel.
   * A bundle never built (its inputs unknown) is rebuilt on every change.
   */
  async rebuild(files: readonly string[]): Promise<RebuildOutcome> {
    const affected = this.bundles.filter((b) => b.inputs.size === 0 || files.some((file) => b.inputs.has(file)));
    const rebuilt: string[] = [];
    const failed: { logicalId: string; entry: string; message: string }[] = [];
    await Promise.all(
      affected.map(async (bundle) => {
        try {
          const result = await bundle.context.rebuild();
          bundle.inputs = inputsOf(this.root, result.metafile);
          writeFileSync(bundle.inputsFile, JSON.stringify([...bundle.inputs]));
          rebuilt.push(bundle.handler.logicalId);
        } catch (error) {
          failed.push({ logicalId: bundle.handler.logicalId, entry: bundle.handler.entry, message: failureText(error) });
        }
      }),
    );
    return { rebuilt, failed };
  }

  async dispose(): Promise<void> {
    await Promise.all(this.bundles.map((b) => b.context.dispose()));
  }
}

function bundleFile(assemblyDir: string, handler: HandlerEntry): string {
  return path.join(assemblyDir, bundlePath(handler), 'index.mjs');
}

function inputsFileOf(bundle: string): string {
  return `${path.dirname(bundle)}.inputs.json`;
}

function inputsOf(root: string, metafile: Metafile): Set<string> {
  return new Set(Object.keys(metafile.inputs).map((input) => path.resolve(root, input)));
}

/** esbuild's errors as its CLI prints them: `file:line:col: message`. */
function failureText(error: unknown): string {
  const failure = error as Partial<BuildFailure>;
  if (!Array.isArray(failure.errors)) return String(error);
  return failure.errors
    .map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}` : e.text))
    .join('\n');
}
