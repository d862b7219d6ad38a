import { ENV } from '#contracts/environment';
import { SKU, stockUpdateSchema } from '#domain/orders';
import { env } from '#shared/aws';
import { authorize } from '#shared/caller';
import { dynamo } from '#shared/dynamo';
import { ValidationError } from '#shared/errors';
import { httpHandler, ok, parseBody } from '#shared/http';
import { metrics, MetricUnit } from '#shared/powertools';
import { DynamoInventoryStore } from './inventory-store';

const inventory = new DynamoInventoryStore(dynamo, env(ENV.INVENTORY_TABLE));

/**
 * PUT /inventory/{sku} (admins: 403 for anyone else) — sets a SKU's available stock and unit
 * price (cents), creating the SKU if new. Units reserved or sold for orders are
 * the saga's and are left as they are.
 */
export const handler = httpHandler(async (request) => {
  authorize(request.event); // ROUTE_ACCESS=admin: the admins group
  const sku = request.pathParameter('sku') ?? '';
  const problems = SKU.test(sku) ? [] : [{ path: 'sku', message: 'must be 1-64 letters, digits, ".", "_" or "-"' }];
  let update;
  try {
    update = parseBody(request, stockUpdateSchema);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0 || !update) throw new ValidationError(problems);
  const item = await inventory.setStock(sku, update, new Date());
  metrics.addMetric('StockSet', MetricUnit.Count, 1);
  return ok(item);
});
