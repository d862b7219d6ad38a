/**
 * The DynamoDB layer of the edge: everything dynalite lacks, supplied in front
 * of it. dynalite 4 answers `UnknownOperationException` to `TransactWriteItems`,
 * `TransactGetItems` and the Streams API (DESIGN.md §4); this layer implements
 * the transactions over dynalite's own single-item operations, captures stream
 * records for streamed tables (streams.ts) and forwards every other call as is.
 *
 * Isolation comes from one readers–writer lock over the whole DynamoDB API: a
 * transaction holds it exclusively, every other call holds it shared. So no
 * call ever sees a half-applied transaction, and two transactions never
 * interleave. Local throughput does not need more concurrency than that.
 */
import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import inject from 'light-my-request';
import { crc32 } from 'node:zlib';
import type { EdgeHandler, EdgeRequest, EdgeResponse } from '../types';
import { DynamoDbStreams, itemSize, type KeySchemaElement, type StreamedTable, type StreamViewType, type WireItem } from './streams';

/** How to build the DynamoDB layer: the dynalite it fronts, and which tables have a stream. */
export interface DynamoDbLayerOptions {
  /**
   * dynalite's request listener (dynalite runs in this process): calls are handed
   * to it directly (light-my-request) rather than over a loopback socket, the same
   * bytes in and out at a fraction of the cost.
   */
  readonly dynalite: RequestListener;
  /** Tables whose template enables a stream (see `streamedTablesOf`). */
  readonly streamedTables?: readonly StreamedTable[];
  readonly region?: string;
  readonly accountId?: string;
  /** How long a `ClientRequestToken` is remembered (default 10 minutes, as on AWS). */
  readonly idempotencyWindowMs?: number;
}

const JSON_10 = 'application/x-amz-json-1.0';
const DYNAMODB_NS = 'com.amazonaws.dynamodb.v20120810';
const VALIDATE_NS = 'com.amazon.coral.validate';
const MAX_TRANSACT_ITEMS = 100;

/**
 * dynalite's messages for faults that depend on the data the transaction
 * meets (not on the request alone). AWS reports those as a cancellation
 * reason `ValidationError` of the action; every other validation failure is a
 * top-level `ValidationException` of the whole request.
 */
const DATA_DEPENDENT_VALIDATION = [
  /^An operand in the update expression has an incorrect data type/,
  /^The provided expression refers to an attribute that does not exist in the item/,
  /^The document path provided in the update expression is invalid for update/,
  /^Item size (to update )?has exceeded the maximum allowed size/,
  /Type mismatch for Index Key/,
];

/** An error answered by dynalite (or by this layer, in AWS's words). */
export class DynamoDbError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly namespace = DYNAMODB_NS,
    readonly status = 400,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = type;
  }
}

/**
 * A readers–writer lock with writer preference: shared holders run together,
 * an exclusive holder runs alone, and once a writer waits no new reader jumps
 * ahead of it (so a stream of reads cannot starve a transaction). Waiters are
 * served in arrival order.
 */
export class ReadWriteLock {
  private readers = 0;
  private writer = false;
  private readonly waiting: Array<{ exclusive: boolean; resume: () => void }> = [];

  /** Runs `fn` while holding the lock shared. */
  async shared<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire(false);
    try {
      return await fn();
    } finally {
      this.readers -= 1;
      this.dispatch();
    }
  }

  /** Runs `fn` while holding the lock alone. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire(true);
    try {
      return await fn();
    } finally {
      this.writer = false;
      this.dispatch();
    }
  }

  private acquire(exclusive: boolean): Promise<void> {
    if (this.waiting.length === 0 && !this.writer && (!exclusive || this.readers === 0)) {
      if (exclusive) this.writer = true;
      else this.readers += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resume) => this.waiting.push({ exclusive, resume }));
  }

  private dispatch(): void {
    while (this.waiting.length > 0 && !this.writer) {
      const next = this.waiting[0]!;
      if (next.exclusive) {
        if (this.readers > 0) return;
        this.waiting.shift();
        this.writer = true;
        next.resume();
        return;
      }
      this.waiting.shift();
      this.readers += 1;
      next.resume();
    }
  }
}

/** Mutual exclusion per key; several keys are always taken in sorted order, so holders never deadlock. */
class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async runAll<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const releases: Array<() => void> = [];
    try {
      for (const key of sorted) releases.push(await this.acquire(key));
      return await fn();
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  private async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}

/**
 * A plain AWS JSON 1.0 client for dynalite: requests and responses stay in
 * DynamoDB's wire format (binary values as base64 strings), so items pass
 * through byte for byte, with no SDK marshalling round trip.
 */
class Dynalite {
  constructor(private readonly listener: RequestListener) {}

  /** One DynamoDB operation; resolves with the parsed response or rejects with a `DynamoDbError`. */
  async call<T = Record<string, any>>(operation: string, input: unknown): Promise<T> {
    const response = await this.send('POST', '/', {
      'content-type': JSON_10,
      'x-amz-target': `DynamoDB_20120810.${operation}`,
      'x-amz-date': '20240101T000000Z',
      authorization: 'AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    }, Buffer.from(JSON.stringify(input), 'utf8'));
    const text = response.body.toString('utf8');
    const parsed = text ? JSON.parse(text) : {};
    if (response.status === 200) return parsed as T;
    const [namespace, type] = splitType(String(parsed.__type ?? 'InternalServerError'));
    throw new DynamoDbError(type, String(parsed.message ?? parsed.Message ?? ''), namespace, response.status);
  }

  /** Sends an edge request to dynalite unchanged and returns its answer unchanged. */
  async forward(request: EdgeRequest): Promise<EdgeResponse> {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name.toLowerCase())) continue;
      headers[name] = value;
    }
    const response = await this.send(request.method, request.url, headers, request.body);
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name) || name === 'date') continue;
      out[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    return { status: response.status, headers: out, body: response.body };
  }

  private async send(
    method: string,
    path: string,
    headers: Record<string, string | string[]>,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string | string[] | number | undefined>; body: Buffer }> {
    const res = await inject(this.listener, { method: method as 'POST', url: path, headers, payload: body });
    return { status: res.statusCode, headers: res.headers, body: res.rawPayload };
  }
}

const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'content-length', 'transfer-encoding', 'expect', 'upgrade', 'proxy-connection']);

type ActionKind = 'ConditionCheck' | 'Put' | 'Delete' | 'Update';

interface Action {
  readonly index: number;
  readonly kind: ActionKind;
  readonly body: Record<string, any>;
  readonly tableName: string;
  readonly key: WireItem;
}

interface Applied {
  readonly action: Action;
  readonly oldImage?: WireItem;
  readonly newImage?: WireItem;
  /** False for a ConditionCheck: nothing to undo, nothing to stream. */
  readonly wrote: boolean;
}

interface CancellationReason {
  Code: string;
  Message?: string;
  Item?: WireItem;
}

interface RememberedToken {
  readonly fingerprint: string;
  readonly at: number;
  readonly response: string;
}

/**
 * The edge's handler for service `dynamodb`.
 *
 * Guarantees, as on AWS:
 * - `TransactWriteItems` is all-or-nothing: every action's condition is
 *   evaluated (by dynalite itself, so the expression language is AWS's), and if
 *   any fails nothing is left written; the answer is `TransactionCanceledException`
 *   with one `CancellationReasons` entry per action, in order: `None`,
 *   `ConditionalCheckFailed` ("The conditional request failed", plus `Item` with
 *   `ReturnValuesOnConditionCheckFailure: ALL_OLD`) or `ValidationError`;
 * - request validation first: 1 to 100 actions, exactly one operation per
 *   action, one action per item ("Transaction request cannot include multiple
 *   operations on one item"), all as `ValidationException`;
 * - `ClientRequestToken`: a repeat within 10 minutes returns the first
 *   success without applying it again; the same token with another request is
 *   `IdempotentParameterMismatchException`;
 * - `TransactGetItems` reads a consistent snapshot (no write runs meanwhile);
 * - writes to streamed tables (single, batch and transactional) produce one
 *   stream record per changed item, after the write committed;
 * - the Streams API (`DynamoDBStreams_20120810.*`, signed with service
 *   `dynamodb` too) is served from the same handler.
 *
 * Every other call is forwarded to dynalite by this handler itself (it never
 * returns undefined for service `dynamodb`): the shared lock must be held
 * until dynalite has answered, which a later forward by the edge could not do.
 */
export class DynamoDbLayer {
  /** Serves every call of service `dynamodb`; returns undefined for other services. */
  readonly handler: EdgeHandler;
  /** The stream records and the reader event source mappings poll. */
  readonly streams: DynamoDbStreams;

  private readonly dynalite: Dynalite;
  private readonly lock = new ReadWriteLock();
  private readonly itemLocks = new KeyedMutex();
  private readonly schemas = new Map<string, Promise<KeySchemaElement[]>>();
  private readonly tokens = new Map<string, RememberedToken>();
  private readonly windowMs: number;

  constructor(options: DynamoDbLayerOptions) {
    this.dynalite = new Dynalite(options.dynalite);
    this.windowMs = options.idempotencyWindowMs ?? 10 * 60_000;
    this.streams = new DynamoDbStreams({
      tables: options.streamedTables,
      region: options.region,
      accountId: options.accountId,
      keySchemaOf: (table) => this.keySchema(table),
    });
    this.handler = (request) => this.handle(request);
  }

  private async handle(request: EdgeRequest): Promise<EdgeResponse | undefined> {
    if (request.service !== 'dynamodb') return undefined;
    const target = request.target ?? headerValue(request.headers['x-amz-target']) ?? '';
    try {
      if (target.startsWith('DynamoDBStreams_20120810.')) return await this.streams.handle(request);
      const operation = target.startsWith('DynamoDB_20120810.') ? target.slice('DynamoDB_20120810.'.length) : '';
      switch (operation) {
        case 'TransactWriteItems':
          return await this.transactWriteItems(request);
        case 'TransactGetItems':
          return await this.transactGetItems(request);
        case 'PutItem':
        case 'UpdateItem':
        case 'DeleteItem':
          return await this.lock.shared(() => this.writeItem(operation, request));
        case 'BatchWriteItem':
          return await this.lock.shared(() => this.batchWriteItem(request));
        case 'CreateTable':
        case 'UpdateTable':
        case 'DeleteTable':
        case 'DescribeTable':
          return await this.lock.shared(() => this.tableCall(operation, request));
        default:
          return await this.lock.shared(() => this.dynalite.forward(request));
      }
    } catch (error) {
      if (error instanceof DynamoDbError) return errorResponse(error);
      const message = error instanceof Error ? error.message : String(error);
      return errorResponse(new DynamoDbError('InternalServerError', `Local DynamoDB layer failed: ${message}`, DYNAMODB_NS, 500));
    }
  }

  // ------------------------------------------------------------ transactions

  private async transactWriteItems(request: EdgeRequest): Promise<EdgeResponse> {
    const input = parseBody(request.body);
    const token = input.ClientRequestToken;
    if (token !== undefined && (typeof token !== 'string' || token.length < 1 || token.length > 36)) {
      throw validation(
        `1 validation error detected: Value '${String(token)}' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36`,
      );
    }
    const fingerprint = canonicalJson(input);
    return this.lock.exclusive(async () => {
      if (typeof token === 'string') {
        this.forgetOldTokens();
        const seen = this.tokens.get(token);
        if (seen) {
          if (seen.fingerprint !== fingerprint) {
            throw new DynamoDbError(
              'IdempotentParameterMismatchException',
              'Request parameters do not match the original request with the same client token',
            );
          }
          return ok(seen.response);
        }
      }
      const actions = await this.writeActions(input.TransactItems);
      const response = await this.applyAll(actions, input);
      if (typeof token === 'string') this.tokens.set(token, { fingerprint, at: Date.now(), response });
      return ok(response);
    });
  }

  /** Validates the request as AWS does before it touches any item, and resolves each action's table key. */
  private async writeActions(items: unknown): Promise<Action[]> {
    const list = checkItemCount(items);
    const actions: Action[] = [];
    for (const [index, item] of list.entries()) {
      const kinds = (['ConditionCheck', 'Put', 'Delete', 'Update'] as const).filter((k) => isObject(item) && item[k] !== undefined && item[k] !== null);
      if (kinds.length !== 1) throw validation('TransactItems can only contain one of Check, Put, Update or Delete');
      const kind = kinds[0]!;
      const body = (item as Record<string, any>)[kind];
      if (!isObject(body)) throw validation(`Invalid ${kind} of transactItems.${index + 1}`);
      const field = lowerFirst(kind);
      if (typeof body.TableName !== 'string') throw notNull(`transactItems.${index + 1}.member.${field}.tableName`);
      if (kind === 'Put' && !isObject(body.Item)) throw notNull(`transactItems.${index + 1}.member.put.item`);
      if (kind !== 'Put' && !isObject(body.Key)) throw notNull(`transactItems.${index + 1}.member.${field}.key`);
      if (kind === 'ConditionCheck' && typeof body.ConditionExpression !== 'string') {
        throw notNull(`transactItems.${index + 1}.member.conditionCheck.conditionExpression`);
      }
      if (kind === 'Update' && typeof body.UpdateExpression !== 'string') {
        throw notNull(`transactItems.${index + 1}.member.update.updateExpression`);
      }
      const schema = await this.keySchemaOrNotFound(body.TableName);
      const key = kind === 'Put' ? keyOf(body.Item, schema) : (body.Key as WireItem);
      actions.push({ index, kind, body, tableName: body.TableName, key });
    }
    checkOneActionPerItem(actions);
    return actions;
  }

  /**
   * Applies every action in order with its condition, remembering the item
   * before each write. If any action fails, the rest are still evaluated (so
   * every failed condition is reported, as AWS does), then every write is
   * undone in reverse order. Runs under the exclusive lock only.
   */
  private async applyAll(actions: readonly Action[], input: Record<string, any>): Promise<string> {
    const applied: Applied[] = [];
    const reasons: CancellationReason[] = [];
    let staticError: DynamoDbError | undefined;
    for (const action of actions) {
      let oldImage: WireItem | undefined;
      try {
        oldImage = await this.getItem(action.tableName, action.key);
        applied.push(await this.applyOne(action, oldImage));
        reasons.push({ Code: 'None' });
      } catch (error) {
        if (!(error instanceof DynamoDbError)) {
          await this.undo(applied);
          throw error;
        }
        if (error.type === 'ConditionalCheckFailedException') {
          const withItem = action.body.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && oldImage;
          reasons.push({ Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', ...(withItem ? { Item: oldImage } : {}) });
        } else if (error.type === 'ValidationException' && DATA_DEPENDENT_VALIDATION.some((p) => p.test(error.message))) {
          reasons.push({ Code: 'ValidationError', Message: error.message });
        } else {
          staticError ??= error;
          reasons.push({ Code: 'None' });
        }
      }
    }
    const cancelled = reasons.some((r) => r.Code !== 'None');
    if (staticError || cancelled) {
      await this.undo(applied);
      if (staticError) throw staticError;
      throw new DynamoDbError(
        'TransactionCanceledException',
        `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
        DYNAMODB_NS,
        400,
        { CancellationReasons: reasons },
      );
    }
    for (const change of applied) {
      if (change.wrote) this.streams.record({ tableName: change.action.tableName, keys: change.action.key, oldImage: change.oldImage, newImage: change.newImage });
    }
    return JSON.stringify(consumedCapacity(input.ReturnConsumedCapacity, applied.map((a) => ({ table: a.action.tableName, item: a.newImage ?? a.oldImage ?? a.action.key }))));
  }

  /** One action through dynalite's own operation, so its condition and update are evaluated exactly as dynalite does. */
  private async applyOne(action: Action, oldImage: WireItem | undefined): Promise<Applied> {
    const { TableName, ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues } = action.body;
    const condition = {
      ...(ConditionExpression !== undefined ? { ConditionExpression } : {}),
      ...(ExpressionAttributeNames !== undefined ? { ExpressionAttributeNames } : {}),
      ...(ExpressionAttributeValues !== undefined ? { ExpressionAttributeValues } : {}),
    };
    switch (action.kind) {
      case 'Put':
        await this.dynalite.call('PutItem', { TableName, Item: action.body.Item, ...condition });
        return { action, oldImage, newImage: action.body.Item, wrote: true };
      case 'Update': {
        const result = await this.dynalite.call('UpdateItem', {
          TableName,
          Key: action.key,
          UpdateExpression: action.body.UpdateExpression,
          ...condition,
          ReturnValues: 'ALL_NEW',
        });
        return { action, oldImage, newImage: result.Attributes, wrote: true };
      }
      case 'Delete':
        await this.dynalite.call('DeleteItem', { TableName, Key: action.key, ...condition });
        return { action, oldImage, wrote: true };
      case 'ConditionCheck':
        // Evaluate the condition with a write that changes nothing: rewrite the
        // item as it is, or delete the absent item. No other call runs meanwhile.
        if (oldImage) await this.dynalite.call('PutItem', { TableName, Item: oldImage, ...condition });
        else await this.dynalite.call('DeleteItem', { TableName, Key: action.key, ...condition });
        return { action, oldImage, newImage: oldImage, wrote: false };
    }
  }

  private async undo(applied: readonly Applied[]): Promise<void> {
    for (const change of [...applied].reverse()) {
      if (!change.wrote) continue;
      const TableName = change.action.tableName;
      if (change.oldImage) await this.dynalite.call('PutItem', { TableName, Item: change.oldImage });
      else await this.dynalite.call('DeleteItem', { TableName, Key: change.action.key });
    }
  }

  private async transactGetItems(request: EdgeRequest): Promise<EdgeResponse> {
    const input = parseBody(request.body);
    const list = checkItemCount(input.TransactItems);
    return this.lock.exclusive(async () => {
      const actions: Action[] = [];
      for (const [index, item] of list.entries()) {
        const get = isObject(item) ? item.Get : undefined;
        if (!isObject(get)) throw notNull(`transactItems.${index + 1}.member.get`);
        if (typeof get.TableName !== 'string') throw notNull(`transactItems.${index + 1}.member.get.tableName`);
        if (!isObject(get.Key)) throw notNull(`transactItems.${index + 1}.member.get.key`);
        await this.keySchemaOrNotFound(get.TableName);
        actions.push({ index, kind: 'ConditionCheck', body: get, tableName: get.TableName, key: get.Key as WireItem });
      }
      checkOneActionPerItem(actions);
      const responses: Array<{ Item?: WireItem }> = [];
      for (const action of actions) {
        const { TableName, Key, ProjectionExpression, ExpressionAttributeNames } = action.body;
        const result = await this.dynalite.call('GetItem', {
          TableName,
          Key,
          ConsistentRead: true,
          ...(ProjectionExpression !== undefined ? { ProjectionExpression } : {}),
          ...(ExpressionAttributeNames !== undefined ? { ExpressionAttributeNames } : {}),
        });
        responses.push(result.Item ? { Item: result.Item } : {});
      }
      const capacity = consumedCapacity(input.ReturnConsumedCapacity, actions.map((a, i) => ({ table: a.tableName, item: responses[i]!.Item ?? a.key })));
      return ok(JSON.stringify({ Responses: responses, ...capacity }));
    });
  }

  private forgetOldTokens(): void {
    const cutoff = Date.now() - this.windowMs;
    for (const [token, seen] of this.tokens) if (seen.at < cutoff) this.tokens.delete(token);
  }

  // ------------------------------------------------------------ single writes, streams capture

  /**
   * PutItem / UpdateItem / DeleteItem. On a streamed table the item is read
   * before and after the write under a per-table mutex (so the two images
   * belong to this write), and the change becomes a stream record.
   */
  private async writeItem(operation: string, request: EdgeRequest): Promise<EdgeResponse> {
    const input = tryParse(request.body);
    const tableName = input?.TableName;
    if (typeof tableName !== 'string' || !this.streams.viewTypeOf(tableName)) return this.dynalite.forward(request);
    const schema = await this.keySchema(tableName).catch(() => undefined);
    const source = operation === 'PutItem' ? input!.Item : input!.Key;
    if (!schema || !isObject(source)) return this.dynalite.forward(request);
    const key = keyOf(source, schema);
    return this.itemLocks.runAll([tableName], async () => {
      const oldImage = await this.getItem(tableName, key).catch(() => undefined);
      const response = await this.dynalite.forward(request);
      if (response.status === 200) {
        const newImage = await this.getItem(tableName, key);
        this.streams.record({ tableName, keys: key, oldImage, newImage });
      }
      return response;
    });
  }

  /** BatchWriteItem: like `writeItem` for every request on a streamed table that dynalite processed. */
  private async batchWriteItem(request: EdgeRequest): Promise<EdgeResponse> {
    const input = tryParse(request.body);
    const requestItems = isObject(input?.RequestItems) ? (input!.RequestItems as Record<string, unknown>) : undefined;
    const tables = Object.keys(requestItems ?? {}).filter((t) => this.streams.viewTypeOf(t));
    if (!requestItems || tables.length === 0) return this.dynalite.forward(request);
    const writes: Array<{ tableName: string; key: WireItem }> = [];
    for (const tableName of tables) {
      const schema = await this.keySchema(tableName).catch(() => undefined);
      const list = requestItems[tableName];
      if (!schema || !Array.isArray(list)) return this.dynalite.forward(request);
      for (const entry of list) {
        const source = entry?.PutRequest?.Item ?? entry?.DeleteRequest?.Key;
        if (!isObject(source)) return this.dynalite.forward(request);
        writes.push({ tableName, key: keyOf(source, schema) });
      }
    }
    return this.itemLocks.runAll(tables, async () => {
      const before = await Promise.all(writes.map((w) => this.getItem(w.tableName, w.key).catch(() => undefined)));
      const response = await this.dynalite.forward(request);
      if (response.status !== 200) return response;
      const unprocessed = new Set<string>();
      const answer = tryParse(Buffer.from(response.body ?? ''));
      for (const [tableName, list] of Object.entries((answer?.UnprocessedItems ?? {}) as Record<string, any[]>)) {
        const schema = await this.keySchema(tableName).catch(() => undefined);
        if (!schema) continue;
        for (const entry of list) {
          const source = entry?.PutRequest?.Item ?? entry?.DeleteRequest?.Key;
          if (isObject(source)) unprocessed.add(itemId(tableName, keyOf(source, schema)));
        }
      }
      for (const [i, write] of writes.entries()) {
        if (unprocessed.has(itemId(write.tableName, write.key))) continue;
        const newImage = await this.getItem(write.tableName, write.key);
        this.streams.record({ tableName: write.tableName, keys: write.key, oldImage: before[i], newImage });
      }
      return response;
    });
  }

  /**
   * Table calls: forgets cached key schemas when a table changes, turns
   * streams on and off as `StreamSpecification` says, and shows a streamed
   * table's stream in its description (`LatestStreamArn`...), as AWS does.
   */
  private async tableCall(operation: string, request: EdgeRequest): Promise<EdgeResponse> {
    const input = tryParse(request.body);
    const tableName = typeof input?.TableName === 'string' ? input.TableName : undefined;
    if (operation !== 'DescribeTable' && tableName) this.schemas.delete(tableName);
    const response = await this.dynalite.forward(request);
    if (response.status !== 200 || !tableName) return response;
    const spec = input?.StreamSpecification;
    if ((operation === 'CreateTable' || operation === 'UpdateTable') && isObject(spec)) {
      if (spec.StreamEnabled === true && typeof spec.StreamViewType === 'string') {
        this.streams.enable({ tableName, viewType: spec.StreamViewType as StreamViewType });
      } else if (spec.StreamEnabled === false) {
        this.streams.disable(tableName);
      }
    }
    if (operation === 'DeleteTable') this.streams.disable(tableName);
    const stream = this.streams.streamOf(tableName);
    if (!stream || operation === 'DeleteTable') return response;
    const answer = tryParse(Buffer.from(response.body ?? ''));
    const description = answer?.Table ?? answer?.TableDescription;
    if (!isObject(description)) return response;
    description.StreamSpecification = { StreamEnabled: true, StreamViewType: stream.viewType };
    description.LatestStreamArn = stream.arn;
    description.LatestStreamLabel = stream.label;
    const headers = { ...response.headers };
    delete headers['x-amz-crc32'];
    return ok(JSON.stringify(answer), headers);
  }

  // ------------------------------------------------------------ helpers

  private async getItem(tableName: string, key: WireItem): Promise<WireItem | undefined> {
    const result = await this.dynalite.call('GetItem', { TableName: tableName, Key: key, ConsistentRead: true });
    return result.Item;
  }

  /** The key schema of a table, cached until a table call for it passes. */
  private keySchema(tableName: string): Promise<KeySchemaElement[]> {
    let schema = this.schemas.get(tableName);
    if (!schema) {
      schema = this.dynalite.call('DescribeTable', { TableName: tableName }).then((r) => r.Table.KeySchema as KeySchemaElement[]);
      schema.catch(() => this.schemas.delete(tableName));
      this.schemas.set(tableName, schema);
    }
    return schema;
  }

  private async keySchemaOrNotFound(tableName: string): Promise<KeySchemaElement[]> {
    try {
      return await this.keySchema(tableName);
    } catch (error) {
      if (error instanceof DynamoDbError && error.type === 'ResourceNotFoundException') {
        throw new DynamoDbError('ResourceNotFoundException', 'Requested resource not found');
      }
      throw error;
    }
  }
}

function checkItemCount(items: unknown): unknown[] {
  if (!Array.isArray(items)) throw notNull('transactItems');
  if (items.length < 1) {
    throw validation("1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1");
  }
  if (items.length > MAX_TRANSACT_ITEMS) {
    throw validation(
      `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TRANSACT_ITEMS}`,
    );
  }
  return items;
}

function checkOneActionPerItem(actions: readonly Action[]): void {
  const seen = new Set<string>();
  for (const action of actions) {
    const id = itemId(action.tableName, action.key);
    if (seen.has(id)) throw validation('Transaction request cannot include multiple operations on one item');
    seen.add(id);
  }
}

/** The key attributes of an item, in key schema order (missing ones are left out: dynalite reports them). */
function keyOf(item: Record<string, any>, schema: readonly KeySchemaElement[]): WireItem {
  const key: WireItem = {};
  for (const { AttributeName } of schema) if (item[AttributeName] !== undefined) key[AttributeName] = item[AttributeName];
  return key;
}

function itemId(tableName: string, key: WireItem): string {
  return `${tableName}\u0000${canonicalJson(Object.fromEntries(Object.entries(key).sort(([a], [b]) => (a < b ? -1 : 1))))}`;
}

/**
 * Approximate ConsumedCapacity of a transaction: two units per KB (rounded
 * up) of each item touched, grouped by table, as AWS bills transactional work.
 */
function consumedCapacity(mode: unknown, touched: ReadonlyArray<{ table: string; item: WireItem }>): Record<string, unknown> {
  if (mode !== 'TOTAL' && mode !== 'INDEXES') return {};
  const byTable = new Map<string, number>();
  for (const { table, item } of touched) byTable.set(table, (byTable.get(table) ?? 0) + 2 * Math.max(1, Math.ceil(itemSize(item) / 1024)));
  return {
    ConsumedCapacity: [...byTable].map(([TableName, units]) => ({
      TableName,
      CapacityUnits: units,
      ...(mode === 'INDEXES' ? { Table: { CapacityUnits: units } } : {}),
    })),
  };
}

function parseBody(body: Buffer): Record<string, any> {
  const parsed = tryParse(body);
  if (!parsed) throw new DynamoDbError('SerializationException', 'Start of structure or map found where not expected', 'com.amazon.coral.service');
  return parsed;
}

function tryParse(body: Buffer): Record<string, any> | undefined {
  try {
    const parsed = JSON.parse(body.length ? body.toString('utf8') : '{}');
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function splitType(type: string): [string, string] {
  const at = type.lastIndexOf('#');
  return at >= 0 ? [type.slice(0, at), type.slice(at + 1)] : [DYNAMODB_NS, type];
}

/** JSON with object keys sorted: equal requests give equal strings. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function validation(message: string): DynamoDbError {
  return new DynamoDbError('ValidationException', message, VALIDATE_NS);
}

function notNull(path: string): DynamoDbError {
  return validation(`1 validation error detected: Value null at '${path}' failed to satisfy constraint: Member must not be null`);
}

function ok(body: string, headers: Record<string, string> = {}): EdgeResponse {
  return {
    status: 200,
    headers: { ...headers, 'content-type': JSON_10, 'x-amzn-requestid': headers['x-amzn-requestid'] ?? randomUUID(), 'x-amz-crc32': String(crc32(body)) },
    body,
  };
}

/** AWS's error body: `__type`, and `message` (`Message` for the transaction errors, as AWS spells it there). */
function errorResponse(error: DynamoDbError): EdgeResponse {
  const capitalised = error.type === 'TransactionCanceledException' || error.type === 'IdempotentParameterMismatchException';
  const body = JSON.stringify({
    __type: `${error.namespace}#${error.type}`,
    ...error.extra,
    [capitalised ? 'Message' : 'message']: error.message,
  });
  return {
    status: error.status,
    headers: { 'content-type': JSON_10, 'x-amzn-requestid': randomUUID(), 'x-amz-crc32': String(crc32(body)) },
    body,
  };
}

