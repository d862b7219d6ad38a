/**
 * Local cloud start time (synth excluded: reads an existing cdk.out) and the warm
 * API round trip of GET /users/{id} with a Cognito id token (autocannon, closed loop: each connection sends
 * its next request when the last is answered) at 1, 10 and 50 concurrent connections,
 * with the CPU each request costs in the local cloud process, the function workers
 * and the load generator: what bounds throughput, and so latency, on a small machine
 * (at 50 connections, p50 ≈ 50 / requests per second).
 *
 *   npx cdk synth --quiet && npm run bench:local [-- --max-workers N]
 *
 * autocannon runs in its own process so that it does not share the event loop of
 * the process it measures.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { startLocalCloud } from 'local-cloud';
import { benchCaller } from './identity';
import { printTable, progress, runBench } from './support';

const CONNECTIONS = [1, 10, 50] as const;
const AUTOCANNON = require.resolve('autocannon/autocannon.js');

interface Run {
  readonly requests: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly cpuMs: { readonly cloud: number; readonly workers: number; readonly loadGenerator: number };
}

async function main() {
  const { values } = parseArgs({ options: { 'max-workers': { type: 'string' } } });
  const maxWorkersPerFunction = values['max-workers'] ? Number(values['max-workers']) : undefined;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const stateDir = 'bench/out/local-cloud-state';
  rmSync(stateDir, { recursive: true, force: true });

  const started = performance.now();
  const cloud = await startLocalCloud({ apiPort: 0, edgePort: 0, stateDir, maxWorkersPerFunction, log: () => undefined });
  const startMs = performance.now() - started;
  try {
    progress('signing a user up and in, and warming the function');
    const caller = await benchCaller(cloud.edgeUrl, cloud.outputs);
    const url = `${cloud.apiUrl}/users/${caller.userId}`;
    // Every request carries the caller's id token: the Cognito authorizer checks it (its verification cached after the first).
    const auth = ['-H', `authorization=${caller.idToken}`];
    for (let i = 0; i < 100 && (await fetch(url, { headers: { authorization: caller.idToken } })).status !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50)); // the post-confirmation trigger stores the profile
    }
    await load(url, 50, [...auth, '-d', '3']); // starts the workers

    const runs: [number, Run][] = [];
    for (const connections of CONNECTIONS) {
      progress(`${connections} connection(s), 10 s`);
      runs.push([connections, await load(url, connections, [...auth, '-d', '10'])]);
    }

    const cpu = (run: Run) => `${run.cpuMs.cloud.toFixed(2)} / ${run.cpuMs.workers.toFixed(2)} / ${run.cpuMs.loadGenerator.toFixed(2)}`;
    const workers = maxWorkersPerFunction ?? `default (${2 * availableParallelism()})`;
    console.log(`\n${availableParallelism()} cores, Node ${process.version}, max workers per function ${workers}`);
    console.log(`local cloud started in ${startMs.toFixed(0)} ms (synth excluded)\n`);
    printTable(
      ['GET /users/{id} (id token)', 'requests/s', 'p50 ms', 'p99 ms', 'non-2xx', 'CPU ms per request: cloud / workers / autocannon'],
      runs.map(([connections, run]) => [`${connections} connection(s)`, run.rps.toFixed(0), run.p50, run.p99, run.non2xx, cpu(run)]),
    );
  } finally {
    await cloud.stop();
  }

  /** One autocannon run in a child process, with the CPU time each party spent on it. */
  async function load(url: string, connections: number, args: readonly string[]): Promise<Run> {
    const workers = workerPids();
    const before = { cloud: cpuMs(process.pid), workers: sum(workers.map(cpuMs)) };
    const child = spawn(process.execPath, [AUTOCANNON, '-c', String(connections), '-j', ...args, url], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let output = '';
    let loadGenerator = 0;
    const sampler = setInterval(() => (loadGenerator = cpuMs(child.pid!) || loadGenerator), 250);
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    await new Promise((resolve) => child.on('close', resolve));
    clearInterval(sampler);
    const result = JSON.parse(output);
    const requests = result.requests.total as number;
    const workersAfter = workerPids();
    return {
      requests,
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx,
      cpuMs: {
        cloud: (cpuMs(process.pid) - before.cloud) / requests,
        // Workers started during the run count from zero.
        workers: (sum(workersAfter.map(cpuMs)) - before.workers) / requests,
        loadGenerator: loadGenerator / requests,
      },
    };
  }
}

/** The function workers of this process. */
function workerPids(): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), '-f', 'worker.mjs'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number);
  } catch {
    return [];
  }
}

/** User + system CPU time of a process so far, in ms (from /proc; 0 once it has exited). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 10 ms
  } catch {
    return 0;
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

runBench(main);
