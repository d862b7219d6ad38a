/**
 * The e2e suite's default target: synthesise the app into a temp folder and
 * start the local cloud on free ports in this (jest's global setup) process,
 * then hand the tests the same environment variables a user would give for
 * LocalStack or AWS (see target.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { startLocalCloud, type LocalCloud } from 'local-cloud';

const ROOT = path.join(__dirname, '..', '..');
const holder = globalThis as { __localCloud?: LocalCloud };

/** The platform on a local cloud of its own (synthesised into a temp folder, free ports), and the environment that points at it. */
export async function startPlatform(): Promise<{ cloud: LocalCloud; env: Record<string, string> }> {
  // This machine may run Node 20; the functions declare Node 22. The SDK's banner about it is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const work = mkdtempSync(path.join(tmpdir(), 'e2e-'));
  const assemblyDir = path.join(work, 'cdk.out');
  // Asynchronously, and never pointed at a local cloud: another project's global setup may already
  // serve one from this very process (AWS_ENDPOINT_URL set), and a synchronous synth that called it
  // would wait forever on an event loop it blocks.
  const { AWS_ENDPOINT_URL: _endpoint, ...synthEnv } = process.env;
  await promisify(execFile)(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '--quiet', '-o', assemblyDir],
    {
      cwd: ROOT,
      env: synthEnv,
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const cloud = await startLocalCloud({
    assemblyDir,
    apiPort: 0,
    edgePort: 0,
    stateDir: path.join(work, 'state'),
    retryBaseDelayMs: 100,
    log: () => undefined,
  });
  const env = {
    E2E_API_URL: cloud.apiUrl,
    AWS_ENDPOINT_URL: cloud.edgeUrl,
    E2E_OUTPUTS: JSON.stringify(cloud.outputs),
    E2E_API_KEYS: JSON.stringify(cloud.apiKeys),
    E2E_RECORDS_FILE: cloud.recordsFile,
  };
  return { cloud, env };
}

export async function startForTests(): Promise<void> {
  const { cloud, env } = await startPlatform();
  holder.__localCloud = cloud;
  Object.assign(process.env, env);
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
}

export async function stopForTests(): Promise<void> {
  await holder.__localCloud?.stop();
  holder.__localCloud = undefined;
}
