/**
 * DynamoDB Time to Live, which dynalite lacks: `DescribeTimeToLive` and
 * `UpdateTimeToLive` answer from the template's `TimeToLiveSpecification`
 * (and later updates), and a sweeper deletes expired items within seconds.
 * Guarantees, as the DynamoDB developer guide describes TTL:
 * - an item expires when its TTL attribute is a Number (epoch seconds) below
 *   the current time and not more than five years in the past; any other
 *   type or value is ignored;
 * - the delete is conditional on the item still being expired (a write that
 *   extends it in the meantime wins), and goes through the stream capture, so
 *   a streamed table gets a REMOVE record marked as DynamoDB marks TTL
 *   deletions: `userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' }`.
 * Differs: AWS deletes within a few days of expiry, LocalStack hourly; here
 * within `intervalMs` (default 1 s). The one-hour lock between two
 * `UpdateTimeToLive` calls is not enforced; settings changed by
 * `UpdateTimeToLive` last until the local cloud stops.
 */
import type { DescribeTimeToLiveInput, UpdateTimeToLiveInput } from '@aws-sdk/client-dynamodb';
import type { Wire } from '../protocol/operations';
import type { EdgeRequest, EdgeResponse, LocalStack, Stoppable } from '../types';
import { dynamoDbError, validation } from './errors';
import { keyOf, type WireItem } from './items';
import type { Tables } from './tables';

/** How DynamoDB Streams marks a delete made by TTL. */
export const TTL_USER_IDENTITY = { type: 'Service', principalId: 'dynamodb.amazonaws.com' } as const;
const FIVE_YEARS_SECONDS = 5 * 365 * 24 * 3600;

/** A table whose template enables TTL on an attribute. */
export interface TtlTable {
  readonly tableName: string;
  readonly attributeName: string;
}

/** Every table of the stack whose `TimeToLiveSpecification` is enabled. */
export function ttlTablesOf(stack: Pick<LocalStack, 'byType'>): TtlTable[] {
  const tables = [...stack.byType('AWS::DynamoDB::Table'), ...stack.byType('AWS::DynamoDB::GlobalTable')];
  return tables.flatMap((table) => {
    const spec = table.properties.TimeToLiveSpecification;
    const enabled = spec?.Enabled === true || spec?.Enabled === 'true';
    return enabled && typeof spec.AttributeName === 'string' ? [{ tableName: table.physicalId, attributeName: spec.AttributeName }] : [];
  });
}

export interface TimeToLiveOptions {
  readonly tables: Tables;
  readonly ttlTables?: readonly TtlTable[];
  /** Runs a conditional delete of an expired item through the stream capture (under the layer's lock). */
  readonly deleteExpired: (request: EdgeRequest) => Promise<EdgeResponse>;
  /** Runs a read under the layer's lock. */
  readonly shared: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Pause between sweeps (default 1000 ms). */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

export class TimeToLive implements Stoppable {
  private readonly settings = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<number>;
  private stopped = false;

  constructor(private readonly options: TimeToLiveOptions) {
    for (const t of options.ttlTables ?? []) this.settings.set(t.tableName, t.attributeName);
  }

  /** `DescribeTimeToLive`. */
  async describe(input: Wire<DescribeTimeToLiveInput>): Promise<unknown> {
    const tableName = await this.existingTable(input.TableName);
    const attributeName = this.settings.get(tableName);
    return {
      TimeToLiveDescription: attributeName
        ? { TimeToLiveStatus: 'ENABLED', AttributeName: attributeName }
        : { TimeToLiveStatus: 'DISABLED' },
    };
  }

  /** `UpdateTimeToLive`. */
  async update(input: Wire<UpdateTimeToLiveInput>): Promise<unknown> {
    const tableName = await this.existingTable(input.TableName);
    const spec = input.TimeToLiveSpecification;
    if (!spec || typeof spec.Enabled !== 'boolean' || typeof spec.AttributeName !== 'string' || spec.AttributeName === '') {
      throw validation('1 validation error detected: TimeToLiveSpecification must name an AttributeName and Enabled');
    }
    const current = this.settings.get(tableName);
    if (spec.Enabled && current) throw validation('TimeToLive is already enabled');
    if (!spec.Enabled && !current) throw validation('TimeToLive is already disabled');
    if (!spec.Enabled && current !== spec.AttributeName) throw validation(`TimeToLive is enabled on attribute ${current}`);
    if (spec.Enabled) this.settings.set(tableName, spec.AttributeName);
    else this.settings.delete(tableName);
    return { TimeToLiveSpecification: { Enabled: spec.Enabled, AttributeName: spec.AttributeName } };
  }

  /** Starts sweeping every `intervalMs`. */
  start(): void {
    if (this.timer || this.stopped) return;
    const tick = () => {
      this.sweeping = this.sweep().catch(() => 0);
      void this.sweeping.finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs ?? 1000);
      });
    };
    this.timer = setTimeout(tick, this.options.intervalMs ?? 1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sweeping;
  }

  /** Deletes the expired items of every table with TTL enabled; resolves with how many were deleted. */
  async sweep(): Promise<number> {
    let deleted = 0;
    for (const [tableName, attributeName] of this.settings) {
      if (this.stopped) break;
      deleted += await this.sweepTable(tableName, attributeName).catch(() => 0); // a table deleted meanwhile
    }
    return deleted;
  }

  private async sweepTable(tableName: string, attributeName: string): Promise<number> {
    const nowSeconds = Math.floor((this.options.now ?? Date.now)() / 1000);
    const schema = await this.options.tables.keySchema(tableName);
    const values = { ':now': { N: String(nowSeconds) }, ':oldest': { N: String(nowSeconds - FIVE_YEARS_SECONDS) } };
    let deleted = 0;
    let startKey: WireItem | undefined;
    do {
      const page: { Items?: WireItem[]; LastEvaluatedKey?: WireItem } = await this.options.shared(() =>
        this.options.tables.dynalite.call('Scan', {
          TableName: tableName,
          FilterExpression: '#ttl < :now AND #ttl >= :oldest',
          ExpressionAttributeNames: { '#ttl': attributeName },
          ExpressionAttributeValues: values,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const response = await this.options.deleteExpired(
          dynamoDbRequest('DeleteItem', {
            TableName: tableName,
            Key: keyOf(item, schema),
            ConditionExpression: '#ttl < :now AND #ttl >= :oldest',
            ExpressionAttributeNames: { '#ttl': attributeName },
            ExpressionAttributeValues: values,
          }),
        );
        if (response.status === 200) deleted += 1;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && !this.stopped);
    return deleted;
  }

  private async existingTable(name: unknown): Promise<string> {
    if (typeof name !== 'string' || name === '') {
      throw validation("1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null");
    }
    try {
      await this.options.tables.keySchema(name);
    } catch {
      throw dynamoDbError('ResourceNotFoundException', 'Requested resource not found');
    }
    return name;
  }
}

/** A DynamoDB call as the edge would hand it to the layer (for the stream capture). */
function dynamoDbRequest(operation: string, input: unknown): EdgeRequest {
  return {
    method: 'POST',
    url: '/',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${operation}`,
      'x-amz-date': '20240101T000000Z',
      authorization: 'AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: Buffer.from(JSON.stringify(input), 'utf8'),
    service: 'dynamodb',
    region: 'us-east-1',
    target: `DynamoDB_20120810.${operation}`,
  };
}
