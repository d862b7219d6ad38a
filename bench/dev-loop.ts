/**
 * The developer loop, timed:
 *   edit-to-served  20 edits of one handler's source under `npm run dev` (the small
 *                   app of test/dev/dev-app.ts: a real-sized bundle with the DynamoDB
 *                   client, built with lib/bundling.ts's options): from the file write
 *                   to the first `GET /hello` that answers with the new text (polled);
 *   fresh start     `npm start` of a copy of this repository with no .local-cloud/:
 *                   synth, bundling of every handler, start, until the API answers its
 *                   first request (`GET /users/me`, 401 without a token) and until a
 *                   signed-in call is served by a function (200);
 *   warm restart    the same again with nothing changed (the assembly is reused).
 *
 *   npm run bench:dev
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createDevApp, startDev, waitFor, type DevProcess } from '../test/dev/dev-app';
import { percentile, printTable, progress, runBench } from './support';

const ROOT = path.join(__dirname, '..');
const EDITS = 20;

async function editToServed(): Promise<number[]> {
  const app = createDevApp();
  const dev = startDev(app.dir);
  try {
    await waitFor('the dev loop', () => (dev.output().includes('watching') ? true : undefined), 300_000);
    const message = async () => {
      const response = await fetch(`${dev.apiUrl()}/hello`);
      return ((await response.json()) as { message?: string }).message;
    };
    await waitFor('GET /hello', message, 60_000);
    const samples: number[] = [];
    for (let edit = 1; edit <= EDITS; edit++) {
      const text = `hello edit ${edit}`;
      const started = performance.now();
      app.setMessage(text);
      await waitFor(`edit ${edit}`, async () => ((await message()) === text ? true : undefined), 60_000);
      samples.push(performance.now() - started);
      progress(`edit ${edit}: ${samples.at(-1)!.toFixed(0)} ms`);
    }
    return samples;
  } finally {
    await dev.stop();
    app.remove();
  }
}

/** A copy of the repository as a fresh clone has it after `npm install` (node_modules linked). */
function freshClone(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-start-'));
  for (const item of ['bin', 'lib', 'lambda', 'contracts', 'scripts', 'package.json', 'package-lock.json', 'cdk.json']) {
    mkdirSync(path.dirname(path.join(dir, item)), { recursive: true });
    cpSync(path.join(ROOT, item), path.join(dir, item), { recursive: true });
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Milliseconds from spawning `npm start` to the API's first answer and to the first call a function served. */
async function startToFirstRequest(dir: string): Promise<{ firstAnswer: number; firstFunction: number; dev: DevProcess }> {
  const started = performance.now();
  const dev = startDev(dir, []);
  const status = async () => (dev.apiUrl() ? (await fetch(`${dev.apiUrl()}/users/me`)).status : undefined);
  await waitFor('the API', status, 300_000);
  const firstAnswer = performance.now() - started;
  const edgeUrl = /^ {2}AWS {3}(http:\/\/\S+)/m.exec(dev.output())![1]!;
  const created = await fetch(`${edgeUrl}/_local/cognito/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `bench-${Date.now()}@example.com` }),
  });
  const { tokens } = (await created.json()) as { tokens: { IdToken: string } };
  const me = await fetch(`${dev.apiUrl()}/users/me`, { headers: { authorization: tokens.IdToken } });
  if (me.status !== 200) throw new Error(`GET /users/me answered ${me.status}`);
  return { firstAnswer, firstFunction: performance.now() - started, dev };
}

async function main(): Promise<void> {
  const dir = freshClone();
  const rows: (string | number)[][] = [];
  try {
    progress('fresh start...');
    const fresh = await startToFirstRequest(dir);
    await fresh.dev.stop();
    progress('warm restart...');
    const warm = await startToFirstRequest(dir);
    await warm.dev.stop();
    rows.push(['fresh start (synth + bundling + start)', (fresh.firstAnswer / 1000).toFixed(1), (fresh.firstFunction / 1000).toFixed(1)]);
    rows.push(['warm restart (assembly reused)', (warm.firstAnswer / 1000).toFixed(1), (warm.firstFunction / 1000).toFixed(1)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  progress('edit-to-served...');
  const edits = await editToServed();
  printTable(['start', 'first answer s', 'first function call s'], rows);
  console.log('');
  printTable(
    ['edit-to-served', 'edits', 'p50 ms', 'p99 ms', 'min ms', 'max ms'],
    [
      [
        'one handler, npm run dev',
        edits.length,
        percentile(edits, 50).toFixed(0),
        percentile(edits, 99).toFixed(0),
        Math.min(...edits).toFixed(0),
        Math.max(...edits).toFixed(0),
      ],
    ],
  );
  console.log(`\n${process.version}, ${process.arch}; load average at the end: ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
}

runBench(main);
