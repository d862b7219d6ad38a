/**
 * A local cloud that can take a new version of its app while it runs (the dev
 * loop, `npm run dev`): the emulators and the edge endpoint live for the whole
 * session, the app's part (functions, rules, queues, mappings, user pools, the
 * REST API) is one generation, replaced whole by `reload(assemblyDir)`.
 *
 * Guarantees: data in tables, streams and buckets survives a reload (they live
 * in the emulators; new ones are created, removed ones deleted); the user pools
 * keep their users and signing keys (tokens stay valid); the REST API comes back
 * on the same port; an assembly that cannot be read is refused before anything
 * stops, and a version that fails to start is rolled back to the previous one
 * (the error is rethrown). `retire(fn)` makes a function's next invocation load
 * its bundle again, after the invocations in flight finish on the old code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadAssembly } from './assembly/load';
import { startLocalCloud, type LocalCloud, type LocalCloudOptions } from './cloud';
import { startEdge, type Edge } from './edge/server';
import { startEmulators, type Emulators } from './emulators';
import { GenerationalEdge } from './reload-edge';
import { deleteDataResources, removedDataResources } from './reload-prune';
import type { LocalStack, Stoppable } from './types';

/** What a reload changed, as `Type logicalId` strings. */
export interface ReloadOutcome {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

export class ReloadableCloud implements Stoppable {
  private constructor(
    private cloud: LocalCloud,
    private readonly options: LocalCloudOptions,
    private readonly emulators: Emulators,
    private readonly edge: Edge,
    private readonly generations: GenerationalEdge,
    private readonly cognitoDataDir: string | undefined,
    private readonly ownCognitoDir: boolean,
  ) {}

  /** Starts the emulators, the edge and the first generation of the app (same options as `startLocalCloud`). */
  static async start(options: LocalCloudOptions = {}): Promise<ReloadableCloud> {
    const host = options.host ?? '127.0.0.1';
    options.progress?.('starting emulators (dynalite, kinesalite, s3rver)');
    const emulators = await startEmulators({ dataDir: options.dataDir, host });
    let edge: Edge | undefined;
    const ownCognitoDir = !options.dataDir;
    const cognitoDataDir = options.dataDir ? path.resolve(options.dataDir) : mkdtempSync(path.join(tmpdir(), 'local-cloud-cognito-'));
    try {
      edge = await startEdge({
        port: options.edgePort ?? 4566,
        host,
        upstreams: { kinesis: emulators.kinesis, s3: emulators.s3 },
        portOption: '--edge-port',
      });
      const generations = new GenerationalEdge(edge);
      const cloud = await startLocalCloud({ ...options, reuse: { emulators, edge: generations.next(), cognitoDataDir } });
      return new ReloadableCloud(cloud, options, emulators, edge, generations, cognitoDataDir, ownCognitoDir);
    } catch (error) {
      await edge?.stop();
      await emulators.stop();
      if (ownCognitoDir) rmSync(cognitoDataDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The generation serving now. */
  get current(): LocalCloud {
    return this.cloud;
  }

  /** Makes each function's next invocation cold-start on its (rebuilt) bundle; see `LambdaRuntime.retire`. */
  retire(functionRefs: readonly string[]): void {
    for (const ref of functionRefs) this.cloud.lambda.retire(ref);
  }

  /** Serves the app of `assemblyDir` instead: see the file's guarantees. */
  async reload(assemblyDir: string): Promise<ReloadOutcome> {
    const before = this.cloud.stack;
    const after = pickStack(loadAssembly(path.resolve(assemblyDir), { edgeUrl: this.edge.url }), this.options.stackName);
    const outcome = diff(before, after);
    const apiPort = Number(new URL(this.cloud.apiUrl).port);
    await this.cloud.stop();
    try {
      await deleteDataResources(removedDataResources(before, after), this.emulators, after.region);
      this.cloud = await this.generation(assemblyDir, apiPort);
    } catch (error) {
      this.cloud = await this.generation(before.assemblyDir, apiPort);
      throw error;
    }
    return outcome;
  }

  async stop(): Promise<void> {
    await this.cloud.stop();
    await this.edge.stop();
    await this.emulators.stop();
    if (this.ownCognitoDir && this.cognitoDataDir) rmSync(this.cognitoDataDir, { recursive: true, force: true });
  }

  private generation(assemblyDir: string, apiPort: number): Promise<LocalCloud> {
    return startLocalCloud({
      ...this.options,
      progress: undefined,
      assemblyDir,
      apiPort,
      reuse: { emulators: this.emulators, edge: this.generations.next(), cognitoDataDir: this.cognitoDataDir },
    });
  }
}

function pickStack(stacks: LocalStack[], name: string | undefined): LocalStack {
  const stack = name ? stacks.find((s) => s.stackName === name) : stacks[0];
  if (!stack) throw new Error(name ? `No stack ${name} in the new assembly` : 'The new assembly has no stack');
  return stack;
}

function diff(before: LocalStack, after: LocalStack): ReloadOutcome {
  const label = (r: { type: string; logicalId: string }) => `${r.type} ${r.logicalId}`;
  const old = new Map(before.resources.map((r) => [r.logicalId, r]));
  const next = new Map(after.resources.map((r) => [r.logicalId, r]));
  return {
    added: after.resources.filter((r) => !old.has(r.logicalId)).map(label),
    removed: before.resources.filter((r) => !next.has(r.logicalId)).map(label),
    changed: after.resources
      .filter((r) => {
        const was = old.get(r.logicalId);
        return was !== undefined && JSON.stringify(was.properties) !== JSON.stringify(r.properties);
      })
      .map(label),
  };
}
