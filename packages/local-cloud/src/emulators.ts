/**
 * The npm emulators behind the edge: dynalite (DynamoDB), kinesalite (Kinesis)
 * and s3rver (S3), each on a free port of its own.
 */
/// <reference path="./vendor.d.ts" />
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, type RequestListener, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import dynalite from 'dynalite';
import kinesalite from 'kinesalite';
import S3rver from 's3rver';
import { listenOrExplain } from './ports';
import { acceptAnyS3AccessKey, fixS3rverContinuationTokens } from './s3/s3rver-patches';

export interface EmulatorOptions {
  /**
   * Keep data across runs in this folder (`dynamodb/`, `kinesis/` LevelDB stores
   * and `s3/` files). In memory (S3: a temp folder removed at stop) when absent.
   */
  readonly dataDir?: string;
  /** Interface to listen on (default 127.0.0.1: nothing is exposed to the network). */
  readonly host?: string;
}

export interface Emulators {
  /** Base URLs, e.g. `http://127.0.0.1:40123`. */
  readonly dynamodb: string;
  readonly kinesis: string;
  readonly s3: string;
  /**
   * The request listeners of the emulators that run in this process, for
   * callers that can hand them a request directly instead of over a socket.
   */
  readonly listeners: { readonly dynamodb: RequestListener; readonly kinesis: RequestListener };
  /** Stops the three servers (closing kept-alive connections) and flushes their stores. */
  stop(): Promise<void>;
}

/**
 * Starts dynalite, kinesalite and s3rver. Tables, streams and shards are
 * created at once (no CREATING delay). Guarantees:
 * - with `dataDir`, the folder is claimed first (`local-cloud.pid`): a second
 *   local cloud on the same folder fails with one clear line instead of
 *   LevelDB's lock error crashing the process; then each store is opened and
 *   probed before this resolves, so an unreadable store fails here, not on the
 *   first request;
 * - s3rver accepts any access key id (it would otherwise reject all but
 *   `S3RVER`), since handlers run with whatever credentials they are given;
 * - truncated ListObjectsV2 pages work on Node 20 (see `fixS3rverContinuationTokens`);
 * - if one emulator fails to start, those already started are stopped.
 */
export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  const host = options.host ?? '127.0.0.1';
  const dataDir = options.dataDir ? path.resolve(options.dataDir) : undefined;
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    const pending = stops.splice(0).reverse();
    for (const stop of pending) await stop().catch(() => undefined);
  };
  try {
    if (dataDir) stops.push(claimDataDir(dataDir));
    const dynamoDir = dataDir && ensureDir(path.join(dataDir, 'dynamodb'));
    const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: dynamoDir });
    const dynamoPort = await listenOrExplain(dynamo, 0, host, 'DynamoDB emulator');
    stops.push(() => closeServer(dynamo));
    const dynamodb = `http://${urlHost(host)}:${dynamoPort}`;

    const kinesisDir = dataDir && ensureDir(path.join(dataDir, 'kinesis'));
    const kinesisServer = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 1000, path: kinesisDir });
    const kinesisPort = await listenOrExplain(kinesisServer, 0, host, 'Kinesis emulator');
    stops.push(() => closeServer(kinesisServer));
    const kinesis = `http://${urlHost(host)}:${kinesisPort}`;

    if (dataDir) {
      await probe(dynamodb, 'DynamoDB_20120810.ListTables', '1.0', dynamoDir!);
      await probe(kinesis, 'Kinesis_20131202.ListStreams', '1.1', kinesisDir!);
    }

    acceptAnyS3AccessKey();
    fixS3rverContinuationTokens();
    const s3Dir = dataDir ? ensureDir(path.join(dataDir, 's3')) : mkdtempSync(path.join(tmpdir(), 'local-cloud-s3-'));
    if (!dataDir) stops.push(async () => rmSync(s3Dir, { recursive: true, force: true }));
    const s3rver = new S3rver({ port: 0, address: host, silent: true, directory: s3Dir });
    const address = await s3rver.run();
    stops.push(() => (s3rver.httpServer ? closeServer(s3rver.httpServer) : Promise.resolve()));
    const s3 = `http://${urlHost(host)}:${address.port}`;

    let stopped: Promise<void> | undefined;
    const listeners = { dynamodb: requestListener(dynamo), kinesis: requestListener(kinesisServer) };
    return { dynamodb, kinesis, s3, listeners, stop: () => (stopped ??= stopAll()) };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Data dirs held by this process (LevelDB's own lock would crash the process, not fail cleanly). */
const heldDataDirs = new Set<string>();

/**
 * Makes `dataDir` ours, or fails with one line when another local cloud (this
 * process or a live other one, per `local-cloud.pid`) holds it. A pid file left
 * by a process that died is taken over. Returns the release function.
 */
function claimDataDir(dataDir: string): () => Promise<void> {
  const busy = () =>
    new Error(`Cannot open the data in ${dataDir}: another local cloud is using this --data-dir; stop it or choose another folder`);
  if (heldDataDirs.has(dataDir)) throw busy();
  ensureDir(dataDir);
  const pidFile = path.join(dataDir, 'local-cloud.pid');
  let owner: number | undefined;
  try {
    owner = Number(readFileSync(pidFile, 'utf8').trim()) || undefined;
  } catch {
    owner = undefined;
  }
  if (owner !== undefined && owner !== process.pid && isAlive(owner)) throw busy();
  writeFileSync(pidFile, String(process.pid));
  heldDataDirs.add(dataDir);
  return async () => {
    heldDataDirs.delete(dataDir);
    rmSync(pidFile, { force: true });
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The one 'request' listener an emulator's `http.createServer(listener)` registered. */
export function requestListener(server: Server): RequestListener {
  const [listener] = server.listeners('request') as RequestListener[];
  if (!listener) throw new Error('emulator server has no request listener');
  return listener;
}

function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Closes a server, including idle and in-flight keep-alive connections (the edge keeps some open). */
function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** One cheap call, to surface a LevelDB store that cannot be opened. */
function probe(baseUrl: string, target: string, jsonVersion: string, dir: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (detail: string) =>
      reject(new Error(`Cannot open the data in ${dir} (${detail}); is another local cloud using this --data-dir?`));
    const req = request(
      `${baseUrl}/`,
      {
        method: 'POST',
        headers: {
          'content-type': `application/x-amz-json-${jsonVersion}`,
          'x-amz-target': target,
          authorization: 'AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/probe/aws4_request, SignedHeaders=host, Signature=0',
          'x-amz-date': '20240101T000000Z',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => (res.statusCode === 200 ? resolve() : fail(Buffer.concat(chunks).toString('utf8').slice(0, 200))));
      },
    );
    req.on('error', (e) => fail(e.message));
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.end('{}');
  });
}
