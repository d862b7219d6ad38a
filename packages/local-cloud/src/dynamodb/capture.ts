/**
 * Stream records for writes that dynalite serves itself: PutItem, UpdateItem,
 * DeleteItem and BatchWriteItem on a streamed table read the item before and
 * after the write (under a per-table mutex, so both images belong to that
 * write), and table calls turn streams on and off and show them in the
 * table's description. Every call is forwarded to dynalite byte for byte.
 */
import { randomUUID } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type {
  BatchWriteItemInput,
  BatchWriteItemOutput,
  DeleteItemInput,
  DescribeTableOutput,
  PutItemInput,
  UpdateTableInput,
  UpdateTableOutput,
  WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { parseJsonObject } from '../protocol/json';
import type { Wire } from '../protocol/operations';
import type { EdgeRequest, EdgeResponse } from '../types';
import { isObject, itemId, keyOf, type WireItem } from './items';
import { KeyedMutex } from './locks';
import type { DynamoDbStreams, ItemChange, StreamViewType } from './streams';
import type { Tables } from './tables';

export class StreamCapture {
  private readonly itemLocks = new KeyedMutex();

  constructor(
    private readonly tables: Tables,
    private readonly streams: DynamoDbStreams,
  ) {}

  /**
   * PutItem / UpdateItem / DeleteItem. On a streamed table the item is read
   * before and after the write under a per-table mutex (so the two images
   * belong to this write), and the change becomes a stream record.
   */
  async writeItem(request: EdgeRequest, operation: string, userIdentity?: ItemChange['userIdentity']): Promise<EdgeResponse> {
    const input = tryParse<PutItemInput & DeleteItemInput>(request.body);
    const tableName = input?.TableName;
    if (typeof tableName !== 'string' || !this.streams.viewTypeOf(tableName)) return this.tables.dynalite.forward(request);
    const schema = await this.tables.keySchema(tableName).catch(() => undefined);
    const source = operation === 'PutItem' ? input!.Item : input!.Key;
    if (!schema || !isObject(source)) return this.tables.dynalite.forward(request);
    const key = keyOf(source, schema);
    return this.itemLocks.runAll([tableName], async () => {
      const oldImage = await this.tables.getItem(tableName, key).catch(() => undefined);
      const response = await this.tables.dynalite.forward(request);
      if (response.status === 200) {
        const newImage = await this.tables.getItem(tableName, key);
        this.streams.record({ tableName, keys: key, oldImage, newImage, ...(userIdentity ? { userIdentity } : {}) });
      }
      return response;
    });
  }

  /** BatchWriteItem: like `writeItem` for every request on a streamed table that dynalite processed. */
  async batchWriteItem(request: EdgeRequest): Promise<EdgeResponse> {
    const input = tryParse<BatchWriteItemInput>(request.body);
    const requestItems = isObject(input?.RequestItems) ? input!.RequestItems : undefined;
    const tables = Object.keys(requestItems ?? {}).filter((t) => this.streams.viewTypeOf(t));
    if (!requestItems || tables.length === 0) return this.tables.dynalite.forward(request);
    const writes: Array<{ tableName: string; key: WireItem }> = [];
    for (const tableName of tables) {
      const schema = await this.tables.keySchema(tableName).catch(() => undefined);
      const list = requestItems[tableName];
      if (!schema || !Array.isArray(list)) return this.tables.dynalite.forward(request);
      for (const entry of list) {
        const source = sourceOf(entry);
        if (!isObject(source)) return this.tables.dynalite.forward(request);
        writes.push({ tableName, key: keyOf(source, schema) });
      }
    }
    return this.itemLocks.runAll(tables, async () => {
      const before = await Promise.all(writes.map((w) => this.tables.getItem(w.tableName, w.key).catch(() => undefined)));
      const response = await this.tables.dynalite.forward(request);
      if (response.status !== 200) return response;
      const unprocessed = new Set<string>();
      const answer = tryParse<BatchWriteItemOutput>(Buffer.from(response.body ?? ''));
      for (const [tableName, list] of Object.entries(answer?.UnprocessedItems ?? {})) {
        const schema = await this.tables.keySchema(tableName).catch(() => undefined);
        if (!schema || !Array.isArray(list)) continue;
        for (const entry of list) {
          const source = sourceOf(entry);
          if (isObject(source)) unprocessed.add(itemId(tableName, keyOf(source, schema)));
        }
      }
      for (const [i, write] of writes.entries()) {
        if (unprocessed.has(itemId(write.tableName, write.key))) continue;
        const newImage = await this.tables.getItem(write.tableName, write.key);
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
  async tableCall(request: EdgeRequest, operation: string): Promise<EdgeResponse> {
    const input = tryParse<UpdateTableInput>(request.body);
    const tableName = typeof input?.TableName === 'string' ? input.TableName : undefined;
    if (operation !== 'DescribeTable' && tableName) this.tables.forget(tableName);
    const response = await this.tables.dynalite.forward(request);
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
    const answer = tryParse<DescribeTableOutput & UpdateTableOutput>(Buffer.from(response.body ?? ''));
    const description = answer?.Table ?? answer?.TableDescription;
    if (!isObject(description)) return response;
    description.StreamSpecification = { StreamEnabled: true, StreamViewType: stream.viewType };
    description.LatestStreamArn = stream.arn;
    description.LatestStreamLabel = stream.label;
    const headers = { ...response.headers };
    delete headers['x-amz-crc32'];
    return ok(JSON.stringify(answer), headers);
  }
}

/** The item (put) or key (delete) of one write request of a batch. */
function sourceOf(entry: Wire<WriteRequest> | undefined): unknown {
  return entry?.PutRequest?.Item ?? entry?.DeleteRequest?.Key;
}

/** The body as a JSON object of the given wire shape, undefined when it is not one (dynalite will say why). */
function tryParse<T>(body: Buffer): Wire<T> | undefined {
  const parsed = parseJsonObject(body);
  return typeof parsed === 'string' ? undefined : (parsed as Wire<T>);
}

/** A 200 JSON answer re-rendered by the layer, with DynamoDB's `x-amz-crc32` of the new body. */
export function ok(body: string, headers: Record<string, string> = {}): EdgeResponse {
  return {
    status: 200,
    headers: {
      ...headers,
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': headers['x-amzn-requestid'] ?? randomUUID(),
      'x-amz-crc32': String(crc32(body)),
    },
    body,
  };
}
