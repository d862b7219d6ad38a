import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { chunk } from '#shared/chunks';
import { retryFailed } from '#shared/retry';
import { KEY_PREFIX } from '#contracts/keys';

/** Current unit prices (cents) by SKU. Handlers depend on this port; the adapter reads the inventory table. */
export interface PriceCatalog {
  /** The prices of the SKUs the inventory knows; unknown SKUs are simply absent. */
  prices(skus: readonly string[]): Promise<Map<string, number>>;
}

/** BatchGetItem takes 100 keys a call. */
const BATCH_GET_MAX_KEYS = 100;
const UNPROCESSED_ATTEMPTS = 5;

/**
 * Prices read from the inventory table's `SKU#<sku>` items with BatchGetItem
 * (projection: sku and price only), 100 keys a call, unprocessed keys retried
 * (retryFailed: the platform's backoff, five calls at most). The inventory is the only source of prices; clients never send one.
 */
export class DynamoPriceCatalog implements PriceCatalog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async prices(skus: readonly string[]): Promise<Map<string, number>> {
    const prices = new Map<string, number>();
    const groups = chunk([...new Set(skus)], BATCH_GET_MAX_KEYS);
    await Promise.all(
      groups.map(async (group) => {
        const left = await retryFailed(
          group.map((sku) => ({ pk: `${KEY_PREFIX.sku}${sku}` }) as Record<string, unknown>),
          async (keys) => {
            const result = await this.client.send(
              new BatchGetCommand({
                RequestItems: {
                  [this.tableName]: {
                    Keys: [...keys],
                    ProjectionExpression: '#sku, #price',
                    ExpressionAttributeNames: { '#sku': 'sku', '#price': 'price' },
                  },
                },
              }),
            );
            for (const item of result.Responses?.[this.tableName] ?? []) prices.set(item.sku as string, item.price as number);
            return (result.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
          },
          { attempts: UNPROCESSED_ATTEMPTS },
        );
        if (left.length > 0) throw new Error(`BatchGetItem left ${left.length} keys unprocessed`);
      }),
    );
    return prices;
  }
}
