/**
 * The AWS Query protocol, served once for every service that speaks it: a
 * form-encoded body (or query string) whose `Action` names the operation and
 * whose other parameters are the input, flattened with dots
 * (`Attributes.entry.1.key`, `Names.member.2`); the answer is an XML
 * `<{Action}Response>` and an error an `<ErrorResponse>` (xml.ts).
 */
import { randomUUID } from 'node:crypto';
import type { EdgeHandler } from '../types';
import { AwsError, errorMessage } from './errors';
import { callOperation, isRaw, type OperationTable } from './operations';
import { queryAnswer, queryError } from './xml';

/** A Query input: every value a string, lists and maps rebuilt from the dotted names. */
export type QueryValue = string | QueryValue[] | { [name: string]: QueryValue };
export type QueryInput = { [name: string]: QueryValue };

export interface QueryService {
  /** The XML namespace of the answers (`http://sns.amazonaws.com/doc/2010-03-31/`). */
  readonly xmlNamespace: string;
  readonly operations: OperationTable;
  /** The error an unexpected failure becomes; default a 500 `InternalFailure`. */
  readonly internalError?: (error: unknown) => AwsError;
}

/**
 * The edge handler of a Query service. A call that is neither a form POST nor a
 * GET with an `Action` is not answered (undefined); an unknown action is
 * `InvalidAction`, as AWS answers it.
 */
export function queryProtocol(service: QueryService): EdgeHandler {
  return async (request) => {
    const contentType = String(request.headers['content-type'] ?? '');
    const form = contentType.includes('application/x-www-form-urlencoded');
    const queryAt = request.url.indexOf('?');
    const text = form
      ? request.body.toString('utf8')
      : request.method === 'GET' && queryAt >= 0
        ? request.url.slice(queryAt + 1)
        : undefined;
    if (text === undefined) return undefined;
    const params = new URLSearchParams(text);
    const action = params.get('Action');
    if (!action) return undefined;
    const requestId = randomUUID();
    try {
      const operation = Object.hasOwn(service.operations, action) ? service.operations[action] : undefined;
      if (operation === undefined) throw new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`);
      if (isRaw(operation)) return await operation.raw(request, action);
      const output = await callOperation(operation, parseQuery(params), request);
      return queryAnswer(action, service.xmlNamespace, output as Record<string, unknown>, requestId);
    } catch (error) {
      const e =
        error instanceof AwsError ? error : (service.internalError?.(error) ?? new AwsError('InternalFailure', errorMessage(error), 500));
      return queryError(e, requestId);
    }
  };
}

/**
 * The input of a Query call, less `Action` and `Version`: `A.B=1` becomes
 * `{ A: { B: '1' } }`; `L.member.N` and `L.N` become lists in index order;
 * `M.entry.N.key/value` (or `.Name/.Value`) become maps.
 */
export function parseQuery(params: URLSearchParams): QueryInput {
  const root: Tree = {};
  for (const [name, value] of params) {
    if (name === 'Action' || name === 'Version') continue;
    const path = name.split('.');
    let node = root;
    for (const part of path.slice(0, -1)) {
      const next = node[part];
      node = typeof next === 'object' ? next : (node[part] = {});
    }
    node[path.at(-1)!] = value;
  }
  return rebuild(root) as QueryInput;
}

interface Tree {
  [name: string]: string | Tree;
}

function rebuild(node: string | Tree): QueryValue {
  if (typeof node === 'string') return node;
  const keys = Object.keys(node);
  if (keys.length === 1 && keys[0] === 'member' && typeof node.member === 'object') return indexed(node.member);
  if (keys.length === 1 && keys[0] === 'entry' && typeof node.entry === 'object') {
    const map: { [name: string]: QueryValue } = {};
    for (const entry of indexed(node.entry)) {
      if (typeof entry !== 'object' || Array.isArray(entry)) continue;
      const key = entry.key ?? entry.Name;
      const value = entry.value ?? entry.Value;
      if (typeof key === 'string' && value !== undefined) map[key] = value;
    }
    return map;
  }
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) return indexed(node);
  const out: { [name: string]: QueryValue } = {};
  for (const key of keys) out[key] = rebuild(node[key]!);
  return out;
}

/** The members of `{ 1: …, 2: … }` in index order. */
function indexed(node: string | Tree): QueryValue[] {
  if (typeof node === 'string') return [node];
  return Object.keys(node)
    .filter((k) => /^\d+$/.test(k))
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => rebuild(node[k]!));
}
