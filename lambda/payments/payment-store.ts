import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PaymentFailureCode } from '#contracts/events';
import { CLAIM_LEASE_MARGIN_MS } from '#contracts/time-budgets';
import { conditionHeld } from '#shared/dynamo';

export type PaymentStatus = 'PENDING' | 'COMPLETED' | 'FAILED';

export interface Payment {
  readonly orderId: string;
  readonly paymentId: string;
  readonly customerId: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: PaymentStatus;
  readonly providerRef?: string;
  readonly code?: PaymentFailureCode;
  readonly reason?: string;
  readonly claimedAt: string;
  /** The invocation holding the claim (its Lambda request id; Lambda's retries of it keep the id). */
  readonly claimedBy?: string;
  /** When the claim's holder can no longer be running: its invocation's deadline plus a margin. */
  readonly leaseUntil?: string;
  readonly createdAt: string;
}

/** Who claims a payment: the invocation's request id, and how long it can live at most. */
export interface ClaimHolder {
  readonly requestId: string;
  /** The invocation's deadline (its remaining time from now); the lease adds CLAIM_LEASE_MARGIN_MS. */
  readonly remainingMs: number;
}

export type PaymentOutcome =
  | { readonly status: 'COMPLETED'; readonly providerRef: string }
  | { readonly status: 'FAILED'; readonly code: PaymentFailureCode; readonly reason: string };

/** Where payments live. Handlers depend on this port; DynamoPaymentStore is the adapter. */
export interface PaymentStore {
  /**
   * Claims the right to charge an order: succeeds for the first delivery, or
   * when a previous claim is still PENDING and its holder cannot be charging:
   * the claim is this invocation's own (a Lambda retry keeps the request id, and
   * runs only once the failed attempt has ended), or its lease (the holder's
   * deadline plus a margin) has passed. Returns the claimed payment (same
   * paymentId on a re-claim), or undefined when someone else holds or finished it.
   */
  claim(
    claim: Pick<Payment, 'orderId' | 'paymentId' | 'customerId' | 'amount' | 'currency'>,
    holder: ClaimHolder,
    now: Date,
  ): Promise<Payment | undefined>;
  /** Records the outcome of a claimed payment; returns the payment as it stands. */
  finish(payment: Payment, outcome: PaymentOutcome, now: Date): Promise<Payment>;
  get(orderId: string): Promise<Payment | undefined>;
}

/** Claims written before `leaseUntil` existed: protected this long after `claimedAt` (longer than any timeout). */
export const LEGACY_CLAIM_LEASE_MS = 60_000;

const paymentKey = (orderId: string) => ({ pk: `PAYMENT#${orderId}` });

/**
 * One table for the payments context: `PAYMENT#<orderId>`, one payment per
 * order. The claim is a conditional write made before the provider is called,
 * so a redelivered `InventoryReserved` never charges twice; the provider's
 * idempotency key (the order id) covers the one case where a charge is retried
 * (a claim whose lease expired because its charger died mid-call).
 */
export class DynamoPaymentStore implements PaymentStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(
    claim: Pick<Payment, 'orderId' | 'paymentId' | 'customerId' | 'amount' | 'currency'>,
    holder: ClaimHolder,
    now: Date,
  ): Promise<Payment | undefined> {
    const leaseUntil = new Date(now.getTime() + Math.max(0, holder.remainingMs) + CLAIM_LEASE_MARGIN_MS);
    const write = this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: paymentKey(claim.orderId),
        UpdateExpression:
          'SET #type = :type, orderId = :orderId, paymentId = if_not_exists(paymentId, :paymentId), customerId = :customerId, amount = :amount, currency = :currency, #status = :pending, claimedAt = :now, claimedBy = :holder, leaseUntil = :leaseUntil, createdAt = if_not_exists(createdAt, :now)',
        ConditionExpression:
          'attribute_not_exists(pk) OR (#status = :pending AND (claimedBy = :holder OR leaseUntil < :now OR (attribute_not_exists(leaseUntil) AND claimedAt < :staleBefore)))',
        ExpressionAttributeNames: { '#type': 'type', '#status': 'status' },
        ExpressionAttributeValues: {
          ':type': 'payment',
          ':orderId': claim.orderId,
          ':paymentId': claim.paymentId,
          ':customerId': claim.customerId,
          ':amount': claim.amount,
          ':currency': claim.currency,
          ':pending': 'PENDING',
          ':now': now.toISOString(),
          ':holder': holder.requestId,
          ':leaseUntil': leaseUntil.toISOString(),
          ':staleBefore': new Date(now.getTime() - LEGACY_CLAIM_LEASE_MS).toISOString(),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    if (!(await conditionHeld(write))) return undefined;
    return toPayment((await write).Attributes!);
  }

  async finish(payment: Payment, outcome: PaymentOutcome, now: Date): Promise<Payment> {
    const fields = outcome.status === 'COMPLETED' ? { providerRef: outcome.providerRef } : { code: outcome.code, reason: outcome.reason };
    const names = Object.keys(fields);
    const write = this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: paymentKey(payment.orderId),
        UpdateExpression: `SET #status = :status, completedAt = :now, ${names.map((name) => `#${name} = :${name}`).join(', ')}`,
        ConditionExpression: '#status = :pending AND paymentId = :paymentId',
        ExpressionAttributeNames: { '#status': 'status', ...Object.fromEntries(names.map((name) => [`#${name}`, name])) },
        ExpressionAttributeValues: {
          ':status': outcome.status,
          ':now': now.toISOString(),
          ':pending': 'PENDING',
          ':paymentId': payment.paymentId,
          ...Object.fromEntries(Object.entries(fields).map(([name, value]) => [`:${name}`, value])),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    if (await conditionHeld(write)) return toPayment((await write).Attributes!);
    // A re-claimer finished it first (same provider idempotency key, so the same charge): its record stands.
    return (await this.get(payment.orderId))!;
  }

  async get(orderId: string): Promise<Payment | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: paymentKey(orderId), ConsistentRead: true }));
    return Item ? toPayment(Item) : undefined;
  }
}

function toPayment(item: Record<string, unknown>): Payment {
  const { pk: _pk, type: _type, completedAt: _completedAt, ...payment } = item;
  return payment as unknown as Payment;
}
