/**
 * TransactWriteItems / TransactGetItems of the local cloud's DynamoDB layer,
 * through the real @aws-sdk/client-dynamodb against dynalite in process.
 */
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { startLayeredDynalite, type LayeredDynalite } from '../../support/dynalite';

// ------------------------------------------------------------ fixture

let dynamo: LayeredDynalite;
let client: DynamoDBClient;

const TABLE = 'inventory';
const OTHER = 'orders';

beforeAll(async () => {
  dynamo = await startLayeredDynalite();
  client = new DynamoDBClient(dynamo.config);
  for (const TableName of [TABLE, OTHER]) {
    await client.send(
      new CreateTableCommand({
        TableName,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
});

afterAll(async () => {
  client.destroy();
  await dynamo.stop();
});

async function put(pk: string, attributes: Record<string, { N: string } | { S: string }> = {}, table = TABLE) {
  await client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, ...attributes } }));
}

async function get(pk: string, table = TABLE) {
  const { Item } = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: pk } }, ConsistentRead: true }));
  return Item;
}

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

const decrement = (pk: string, q: number): TransactWriteItem => ({
  Update: {
    TableName: TABLE,
    Key: { pk: { S: pk } },
    UpdateExpression: 'SET stock = stock - :q',
    ConditionExpression: 'stock >= :q',
    ExpressionAttributeValues: { ':q': { N: String(q) } },
  },
});

// ------------------------------------------------------------ tests

describe('TransactWriteItems', () => {
  it('applies every action when every condition holds', async () => {
    await put('ok-1', { stock: { N: '5' } });
    await put('ok-2');
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          decrement('ok-1', 2),
          { Put: { TableName: OTHER, Item: { pk: { S: 'ok-order' }, qty: { N: '2' } }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { ConditionCheck: { TableName: TABLE, Key: { pk: { S: 'ok-2' } }, ConditionExpression: 'attribute_exists(pk)' } },
        ],
      }),
    );
    expect(await get('ok-2')).toEqual({ pk: { S: 'ok-2' } });
    expect(await get('ok-1')).toEqual({ pk: { S: 'ok-1' }, stock: { N: '3' } });
    expect(await get('ok-order', OTHER)).toEqual({ pk: { S: 'ok-order' }, qty: { N: '2' } });
  });

  it('one failing condition cancels all, with one reason per action in order and no partial write', async () => {
    await put('c-1', { stock: { N: '5' } });
    await put('c-gone', { stock: { N: '1' } });
    const error = await rejection(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            decrement('c-1', 2),
            { Put: { TableName: OTHER, Item: { pk: { S: 'c-order' } }, ConditionExpression: 'attribute_not_exists(pk)' } },
            { ConditionCheck: { TableName: TABLE, Key: { pk: { S: 'c-missing' } }, ConditionExpression: 'attribute_exists(pk)' } },
            { Delete: { TableName: TABLE, Key: { pk: { S: 'c-gone' } } } },
          ],
        }),
      ),
    );
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(error.name).toBe('TransactionCanceledException');
    expect(error.message).toBe(
      'Transaction cancelled, please refer cancellation reasons for specific reasons [None, None, ConditionalCheckFailed, None]',
    );
    expect(error.CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'None' },
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
      { Code: 'None' },
    ]);
    expect(await get('c-1')).toEqual({ pk: { S: 'c-1' }, stock: { N: '5' } });
    expect(await get('c-order', OTHER)).toBeUndefined();
    expect(await get('c-gone')).toEqual({ pk: { S: 'c-gone' }, stock: { N: '1' } });
  });

  it('reports every failed condition, and the old item with ReturnValuesOnConditionCheckFailure ALL_OLD', async () => {
    await put('r-1', { stock: { N: '1' } });
    await put('r-2', { stock: { N: '0' } });
    const error = await rejection(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { ...decrement('r-1', 5), Update: { ...decrement('r-1', 5).Update!, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
            decrement('r-2', 1),
            { Put: { TableName: TABLE, Item: { pk: { S: 'r-3' } } } },
          ],
        }),
      ),
    );
    expect(error.CancellationReasons).toEqual([
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed', Item: { pk: { S: 'r-1' }, stock: { N: '1' } } },
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
      { Code: 'None' },
    ]);
    expect(await get('r-3')).toBeUndefined();
  });

  it('cancels with a ValidationError reason when an update does not fit the data', async () => {
    await put('v-1', { stock: { S: 'not a number' } });
    await put('v-2', { stock: { N: '3' } });
    const unconditional = { ...decrement('v-1', 1).Update!, ConditionExpression: undefined };
    const error = await rejection(
      client.send(new TransactWriteItemsCommand({ TransactItems: [decrement('v-2', 1), { Update: unconditional }] })),
    );
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect(error.CancellationReasons[0]).toEqual({ Code: 'None' });
    expect(error.CancellationReasons[1].Code).toBe('ValidationError');
    expect(error.CancellationReasons[1].Message).toMatch(/incorrect data type/);
    expect(await get('v-2')).toEqual({ pk: { S: 'v-2' }, stock: { N: '3' } });
  });

  it('answers a malformed expression with a ValidationException, and writes nothing', async () => {
    await put('m-1', { stock: { N: '3' } });
    const error = await rejection(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [decrement('m-1', 1), { Update: { TableName: TABLE, Key: { pk: { S: 'm-2' } }, UpdateExpression: 'SET = oops' } }],
        }),
      ),
    );
    expect(error.name).toBe('ValidationException');
    expect(await get('m-1')).toEqual({ pk: { S: 'm-1' }, stock: { N: '3' } });
  });

  it('validates the request as AWS does', async () => {
    const twice = await rejection(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk: { S: 'dup' } } } },
            { Delete: { TableName: TABLE, Key: { pk: { S: 'dup' } } } },
          ],
        }),
      ),
    );
    expect(twice.name).toBe('ValidationException');
    expect(twice.message).toBe('Transaction request cannot include multiple operations on one item');

    const tooMany = await rejection(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: Array.from({ length: 101 }, (_, i) => ({ Put: { TableName: TABLE, Item: { pk: { S: `many-${i}` } } } })),
        }),
      ),
    );
    expect(tooMany.name).toBe('ValidationException');
    expect(tooMany.message).toMatch(/Member must have length less than or equal to 100/);
    expect(await get('many-0')).toBeUndefined();

    const none = await rejection(client.send(new TransactWriteItemsCommand({ TransactItems: [] })));
    expect(none.name).toBe('ValidationException');

    const two = await rejection(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: TABLE, Item: { pk: { S: 'two' } } }, Delete: { TableName: TABLE, Key: { pk: { S: 'two' } } } },
          ],
        }),
      ),
    );
    expect(two.name).toBe('ValidationException');
    expect(await get('two')).toBeUndefined();

    const missing = await rejection(
      client.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: { TableName: 'no-such-table', Item: { pk: { S: 'x' } } } }] })),
    );
    expect(missing.name).toBe('ResourceNotFoundException');
  });

  it('never interleaves concurrent transactions: 50 decrements of one stock end exactly right', async () => {
    const initial = 60;
    await put('stock#hot', { stock: { N: String(initial) } });
    const quantities = Array.from({ length: 50 }, (_, i) => (i % 3) + 1);
    let scans = 0;
    let running = true;
    // A reader that keeps scanning while the transactions run: every snapshot
    // it sees is between transactions, never inside one.
    const reader = (async () => {
      const snapshots: number[] = [];
      while (running) {
        const { Items = [] } = await client.send(new ScanCommand({ TableName: TABLE, ConsistentRead: true }));
        const stock = Number(Items.find((i) => i.pk!.S === 'stock#hot')?.stock?.N);
        const ordered = Items.filter((i) => i.pk!.S!.startsWith('hot-order#')).reduce((n, i) => n + Number(i.qty!.N), 0);
        snapshots.push(stock + ordered);
        expect(stock).toBeGreaterThanOrEqual(0);
        scans += 1;
      }
      return snapshots;
    })();
    const outcomes = await Promise.all(
      quantities.map((q, i) =>
        client
          .send(
            new TransactWriteItemsCommand({
              TransactItems: [
                decrement('stock#hot', q),
                {
                  Put: {
                    TableName: TABLE,
                    Item: { pk: { S: `hot-order#${i}` }, qty: { N: String(q) } },
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                },
              ],
            }),
          )
          .then(
            () => ({ q, ok: true }),
            (error) => {
              expect(error).toBeInstanceOf(TransactionCanceledException);
              return { q, ok: false };
            },
          ),
      ),
    );
    running = false;
    const snapshots = await reader;
    const sold = outcomes.filter((o) => o.ok).reduce((n, o) => n + o.q, 0);
    const final = Number((await get('stock#hot'))!.stock!.N);
    expect(final).toBe(initial - sold);
    expect(final).toBeGreaterThanOrEqual(0);
    // A cancelled transaction asked for more than was left; stock only falls, so more than what is left at the end.
    for (const o of outcomes.filter((x) => !x.ok)) expect(o.q).toBeGreaterThan(final);
    expect(outcomes.filter((o) => !o.ok).length).toBeGreaterThan(0);
    const { Items = [] } = await client.send(new ScanCommand({ TableName: TABLE, ConsistentRead: true }));
    expect(Items.filter((i) => i.pk!.S!.startsWith('hot-order#')).length).toBe(outcomes.filter((o) => o.ok).length);
    expect(scans).toBeGreaterThan(0);
    expect(new Set(snapshots)).toEqual(new Set([initial]));
  });

  it('honours ClientRequestToken: the same request again is not applied twice; another request with it is refused', async () => {
    await put('idem', { stock: { N: '10' } });
    const command = () => new TransactWriteItemsCommand({ ClientRequestToken: 'token-idem-1', TransactItems: [decrement('idem', 1)] });
    await client.send(command());
    await client.send(command());
    expect(await get('idem')).toEqual({ pk: { S: 'idem' }, stock: { N: '9' } });

    const mismatch = await rejection(
      client.send(new TransactWriteItemsCommand({ ClientRequestToken: 'token-idem-1', TransactItems: [decrement('idem', 2)] })),
    );
    expect(mismatch.name).toBe('IdempotentParameterMismatchException');
    expect(await get('idem')).toEqual({ pk: { S: 'idem' }, stock: { N: '9' } });

    await client.send(new TransactWriteItemsCommand({ ClientRequestToken: 'token-idem-2', TransactItems: [decrement('idem', 1)] }));
    expect(await get('idem')).toEqual({ pk: { S: 'idem' }, stock: { N: '8' } });
  });
});

describe('TransactGetItems', () => {
  it('returns the items in order, an empty response for a missing one, with projections', async () => {
    await put('g-1', { stock: { N: '1' }, name: { S: 'one' } });
    await put('g-2', { stock: { N: '2' } }, OTHER);
    const { Responses } = await client.send(
      new TransactGetItemsCommand({
        TransactItems: [
          { Get: { TableName: OTHER, Key: { pk: { S: 'g-2' } } } },
          { Get: { TableName: TABLE, Key: { pk: { S: 'g-missing' } } } },
          { Get: { TableName: TABLE, Key: { pk: { S: 'g-1' } }, ProjectionExpression: '#n', ExpressionAttributeNames: { '#n': 'name' } } },
        ],
      }),
    );
    expect(Responses).toEqual([{ Item: { pk: { S: 'g-2' }, stock: { N: '2' } } }, {}, { Item: { name: { S: 'one' } } }]);
  });

  it('refuses two reads of one item', async () => {
    const error = await rejection(
      client.send(
        new TransactGetItemsCommand({
          TransactItems: [
            { Get: { TableName: TABLE, Key: { pk: { S: 'g-1' } } } },
            { Get: { TableName: TABLE, Key: { pk: { S: 'g-1' } } } },
          ],
        }),
      ),
    );
    expect(error.name).toBe('ValidationException');
  });
});
