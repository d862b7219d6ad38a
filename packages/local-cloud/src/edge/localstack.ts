/**
 * LocalStack's own endpoints on the edge (`/_localstack/...`), for scripts
 * and tools written for LocalStack: `GET /_localstack/health` (the services
 * and their state) and the Chaos API (`/_localstack/chaos/...`, chaos/control.ts).
 * Unsigned calls only, JSON answers, and a call with an `Origin` header is
 * refused (403), as the local cloud's own control endpoints do.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';
import { errorMessage } from '../protocol/errors';
import type { ControlHandler } from '../types';
import { readBody, send } from './http';

/** The version `GET /_localstack/health` reports: the local cloud package's. */
const VERSION = (JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

/**
 * Services LocalStack lists that the local cloud's edge does not serve: they answer
 * `NotImplemented`, so health says `disabled` (LocalStack's word for a service not started).
 */
const KNOWN_SERVICES = [
  'apigateway',
  'cloudformation',
  'cloudwatch',
  'iam',
  'kms',
  'lambda',
  'logs',
  'secretsmanager',
  'ses',
  'sns',
  'ssm',
  'stepfunctions',
  'sts',
];

/** Names in the health answer for an edge service (its SigV4 name), as LocalStack names them. */
const HEALTH_NAMES: Readonly<Record<string, readonly string[]>> = {
  dynamodb: ['dynamodb', 'dynamodbstreams'],
  monitoring: ['cloudwatch'],
};

export interface LocalStackRoutes {
  /** The SigV4 names of the services the edge serves. */
  services(): string[];
  readonly chaos: ControlHandler;
}

/** `{ services: { name: "running" | "disabled" }, edition, version }`, sorted by name. */
export function healthAnswer(served: readonly string[]): { services: Record<string, string>; edition: string; version: string } {
  const states = new Map<string, string>();
  for (const name of KNOWN_SERVICES) states.set(name, 'disabled');
  for (const service of served) for (const name of HEALTH_NAMES[service] ?? [service]) states.set(name, 'running');
  const services = Object.fromEntries([...states].sort(([a], [b]) => a.localeCompare(b)));
  return { services, edition: 'local-cloud', version: VERSION };
}

/** `/_localstack` and everything under it (an S3 bucket name cannot start with `_`). */
export function isLocalStackPath(url: string | undefined): boolean {
  return url !== undefined && (url === '/_localstack' || url.startsWith('/_localstack/') || url.startsWith('/_localstack?'));
}

export async function serveLocalStack(routes: LocalStackRoutes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    send(res, { status, headers: { ...headers, 'content-type': 'application/json' }, body: `${JSON.stringify(body)}\n` });
  if (req.headers.origin !== undefined) {
    req.resume();
    return answer(403, { message: "the local cloud's control endpoints do not answer browser requests (Origin header present)" });
  }
  const url = new URL(req.url ?? '/', 'http://edge');
  const [name, ...rest] = url.pathname.slice('/_localstack'.length).split('/').filter(Boolean);
  if (name === 'health' && rest.length === 0) {
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') return answer(405, { message: 'use GET' }, { allow: 'GET' });
    return answer(200, healthAnswer(routes.services()));
  }
  if (name !== 'chaos') {
    req.resume();
    return answer(404, {
      message: `the local cloud serves /_localstack/health and /_localstack/chaos/{faults,effects}, not ${url.pathname}`,
    });
  }
  const body = await readBody(req);
  try {
    const result = await routes.chaos({ method: req.method ?? 'GET', segments: rest, query: url.searchParams, body });
    return answer(result.status, result.body, result.headers);
  } catch (error) {
    return answer(500, { message: `${url.pathname} failed: ${errorMessage(error)}` });
  }
}
