import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OrderSummary, PagePosition } from '#domain/order-pages';

export interface OrderPage {
  readonly orders: readonly OrderSummary[];
  /** Where the next page starts; absent on the last page. */
  readonly next?: PagePosition;
}

/**
 * A customer's orders, newest first, from the orders table's `byCustomer`
 * index (`customerId` + `createdAt`, a summary projected; only order items
 * carry `customerId`, so keys and other items never appear). The index is
 * eventually consistent: an order placed a moment ago may be missing from the
 * first page for a moment. (Beside DynamoOrderStore, not yet a method of it.)
 */
export async function listOrdersOf(
  client: Pick<DynamoDBDocumentClient, 'send'>,
  tableName: string,
  indexName: string,
  customerId: string,
  limit: number,
  start?: PagePosition,
): Promise<OrderPage> {
  const { Items = [], LastEvaluatedKey } = await client.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: indexName,
      KeyConditionExpression: 'customerId = :customerId',
      ExpressionAttributeValues: { ':customerId': customerId },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: start ? { ...start } : undefined,
    }),
  );
  const orders = Items.map(({ orderId, status, total, currency, createdAt, updatedAt }) => ({
    orderId,
    status,
    total,
    currency,
    createdAt,
    updatedAt,
  })) as OrderSummary[];
  const next = LastEvaluatedKey
    ? { pk: String(LastEvaluatedKey.pk), customerId: String(LastEvaluatedKey.customerId), createdAt: String(LastEvaluatedKey.createdAt) }
    : undefined;
  return next ? { orders, next } : { orders };
}
