/**
 * What the layer needs to know of dynalite's tables: key schemas (cached until
 * a table call for the table passes) and consistent reads of one item.
 */
import { AwsError } from '../protocol/errors';
import type { Dynalite } from './dynalite';
import { dynamoDbError } from './errors';
import type { KeySchemaElement, WireItem } from './items';

export class Tables {
  private readonly schemas = new Map<string, Promise<KeySchemaElement[]>>();

  constructor(readonly dynalite: Dynalite) {}

  /** The key schema of a table, cached until `forget(table)`. */
  keySchema(tableName: string): Promise<KeySchemaElement[]> {
    let schema = this.schemas.get(tableName);
    if (!schema) {
      schema = this.dynalite
        .call<{ Table: { KeySchema: KeySchemaElement[] } }>('DescribeTable', { TableName: tableName })
        .then((r) => r.Table.KeySchema);
      schema.catch(() => this.schemas.delete(tableName));
      this.schemas.set(tableName, schema);
    }
    return schema;
  }

  /** The key schema, or AWS's `ResourceNotFoundException` ("Requested resource not found"). */
  async keySchemaOrNotFound(tableName: string): Promise<KeySchemaElement[]> {
    try {
      return await this.keySchema(tableName);
    } catch (error) {
      if (error instanceof AwsError && error.code === 'ResourceNotFoundException') {
        throw dynamoDbError('ResourceNotFoundException', 'Requested resource not found');
      }
      throw error;
    }
  }

  /** Forgets a table's cached key schema (it is being created, changed or deleted). */
  forget(tableName: string): void {
    this.schemas.delete(tableName);
  }

  async getItem(tableName: string, key: WireItem): Promise<WireItem | undefined> {
    const result = await this.dynalite.call<{ Item?: WireItem }>('GetItem', { TableName: tableName, Key: key, ConsistentRead: true });
    return result.Item;
  }
}
