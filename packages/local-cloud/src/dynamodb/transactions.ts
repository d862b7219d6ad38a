/**
 * DynamoDB transactions over dynalite's single-item operations (dynalite 4
 * answers `UnknownOperationException` to both): all-or-nothing, every
 * condition evaluated by dynalite itself (so the expression language is
 * AWS's), cancellation reasons per action, `ClientRequestToken` idempotency,
 * and consistent `TransactGetItems` snapshots. Both run under the layer's
 * exclusive lock: no other call sees a half-applied transaction.
 */
import type { TransactGetItemsInput, TransactWriteItemsInput } from '@aws-sdk/client-dynamodb';
import { AwsError } from '../protocol/errors';
import type { Wire } from '../protocol/operations';
import { DYNAMODB_NS, dynamoDbError, notNull, validation } from './errors';
import { canonicalJson, consumedCapacity, isObject, itemId, keyOf, type WireItem } from './items';
import type { ReadWriteLock } from './locks';
import type { DynamoDbStreams } from './streams';
import type { Tables } from './tables';

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

type ActionKind = 'ConditionCheck' | 'Put' | 'Delete' | 'Update';

interface Action {
  readonly index: number;
  readonly kind: ActionKind;
  readonly body: ActionBody;
  readonly tableName: string;
  readonly key: WireItem;
}

/** The members of a Put, Update, Delete, ConditionCheck or Get that the engine reads (validated before use). */
interface ActionBody {
  readonly TableName: string;
  readonly Item?: WireItem;
  readonly Key?: WireItem;
  readonly ConditionExpression?: string;
  readonly UpdateExpression?: string;
  readonly ExpressionAttributeNames?: Readonly<Record<string, string>>;
  readonly ExpressionAttributeValues?: WireItem;
  readonly ReturnValuesOnConditionCheckFailure?: string;
  readonly ProjectionExpression?: string;
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
  readonly response: object;
}

export class Transactions {
  private readonly tokens = new Map<string, RememberedToken>();

  constructor(
    private readonly tables: Tables,
    private readonly streams: DynamoDbStreams,
    private readonly lock: ReadWriteLock,
    /** How long a `ClientRequestToken` is remembered. */
    private readonly windowMs: number,
  ) {}

  /** `TransactWriteItems`. */
  async write(input: Wire<TransactWriteItemsInput>): Promise<object> {
    const token: unknown = input.ClientRequestToken;
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
            throw dynamoDbError(
              'IdempotentParameterMismatchException',
              'Request parameters do not match the original request with the same client token',
            );
          }
          return seen.response;
        }
      }
      const actions = await this.writeActions(input.TransactItems);
      const response = await this.applyAll(actions, input);
      if (typeof token === 'string') this.tokens.set(token, { fingerprint, at: Date.now(), response });
      return response;
    });
  }

  /** Validates the request as AWS does before it touches any item, and resolves each action's table key. */
  private async writeActions(items: unknown): Promise<Action[]> {
    const list = checkItemCount(items);
    const actions: Action[] = [];
    for (const [index, item] of list.entries()) {
      const kinds = (['ConditionCheck', 'Put', 'Delete', 'Update'] as const).filter(
        (k) => isObject(item) && item[k] !== undefined && item[k] !== null,
      );
      if (kinds.length !== 1) throw validation('TransactItems can only contain one of Check, Put, Update or Delete');
      const kind = kinds[0]!;
      const body: unknown = (item as Record<string, unknown>)[kind];
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
      const schema = await this.tables.keySchemaOrNotFound(body.TableName);
      const key = kind === 'Put' ? keyOf(body.Item as WireItem, schema) : (body.Key as WireItem);
      actions.push({ index, kind, body: body as unknown as ActionBody, tableName: body.TableName, key });
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
  private async applyAll(actions: readonly Action[], input: { readonly ReturnConsumedCapacity?: string }): Promise<object> {
    const applied: Applied[] = [];
    const reasons: CancellationReason[] = [];
    let staticError: AwsError | undefined;
    for (const action of actions) {
      let oldImage: WireItem | undefined;
      try {
        oldImage = await this.tables.getItem(action.tableName, action.key);
        applied.push(await this.applyOne(action, oldImage));
        reasons.push({ Code: 'None' });
      } catch (error) {
        if (!(error instanceof AwsError)) {
          await this.undo(applied);
          throw error;
        }
        if (error.code === 'ConditionalCheckFailedException') {
          const withItem = action.body.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && oldImage;
          reasons.push({
            Code: 'ConditionalCheckFailed',
            Message: 'The conditional request failed',
            ...(withItem ? { Item: oldImage } : {}),
          });
        } else if (error.code === 'ValidationException' && DATA_DEPENDENT_VALIDATION.some((p) => p.test(error.message))) {
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
      throw dynamoDbError(
        'TransactionCanceledException',
        `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
        DYNAMODB_NS,
        400,
        { CancellationReasons: reasons },
      );
    }
    for (const change of applied) {
      if (change.wrote)
        this.streams.record({
          tableName: change.action.tableName,
          keys: change.action.key,
          oldImage: change.oldImage,
          newImage: change.newImage,
        });
    }
    return consumedCapacity(
      input.ReturnConsumedCapacity,
      applied.map((a) => ({ table: a.action.tableName, item: a.newImage ?? a.oldImage ?? a.action.key })),
    );
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
        await this.tables.dynalite.call('PutItem', { TableName, Item: action.body.Item, ...condition });
        return { action, oldImage, newImage: action.body.Item, wrote: true };
      case 'Update': {
        const result = await this.tables.dynalite.call<{ Attributes?: WireItem }>('UpdateItem', {
          TableName,
          Key: action.key,
          UpdateExpression: action.body.UpdateExpression,
          ...condition,
          ReturnValues: 'ALL_NEW',
        });
        return { action, oldImage, newImage: result.Attributes, wrote: true };
      }
      case 'Delete':
        await this.tables.dynalite.call('DeleteItem', { TableName, Key: action.key, ...condition });
        return { action, oldImage, wrote: true };
      case 'ConditionCheck':
        // Evaluate the condition with a write that changes nothing: rewrite the
        // item as it is, or delete the absent item. No other call runs meanwhile.
        if (oldImage) await this.tables.dynalite.call('PutItem', { TableName, Item: oldImage, ...condition });
        else await this.tables.dynalite.call('DeleteItem', { TableName, Key: action.key, ...condition });
        return { action, oldImage, newImage: oldImage, wrote: false };
    }
  }

  private async undo(applied: readonly Applied[]): Promise<void> {
    for (const change of [...applied].reverse()) {
      if (!change.wrote) continue;
      const TableName = change.action.tableName;
      if (change.oldImage) await this.tables.dynalite.call('PutItem', { TableName, Item: change.oldImage });
      else await this.tables.dynalite.call('DeleteItem', { TableName, Key: change.action.key });
    }
  }

  /** `TransactGetItems`: a consistent snapshot (no write runs meanwhile). */
  async get(input: Wire<TransactGetItemsInput>): Promise<object> {
    const list = checkItemCount(input.TransactItems);
    return this.lock.exclusive(async () => {
      const actions: Action[] = [];
      for (const [index, item] of list.entries()) {
        const get = isObject(item) ? item.Get : undefined;
        if (!isObject(get)) throw notNull(`transactItems.${index + 1}.member.get`);
        if (typeof get.TableName !== 'string') throw notNull(`transactItems.${index + 1}.member.get.tableName`);
        if (!isObject(get.Key)) throw notNull(`transactItems.${index + 1}.member.get.key`);
        await this.tables.keySchemaOrNotFound(get.TableName);
        actions.push({
          index,
          kind: 'ConditionCheck',
          body: get as unknown as ActionBody,
          tableName: get.TableName,
          key: get.Key as WireItem,
        });
      }
      checkOneActionPerItem(actions);
      const responses: Array<{ Item?: WireItem }> = [];
      for (const action of actions) {
        const { TableName, Key, ProjectionExpression, ExpressionAttributeNames } = action.body;
        const result = await this.tables.dynalite.call<{ Item?: WireItem }>('GetItem', {
          TableName,
          Key,
          ConsistentRead: true,
          ...(ProjectionExpression !== undefined ? { ProjectionExpression } : {}),
          ...(ExpressionAttributeNames !== undefined ? { ExpressionAttributeNames } : {}),
        });
        responses.push(result.Item ? { Item: result.Item } : {});
      }
      const capacity = consumedCapacity(
        input.ReturnConsumedCapacity,
        actions.map((a, i) => ({ table: a.tableName, item: responses[i]!.Item ?? a.key })),
      );
      return { Responses: responses, ...capacity };
    });
  }

  private forgetOldTokens(): void {
    const cutoff = Date.now() - this.windowMs;
    for (const [token, seen] of this.tokens) if (seen.at < cutoff) this.tokens.delete(token);
  }
}

function checkItemCount(items: unknown): unknown[] {
  if (!Array.isArray(items)) throw notNull('transactItems');
  if (items.length < 1) {
    throw validation(
      "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
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

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
