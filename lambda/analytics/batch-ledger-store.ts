/**
 * The claims of `POST /activity` batches and their ledgers (see
 * #domain/activity-ledger), in the stats table: `IDEMPOTENCY#<key>` /
 * `ACTIVITY`, 24-hour TTL, holding the body hash, the first arrival and the
 * ledger (`streamed`, `logged`, `counted` number sets; `parts`, a list of index
 * lists; `version`).
 *
 * Guarantees: a key is claimed by one conditional Put (never read-then-write);
 * every ledger change is one conditional UpdateItem on the claim of the same
 * first arrival (a claim replaced after its expiry is never changed by an
 * attempt of the old batch); a new raw-log part is appended only at the
 * version it was planned from (a concurrent attempt's plan makes this one
 * re-read and plan again), so no event is planned into two parts. A write that
 * fails for another reason is tried again a few times: an unrecorded stream
 * write means the events are streamed again on a resend.
 */
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type BatchLedger, EMPTY_LEDGER, recordStreamed } from '#domain/activity-ledger';
import { claimKey, claimRecord, compareClaim } from '#domain/idempotency';
import { conditionHeld } from '#shared/dynamo';
import { backoffDelay } from '#shared/retry';
import { logger } from '#shared/powertools';

/** The body hash and first arrival of a request. */
export interface ActivityKeyClaim {
  readonly bodyHash: string;
  readonly receivedAt: Date;
}

export type ClaimOutcome =
  /** First use of the key, or a resend of the same body: ingest as received at `receivedAt`, from `ledger`. */
  | { readonly kind: 'claimed'; readonly receivedAt: Date; readonly ledger: BatchLedger }
  /** The key was used with another body. */
  | { readonly kind: 'key-reused' };

/** A batch: its scoped key and first arrival (the claim a ledger change must find). */
export interface BatchRef {
  readonly key: string;
  readonly receivedAt: Date;
}

/** Claims and ledgers of activity batches; AwsBatchLedgerStore is the adapter. */
export interface BatchLedgers {
  /** Records `key` with `claim` unless it is recorded; then compares the bodies and reads the ledger. */
  claim(key: string, claim: ActivityKeyClaim): Promise<ClaimOutcome>;
  /** Records that the stream took `took` and plans the next raw-log part; the ledger after it. */
  recordStreamed(batch: BatchRef, ledger: BatchLedger, took: readonly number[]): Promise<BatchLedger>;
  /** Records raw-log parts written and events counted in the stats. */
  recordStored(batch: BatchRef, stored: { readonly logged: readonly number[]; readonly counted: readonly number[] }): Promise<void>;
}

/** The sort key of an activity Idempotency-Key's claim (the stats table has one). */
const CLAIM_SK = 'ACTIVITY';
/** Calls per ledger write, the first included, for failures other than its condition (on top of the SDK's). */
const LEDGER_WRITE_ATTEMPTS = 4;
/** Plans of a part in a row refused because a concurrent attempt planned first. */
const PLAN_ATTEMPTS = 5;

const isConditionFailure = (error: unknown) => (error as { name?: string })?.name === 'ConditionalCheckFailedException';

function ledgerOf(item: Record<string, unknown>): BatchLedger {
  const numbers = (value: unknown) => new Set([...((value as Iterable<number> | undefined) ?? [])].map(Number));
  return {
    streamed: numbers(item.streamed),
    parts: ((item.parts as unknown[][] | undefined) ?? []).map((part) => part.map(Number)),
    logged: numbers(item.logged),
    counted: numbers(item.counted),
    version: Number(item.version ?? 0),
  };
}

export class AwsBatchLedgerStore implements BatchLedgers {
  constructor(
    private readonly dynamo: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  async claim(key: string, claim: ActivityKeyClaim): Promise<ClaimOutcome> {
    const record = claimRecord(
      this.tableName,
      key,
      { bodyHash: claim.bodyHash, receivedAt: claim.receivedAt.toISOString(), version: 0 },
      claim.receivedAt,
      CLAIM_SK,
    );
    if (await conditionHeld(this.dynamo.send(new PutCommand(record)))) {
      return { kind: 'claimed', receivedAt: claim.receivedAt, ledger: EMPTY_LEDGER };
    }
    // The key is taken (a conditional write, not a read-then-write): read what it was first used with.
    const stored = compareClaim(await this.read(key), claim.bodyHash);
    if (stored.kind === 'key-reused') return stored;
    return { kind: 'claimed', receivedAt: new Date(String(stored.claim.receivedAt)), ledger: ledgerOf(stored.claim) };
  }

  async recordStreamed(batch: BatchRef, ledger: BatchLedger, took: readonly number[]): Promise<BatchLedger> {
    let current = ledger;
    for (let plan = 1; ; plan++) {
      const change = recordStreamed(current, took);
      if (took.length === 0 && change.part === undefined) return change.next;
      const set = change.part === undefined ? '' : ' SET parts = list_append(if_not_exists(parts, :none), :part), version = :next';
      const held = await this.update(batch, {
        UpdateExpression: `${took.length > 0 ? 'ADD streamed :took' : ''}${set}`.trim(),
        ...(change.part === undefined ? {} : { ConditionExpression: 'version = :seen' }),
        ExpressionAttributeValues: {
          ...(took.length > 0 ? { ':took': new Set(took) } : {}),
          ...(change.part === undefined
            ? {}
            : { ':none': [], ':part': [change.part], ':next': change.next.version, ':seen': current.version }),
        },
      });
      if (held) return change.next;
      if (plan >= PLAN_ATTEMPTS) throw new Error(`The raw-log part could not be planned in ${PLAN_ATTEMPTS} attempts`);
      const item = await this.read(batch.key);
      if (!item || item.receivedAt !== batch.receivedAt.toISOString()) throw new Error('The batch claim was replaced (expired)');
      current = ledgerOf(item);
    }
  }

  async recordStored(batch: BatchRef, stored: { readonly logged: readonly number[]; readonly counted: readonly number[] }): Promise<void> {
    const adds = [stored.logged.length > 0 ? 'logged :logged' : '', stored.counted.length > 0 ? 'counted :counted' : ''].filter(Boolean);
    if (adds.length === 0) return;
    const held = await this.update(batch, {
      UpdateExpression: `ADD ${adds.join(', ')}`,
      ExpressionAttributeValues: {
        ...(stored.logged.length > 0 ? { ':logged': new Set(stored.logged) } : {}),
        ...(stored.counted.length > 0 ? { ':counted': new Set(stored.counted) } : {}),
      },
    });
    if (!held) throw new Error('The batch claim was replaced (expired)');
  }

  private async read(key: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: claimKey(key, CLAIM_SK), ConsistentRead: true }),
    );
    return Item;
  }

  /**
   * One conditional UpdateItem of the batch's claim (its first arrival always part of the condition);
   * false when the condition failed. Other failures are tried again, then thrown.
   */
  private async update(
    batch: BatchRef,
    update: { UpdateExpression: string; ConditionExpression?: string; ExpressionAttributeValues: Record<string, unknown> },
  ): Promise<boolean> {
    const condition = ['receivedAt = :receivedAt', update.ConditionExpression].filter(Boolean).join(' AND ');
    const command = new UpdateCommand({
      TableName: this.tableName,
      Key: claimKey(batch.key, CLAIM_SK),
      UpdateExpression: update.UpdateExpression,
      ConditionExpression: condition,
      ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':receivedAt': batch.receivedAt.toISOString() },
    });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.dynamo.send(command);
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        if (attempt >= LEDGER_WRITE_ATTEMPTS) throw error;
        logger.warn('Ledger write failed; trying again', { attempt, error: (error as Error).name });
        await this.sleep(backoffDelay(attempt));
      }
    }
  }
}
