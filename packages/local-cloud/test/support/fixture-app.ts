/**
 * Small CDK apps of our own, synthesised in the test and served by the local
 * cloud: one behaviour each (`test/fixtures/*.test.ts`). The app is built with
 * aws-cdk-lib in process, written to a fresh temporary cloud assembly and
 * served on free ports with its state in that folder; `stop()` removes both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { startLocalCloud, type LocalCloud, type LocalCloudOptions } from '../../src/index';

export interface ServedFixture {
  readonly cloud: LocalCloud;
  /** The temporary folder: `cdk.out/` (the assembly) and `state/` (the cloud's state). */
  readonly dir: string;
  stop(): Promise<void>;
}

/** Synthesises `build`'s stack (named `name`) to a temporary assembly, without serving it. */
export function synthFixture(name: string, build: (stack: Stack) => void): string {
  const dir = mkdtempSync(path.join(tmpdir(), `fixture-${name}-`));
  const outdir = path.join(dir, 'cdk.out');
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': ['**'], 'aws:cdk:enable-asset-metadata': true } });
  build(new Stack(app, name, { env: { account: '000000000000', region: 'us-east-1' } }));
  app.synth();
  return dir;
}

/** Synthesises and serves a fixture app; the options override the test defaults (free ports, quiet log). */
export async function serveFixture(
  name: string,
  build: (stack: Stack) => void,
  options: Partial<LocalCloudOptions> = {},
): Promise<ServedFixture> {
  const dir = synthFixture(name, build);
  let cloud: LocalCloud;
  try {
    cloud = await startLocalCloud({
      assemblyDir: path.join(dir, 'cdk.out'),
      stateDir: path.join(dir, 'state'),
      apiPort: 0,
      edgePort: 0,
      retryBaseDelayMs: 10,
      log: process.env.FIXTURE_LOG ? (line) => process.stderr.write(`${line}\n`) : () => undefined,
      ...options,
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    cloud,
    dir,
    stop: async () => {
      await cloud.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
