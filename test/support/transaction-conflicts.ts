/**
 * DynamoDB's `TransactionConflict`, which the local cloud never produces (it runs
 * transactions one at a time): an edge interceptor for `dynamodb` that treats
 * every TransactWriteItems as holding its items for `holdMs` after it arrives,
 * and cancels a transaction that touches a held item as DynamoDB cancels a
 * transaction racing another on the same item — `TransactionCanceledException`
 * with a `TransactionConflict` reason for that item, nothing written. Other
 * calls, and transactions on free items, pass through unchanged. A model of
 * contention for tests of hot items, not a timing assertion.
 */
import type { EdgeHandler } from 'local-cloud';

type AttributeMap = Record<string, unknown>;
interface TransactItem {
  readonly Put?: { TableName: string; Item: AttributeMap };
  readonly Update?: { TableName: string; Key: AttributeMap };
  readonly Delete?: { TableName: string; Key: AttributeMap };
  readonly ConditionCheck?: { TableName: string; Key: AttributeMap };
}

/** The identity of the item a transaction item touches: its table and key attributes (`pk`, `sk`). */
function itemOf(item: TransactItem): string {
  const operation = item.Put ?? item.Update ?? item.Delete ?? item.ConditionCheck;
  if (!operation) return '';
  const attributes = 'Item' in operation ? operation.Item : operation.Key;
  return JSON.stringify([operation.TableName, attributes.pk, attributes.sk]);
}

export function transactionConflicts(holdMs = 25): { readonly interceptor: EdgeHandler; readonly conflicts: () => number } {
  const heldUntil = new Map<string, number>();
  let conflicts = 0;
  const interceptor: EdgeHandler = async (request) => {
    if (request.target !== 'DynamoDB_20120810.TransactWriteItems') return undefined;
    const { TransactItems } = JSON.parse(request.body.toString('utf8')) as { TransactItems: TransactItem[] };
    const now = Date.now();
    const items = TransactItems.map(itemOf);
    const held = items.map((item) => (heldUntil.get(item) ?? 0) > now);
    if (!held.some(Boolean)) {
      for (const item of items) heldUntil.set(item, now + holdMs);
      return undefined;
    }
    conflicts += 1;
    const reasons = held.map((isHeld) =>
      isHeld ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' } : { Code: 'None' },
    );
    return {
      status: 400,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify({
        __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
        message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
        CancellationReasons: reasons,
      }),
    };
  };
  return { interceptor, conflicts: () => conflicts };
}
