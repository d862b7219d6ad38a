/**
 * The Lambda API at the edge (`lambda`, REST-JSON, `/2015-03-31/functions/...`):
 * ListFunctions, GetFunction, GetFunctionConfiguration, UpdateFunctionConfiguration
 * (memory, timeout, environment, description: new workers get them, warm ones are
 * retired), Invoke, PublishVersion, ListVersionsByFunction, DeleteFunction of a
 * version, aliases, ListTags. Any other call is a 501 naming it, never a silent success.
 */
import { randomUUID } from 'node:crypto';
import type { LambdaRuntime } from '../lambda/runtime';
import { AwsError, errorMessage } from '../protocol/errors';
import type { EdgeHandler, EdgeRequest, EdgeResponse, LocalStack } from '../types';
import { aliasConfiguration, functionConfiguration } from './configuration';
import { invalidParameter, lambdaError, validation } from './errors';
import { invoke, LogTails } from './invoke';
import { FunctionRegistry, lambdaTimestamp, type FunctionEntry, type Resolved } from './registry';
import { updateConfiguration } from './update';

type Route = (match: {
  name: string;
  sub?: string;
  query: URLSearchParams;
  body: Buffer;
  request: EdgeRequest;
}) => Promise<object | EdgeResponse> | object;

export class LambdaApi {
  readonly registry: FunctionRegistry;
  readonly tails = new LogTails();
  readonly handler: EdgeHandler;

  constructor(
    stack: LocalStack,
    private readonly runtime: LambdaRuntime,
  ) {
    this.registry = new FunctionRegistry(stack, runtime);
    runtime.observe(this.tails.observer);
    this.handler = (request) => this.serve(request);
  }

  private config(resolved: Resolved): Record<string, unknown> {
    const { entry, version } = resolved;
    const published = version === '$LATEST' ? undefined : entry.versions.get(version);
    return functionConfiguration(entry, this.registry.settings(resolved), version, published ?? entry);
  }

  private json(input: Buffer): Record<string, any> {
    if (input.length === 0) return {};
    try {
      const value: unknown = JSON.parse(input.toString('utf8'));
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, any>;
    } catch {
      // below
    }
    throw lambdaError('InvalidRequestContentException', 'Could not parse request body into json: the body is not a JSON object');
  }

  private routes(method: string, kind: string): Route | undefined {
    const r = this.registry;
    const table: Record<string, Route> = {
      'GET list': ({ query }) => this.listFunctions(query),
      'GET function': ({ name, query }) => {
        const resolved = r.resolve(name, query.get('Qualifier') ?? undefined);
        const fn = r.settings(resolved);
        return {
          Configuration: this.config(resolved),
          Code: { RepositoryType: 'S3' },
          Tags: { ...resolved.entry.tags },
          ...(fn.reservedConcurrency !== undefined ? { Concurrency: { ReservedConcurrentExecutions: fn.reservedConcurrency } } : {}),
        };
      },
      'GET configuration': ({ name, query }) => this.config(r.resolve(name, query.get('Qualifier') ?? undefined)),
      'PUT configuration': ({ name, body }) => {
        const entry = r.entry(name);
        updateConfiguration(this.runtime, entry, this.json(body));
        return this.config({ entry, version: '$LATEST', arn: entry.arn });
      },
      'POST invocations': ({ name, query, body, request }) =>
        invoke(this.runtime, r, this.tails, r.resolve(name, query.get('Qualifier') ?? undefined), body, request.headers),
      'POST versions': ({ name, body }) => {
        const entry = r.entry(name);
        const input = this.json(body);
        if (input.RevisionId && input.RevisionId !== entry.revisionId) throw preconditionFailed('GetFunction');
        const published = r.publish(entry, String(input.Description ?? ''));
        return { status: 201, body: JSON.stringify(this.config({ entry, version: published.version, arn: entry.arn })) };
      },
      'GET versions': ({ name, query }) => {
        const entry = r.entry(name);
        const all = [
          { entry, version: '$LATEST', arn: entry.arn },
          ...[...entry.versions.keys()].map((version) => ({ entry, version, arn: entry.arn })),
        ];
        return this.page(
          all.map((v) => this.config(v)),
          query,
          'Versions',
        );
      },
      'DELETE function': ({ name, query }) => {
        const resolved = r.resolve(name, query.get('Qualifier') ?? undefined);
        if (resolved.version === '$LATEST' || resolved.alias) {
          throw new AwsError('NotImplemented', "The local cloud does not delete a template's functions (only published versions).", 501, {
            messageKey: 'Message',
          });
        }
        r.deleteVersion(resolved.entry, resolved.version);
        return { status: 204 };
      },
      'POST aliases': ({ name, body }) => this.createAlias(r.entry(name), this.json(body)),
      'GET aliases': ({ name, query }) => {
        const entry = r.entry(name);
        const version = query.get('FunctionVersion');
        const aliases = [...entry.aliases.values()].filter((a) => !version || a.functionVersion === version);
        return this.page(
          aliases.map((a) => aliasConfiguration(entry, a)),
          query,
          'Aliases',
        );
      },
      'GET alias': ({ name, sub }) => {
        const entry = r.entry(name);
        return aliasConfiguration(entry, r.aliasOf(entry, sub!));
      },
      'PUT alias': ({ name, sub, body }) => {
        const entry = r.entry(name);
        const alias = r.aliasOf(entry, sub!);
        const input = this.json(body);
        if (input.RevisionId && input.RevisionId !== alias.revisionId) throw preconditionFailed('GetAlias');
        if (input.RoutingConfig) throw notEmulatedRouting();
        if (input.FunctionVersion !== undefined) alias.functionVersion = this.existingVersion(entry, String(input.FunctionVersion));
        if (input.Description !== undefined) alias.description = String(input.Description);
        alias.revisionId = randomUUID();
        return aliasConfiguration(entry, alias);
      },
      'DELETE alias': ({ name, sub }) => {
        r.entry(name).aliases.delete(sub!);
        return { status: 204 };
      },
      'GET tags': ({ name }) => ({ Tags: { ...r.entry(name).tags } }),
    };
    return table[`${method} ${kind}`];
  }

  private async serve(request: EdgeRequest): Promise<EdgeResponse> {
    const requestId = randomUUID();
    try {
      const url = new URL(request.url, 'http://edge');
      const match = parsePath(url.pathname);
      const route = match && this.routes(request.method, match.kind);
      if (!match || !route) {
        throw new AwsError('NotImplemented', `The local cloud's Lambda API does not emulate ${request.method} ${url.pathname}`, 501, {
          messageKey: 'Message',
        });
      }
      const answer = await route({ name: match.name, sub: match.sub, query: url.searchParams, body: request.body, request });
      if ('status' in answer && typeof (answer as EdgeResponse).status === 'number') {
        const a = answer as EdgeResponse;
        return {
          ...a,
          headers: { 'x-amzn-requestid': requestId, ...(a.body ? { 'content-type': 'application/json' } : {}), ...a.headers },
        };
      }
      return { status: 200, headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId }, body: JSON.stringify(answer) };
    } catch (error) {
      const e = error instanceof AwsError ? error : lambdaError('ServiceException', `local Lambda API: ${errorMessage(error)}`, 500);
      const body: Record<string, unknown> = { ...e.fields, [e.messageKey ?? 'Message']: e.message };
      return {
        status: e.status,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': e.code, 'x-amzn-requestid': requestId },
        body: JSON.stringify(body),
      };
    }
  }

  private listFunctions(query: URLSearchParams): object {
    const all = query.get('FunctionVersion') === 'ALL';
    const configs = this.registry
      .all()
      .flatMap((entry: FunctionEntry) => [
        this.config({ entry, version: '$LATEST', arn: entry.arn }),
        ...(all ? [...entry.versions.keys()].map((version) => this.config({ entry, version, arn: entry.arn })) : []),
      ]);
    return this.page(configs, query, 'Functions');
  }

  /** A Marker / MaxItems page of `items` (MaxItems 1 to 10,000, default 50). */
  private page(items: object[], query: URLSearchParams, key: string): object {
    const maxText = query.get('MaxItems');
    const max = maxText === null ? 50 : Number(maxText);
    if (!Number.isInteger(max) || max < 1 || max > 10_000) {
      throw validation(
        `1 validation error detected: Value '${maxText}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000`,
      );
    }
    const marker = query.get('Marker');
    const offset = marker ? Number(Buffer.from(marker, 'base64url').toString('utf8')) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw invalidParameter('Invalid Marker');
    const page = items.slice(offset, offset + max);
    return { [key]: page, ...(offset + max < items.length ? { NextMarker: Buffer.from(String(offset + max)).toString('base64url') } : {}) };
  }

  private existingVersion(entry: FunctionEntry, version: string): string {
    if (version !== '$LATEST' && !entry.versions.has(version)) {
      throw lambdaError('ResourceNotFoundException', `Function not found: ${entry.arn}:${version}`, 404);
    }
    return version;
  }

  private createAlias(entry: FunctionEntry, input: Record<string, any>): EdgeResponse {
    const name = String(input.Name ?? '');
    if (!/^(?!^[0-9]+$)[a-zA-Z0-9-_]{1,128}$/.test(name)) {
      throw validation(
        `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)`,
      );
    }
    if (input.RoutingConfig) throw notEmulatedRouting();
    if (entry.aliases.has(name)) throw lambdaError('ResourceConflictException', `Alias already exists: ${entry.arn}:${name}`, 409);
    const alias = {
      name,
      functionVersion: this.existingVersion(entry, String(input.FunctionVersion ?? '')),
      description: String(input.Description ?? ''),
      revisionId: randomUUID(),
    };
    entry.aliases.set(name, alias);
    return { status: 201, body: JSON.stringify(aliasConfiguration(entry, alias)) };
  }
}

function preconditionFailed(api: string): AwsError {
  return lambdaError(
    'PreconditionFailedException',
    `The Revision Id provided does not match the latest Revision Id. Call the ${api} API to retrieve the latest Revision Id`,
    412,
  );
}

function notEmulatedRouting(): AwsError {
  return new AwsError('NotImplemented', 'The local cloud does not emulate weighted aliases (RoutingConfig).', 501, {
    messageKey: 'Message',
  });
}

/** Which resource a path names: the function list, a function, or one of its sub-resources. */
function parsePath(pathname: string): { kind: string; name: string; sub?: string } | undefined {
  const parts = pathname
    .split('/')
    .filter(Boolean)
    .map((p) => decodeURIComponent(p));
  if (parts[0] === '2017-03-31' && parts[1] === 'tags' && parts.length === 3) return { kind: 'tags', name: parts[2]! };
  if (parts[0] !== '2015-03-31' || parts[1] !== 'functions') return undefined;
  if (parts.length === 2) return { kind: 'list', name: '' };
  const name = parts[2]!;
  if (parts.length === 3) return { kind: 'function', name };
  const sub = parts[3]!;
  if (parts.length === 4 && ['configuration', 'invocations', 'versions', 'aliases'].includes(sub)) return { kind: sub, name };
  if (parts.length === 5 && sub === 'aliases') return { kind: 'alias', name, sub: parts[4] };
  return undefined;
}

export { lambdaTimestamp };
