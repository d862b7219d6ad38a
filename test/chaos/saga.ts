/**
 * What the order scenarios read back once the faults are cleared: each order's
 * final status, the SKU's stock, each order's payment records and the notices
 * sent for it — all through the API or the stack's tables, as an operator would.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Caller } from '../e2e/identity';
import { api, output, target } from '../e2e/target';
import { settle } from './faults';

const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));

async function itemsOf(tableOutput: string, pk: string): Promise<Record<string, unknown>[]> {
  const { outputs } = await target();
  const { Items } = await dynamo.send(
    new QueryCommand({
      TableName: output(outputs, tableOutput),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
}

/**
 * The order once it is CONFIRMED or FAILED (polled, with a deadline); at the
 * deadline, the order as it stands (e.g. still PENDING), so the scenario can
 * report it before its assertions fail.
 */
export async function finalOrder(orderId: string, owner: Caller, timeoutMs = 60_000): Promise<{ status: string; orderId: string }> {
  const read = async () => (await api('GET', `/orders/${orderId}`, { as: owner })).json as { status: string; orderId: string };
  return settle(
    `order ${orderId} to settle`,
    async () => {
      const order = await read();
      return ['CONFIRMED', 'FAILED'].includes(order?.status) ? order : undefined;
    },
    timeoutMs,
  ).catch(read);
}

export async function stockOf(sku: string, reader: Caller): Promise<{ available: number; reserved: number; sold: number }> {
  return (await api('GET', `/inventory/${sku}`, { as: reader })).json;
}

/** The payment records of an order (one by design: `PAYMENT#<orderId>`). */
export const paymentsOf = (orderId: string) => itemsOf('PaymentsTableName', `PAYMENT#${orderId}`);

/** The notices recorded for an order, as `template:channel` strings. */
export async function noticesOf(orderId: string): Promise<string[]> {
  return (await itemsOf('NotificationsTableName', `ORDER#${orderId}`)).map((n) => `${String(n.template)}:${String(n.channel)}`).sort();
}

/** The notices recorded for a user, as `template:channel` strings. */
export async function userNoticesOf(userId: string): Promise<string[]> {
  return (await itemsOf('NotificationsTableName', `USER#${userId}`)).map((n) => `${String(n.template)}:${String(n.channel)}`).sort();
}
