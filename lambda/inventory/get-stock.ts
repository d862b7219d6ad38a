import { ENV } from '#contracts/environment';
import { SKU } from '#domain/orders';
import { env } from '#shared/aws';
import { dynamo } from '#shared/dynamo';
import { NotFoundError, ValidationError } from '#shared/errors';
import { httpHandler, ok } from '#shared/http';
import { DynamoInventoryStore } from './inventory-store';

const inventory = new DynamoInventoryStore(dynamo, env(ENV.INVENTORY_TABLE));

/** GET /inventory/{sku} — stock (available, reserved, sold) and unit price; 404 for an unknown SKU. */
export const handler = httpHandler(async (request) => {
  const sku = request.pathParameter('sku') ?? '';
  if (!SKU.test(sku)) throw new ValidationError([{ path: 'sku', message: 'must be 1-64 letters, digits, ".", "_" or "-"' }]);
  const item = await inventory.get(sku);
  if (!item) throw new NotFoundError('SKU');
  return ok(item);
});
