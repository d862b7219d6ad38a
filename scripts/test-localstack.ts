/**
 * `npm run test:localstack`: deploys the platform to a running LocalStack with
 * cdklocal and runs the e2e suite against it, as README describes.
 *
 * Needs LocalStack on :4566 (an image up to 4.14, the last free one, or a newer
 * one with LOCALSTACK_AUTH_TOKEN). It stops with one clear line when none answers.
 * Options (environment): LOCALSTACK_URL (default http://localhost:4566),
 * STAGE (default dev), E2E_JEST_ARGS (extra jest arguments, e.g. a test file).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const LOCALSTACK = (process.env.LOCALSTACK_URL ?? 'http://localhost:4566').replace(/\/$/, '');
const STAGE = process.env.STAGE ?? 'dev';
const STACK = `ServerlessCommerce-${STAGE}`;
const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);

async function main(): Promise<void> {
  const health = await fetch(`${LOCALSTACK}/_localstack/health`).catch(() => undefined);
  if (!health?.ok) {
    console.error(
      `test:localstack: no LocalStack answers at ${LOCALSTACK}/_localstack/health — start it first (docker run -p 4566:4566 localstack/localstack:4.14)`,
    );
    process.exit(2);
  }
  const services = ((await health.json()) as { services?: Record<string, string> }).services ?? {};
  // Cognito is a paid LocalStack feature: without it the identity tests cannot pass there.
  if (!services['cognito-idp'])
    console.warn('test:localstack: this LocalStack has no cognito-idp (a paid feature): identity tests will fail');

  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: LOCALSTACK,
    AWS_ENDPOINT_URL_S3: LOCALSTACK.replace('://localhost', '://s3.localhost.localstack.cloud'),
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
  };
  const outputsFile = path.join(mkdtempSync(path.join(tmpdir(), 'localstack-')), 'outputs.json');
  const run = (command: string, args: string[]) => execFileSync(command, args, { cwd: ROOT, env, stdio: 'inherit' });
  console.log(`test:localstack: bootstrapping and deploying ${STACK} to ${LOCALSTACK}`);
  run(bin('cdklocal'), ['bootstrap', '-c', `stage=${STAGE}`]);
  run(bin('cdklocal'), ['deploy', STACK, '-c', `stage=${STAGE}`, '--require-approval', 'never', '--outputs-file', outputsFile]);

  const outputs = (JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>)[STACK] ?? {};
  const apiId = /^https?:\/\/([^.]+)\.execute-api\./.exec(outputs.ApiUrl ?? '')?.[1];
  if (!apiId) throw new Error(`no ApiUrl output to find the REST API id in (${JSON.stringify(outputs)})`);
  const result = spawnSync(bin('jest'), ['--selectProjects', 'e2e', ...(process.env.E2E_JEST_ARGS?.split(' ').filter(Boolean) ?? [])], {
    cwd: ROOT,
    stdio: 'inherit',
    env: {
      ...env,
      // LocalStack's URL form for a REST API stage.
      E2E_API_URL: `${LOCALSTACK}/restapis/${apiId}/${STAGE}/_user_request_`,
      E2E_OUTPUTS: JSON.stringify(outputs),
      E2E_STACK_NAME: STACK,
    },
  });
  process.exit(result.status ?? 1);
}

main().catch((error: unknown) => {
  console.error(`test:localstack: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
