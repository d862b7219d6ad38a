import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { devStage } from '../support/synth';

const stage = devStage();
const { ofType } = stage;
const functionId = (prefix: string) => {
  const found = ofType('AWS::Lambda::Function').filter(([id]) => new RegExp(`^${prefix}[A-F0-9]{8}$`).test(id));
  if (found.length !== 1) throw new Error(`expected one function ${prefix}, found ${found.length}`);
  return found[0]![0];
};
const refOf = (value: any): string => value?.Ref ?? value?.['Fn::GetAtt']?.[0];

/** `PUT /inventory/{sku}`-style names of every API method, with whether it needs the API key. */
function routes(): Map<string, { apiKeyRequired: boolean; target: string }> {
  const pathOf = (resourceId: string | undefined): string => {
    const resource = resourceId ? stage.resources[resourceId] : undefined;
    if (!resource || resource.Type !== 'AWS::ApiGateway::Resource') return '';
    return `${pathOf(refOf(resource.Properties.ParentId))}/${resource.Properties.PathPart}`;
  };
  const found = new Map<string, { apiKeyRequired: boolean; target: string }>();
  for (const [, method] of ofType('AWS::ApiGateway::Method')) {
    const uri = JSON.stringify(method.Properties.Integration?.Uri ?? '');
    const target = /"Fn::GetAtt":\["([^"]+)","Arn"\]/.exec(uri)?.[1] ?? '';
    found.set(`${method.Properties.HttpMethod} ${pathOf(refOf(method.Properties.ResourceId)) || '/'}`, {
      apiKeyRequired: method.Properties.ApiKeyRequired ?? false,
      target,
    });
  }
  return found;
}

/** The actions the function's role may perform, from every policy attached to that role. */
function actionsOf(fnLogicalId: string): string[] {
  const roleRef = stage.resources[fnLogicalId]!.Properties.Role['Fn::GetAtt'][0];
  return ofType('AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((role: any) => role.Ref === roleRef))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()))
    .sort();
}

/** For each DynamoDB statement of the function's role: the table (logical id) and its actions. */
function tableGrantsOf(fnLogicalId: string): Record<string, string[]> {
  const roleRef = stage.resources[fnLogicalId]!.Properties.Role['Fn::GetAtt'][0];
  const grants: Record<string, string[]> = {};
  for (const [, policy] of ofType('AWS::IAM::Policy')) {
    if (!policy.Properties.Roles.some((role: any) => role.Ref === roleRef)) continue;
    for (const statement of policy.Properties.PolicyDocument.Statement) {
      const actions = [statement.Action].flat().filter((a: string) => a.startsWith('dynamodb:'));
      if (actions.length === 0) continue;
      const tables = [statement.Resource].flat().map(refOf).filter(Boolean);
      for (const table of new Set(tables)) grants[table] = [...(grants[table] ?? []), ...actions].sort();
    }
  }
  return grants;
}

const tableId = (prefix: string) => {
  const found = ofType('AWS::DynamoDB::Table').find(([id]) => id.startsWith(prefix));
  if (!found) throw new Error(`no table ${prefix}`);
  return found[0];
};

const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const XRAY = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
const DESTINATION = ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'];
const BASE = [...LOGS, ...XRAY];

describe('order saga: API', () => {
  it.each([
    // Admins by group now (the handler checks cognito:groups); API keys are for machine clients only.
    ['PUT /inventory/{sku}', false, 'OrderSagaInventoryPutStock'],
    ['GET /inventory/{sku}', false, 'OrderSagaInventoryGetStock'],
    ['POST /orders', false, 'OrderSagaOrdersPlaceOrder'],
    ['POST /orders/batch', false, 'OrderSagaOrdersPlaceOrderBatch'],
    ['GET /orders/{orderId}', false, 'OrderSagaOrdersGetOrder'],
    ['GET /orders', false, 'OrderSagaOrdersListOrders'],
  ])('routes %s (API key required: %s) to its function', (route, apiKeyRequired, fn) => {
    expect(routes().get(route)).toEqual({ apiKeyRequired, target: functionId(fn) });
  });

  it("gives the batch endpoint time for 200 orders within API Gateway's 29 s", () => {
    expect(stage.resources[functionId('OrderSagaOrdersPlaceOrderBatch')]!.Properties.Timeout).toBe(26);
  });
});

describe('order saga: event rules', () => {
  const SUBSCRIPTIONS: [string, string, string[], string[]][] = [
    ['InventoryReservation', 'OrderSagaInventoryReserveStock', ['commerce.orders'], ['OrderPlaced']],
    [
      'InventorySettlement',
      'OrderSagaInventorySettleReservation',
      ['commerce.payments', 'commerce.orders'],
      ['PaymentCompleted', 'PaymentFailed', 'OrderFailed'],
    ],
    ['PaymentCharge', 'OrderSagaPaymentsChargePayment', ['commerce.inventory'], ['InventoryReserved']],
    [
      'OrderStatus',
      'OrderSagaOrdersAdvanceStatus',
      ['commerce.inventory', 'commerce.payments', 'commerce.notifications'],
      ['InventoryReserved', 'InventoryReservationFailed', 'PaymentCompleted', 'PaymentFailed', 'OrderNotificationsAttempted'],
    ],
    [
      'OrderNotifications',
      'NotificationsOrderNotifications',
      ['commerce.payments', 'commerce.orders'],
      ['PaymentCompleted', 'OrderFailed'],
    ],
  ];

  it.each(SUBSCRIPTIONS)('%s: a rule with retries and a DLQ, and the same DLQ for async failures', (name, fn, sources, detailTypes) => {
    const fnId = functionId(fn);
    const [ruleId, rule] = ofType('AWS::Events::Rule').find(([id]) => id.startsWith(`Events${name}Rule`))!;
    expect(ruleId).toBeDefined();
    expect(rule.Properties.EventPattern).toEqual({ source: sources, 'detail-type': detailTypes });
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^Events${name}Dlq`)), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
      }),
    ]);
    const dlq = rule.Properties.Targets[0].DeadLetterConfig.Arn['Fn::GetAtt'][0];
    const invokeConfig = ofType('AWS::Lambda::EventInvokeConfig').find(([, c]) => c.Properties.FunctionName.Ref === fnId);
    expect(invokeConfig?.[1].Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlq, 'Arn'] } } },
    });
    expect(stage.resources[dlq]!.Properties).toMatchObject({ SqsManagedSseEnabled: true });
  });
});

describe('order saga: tables and least privilege', () => {
  it('has inventory, orders and payments tables; idempotency keys in the orders table expire', () => {
    for (const prefix of ['OrderSagaInventoryTable', 'OrderSagaOrdersTable', 'OrderSagaPaymentsTable']) {
      expect(stage.resources[tableId(prefix)]!.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      });
    }
    expect(stage.resources[tableId('OrderSagaOrdersTable')]!.Properties.TimeToLiveSpecification).toEqual({
      AttributeName: 'expiresAt',
      Enabled: true,
    });
  });

  it('streams the orders table (new images) to the OrderPlaced outbox: inserted orders only, bisect, partial failures, a DLQ', () => {
    const ordersTable = tableId('OrderSagaOrdersTable');
    expect(stage.resources[ordersTable]!.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    const mappings = ofType('AWS::Lambda::EventSourceMapping').filter(([, m]) =>
      JSON.stringify(m.Properties.EventSourceArn).includes(ordersTable),
    );
    expect(mappings).toHaveLength(1);
    const [, mapping] = mappings[0]!;
    expect(mapping.Properties).toMatchObject({
      FunctionName: { Ref: functionId('OrderSagaOrdersPublishOrderEvents') },
      BatchSize: 10,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 5,
      StartingPosition: 'TRIM_HORIZON',
    });
    expect(JSON.parse(mapping.Properties.FilterCriteria.Filters[0].Pattern)).toEqual({
      eventName: ['INSERT'],
      dynamodb: { NewImage: { type: { S: ['order'] } } },
    });
    const dlqId = ofType('AWS::SQS::Queue').find(([id]) => id.startsWith('OrderSagaOrdersPublisherDlq'))![0];
    expect(JSON.stringify(mapping.Properties.DestinationConfig)).toContain(dlqId);
  });

  it.each([
    ['OrderSagaInventoryPutStock', { OrderSagaInventoryTable: ['dynamodb:UpdateItem'] }, []],
    ['OrderSagaInventoryGetStock', { OrderSagaInventoryTable: ['dynamodb:GetItem'] }, []],
    [
      'OrderSagaInventoryReserveStock',
      { OrderSagaInventoryTable: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'] },
      ['events:PutEvents', ...DESTINATION],
    ],
    ['OrderSagaInventorySettleReservation', { OrderSagaInventoryTable: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] }, DESTINATION],
    [
      'OrderSagaOrdersPlaceOrder',
      // Only writes: OrderPlaced goes out from the orders table's stream.
      { OrderSagaOrdersTable: ['dynamodb:GetItem', 'dynamodb:PutItem'], OrderSagaInventoryTable: ['dynamodb:BatchGetItem'] },
      [],
    ],
    [
      'OrderSagaOrdersPlaceOrderBatch',
      // Only writes: OrderPlaced goes out from the orders table's stream.
      { OrderSagaOrdersTable: ['dynamodb:GetItem', 'dynamodb:PutItem'], OrderSagaInventoryTable: ['dynamodb:BatchGetItem'] },
      [],
    ],
    [
      'OrderSagaOrdersPublishOrderEvents',
      // The outbox: reads the orders table's stream (ListStreams has no resource-level permission), publishes.
      { OrderSagaOrdersTable: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'] },
      ['dynamodb:ListStreams', 'events:PutEvents', ...DESTINATION],
    ],
    ['OrderSagaOrdersGetOrder', { OrderSagaOrdersTable: ['dynamodb:GetItem'] }, []],
    // Query on the byCustomer index only (identity.test.ts checks the resource), nothing on the table's items.
    ['OrderSagaOrdersListOrders', {}, ['dynamodb:Query']],
    [
      'OrderSagaOrdersAdvanceStatus',
      { OrderSagaOrdersTable: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] },
      ['events:PutEvents', ...DESTINATION],
    ],
    [
      'OrderSagaPaymentsChargePayment',
      { OrderSagaPaymentsTable: ['dynamodb:GetItem', 'dynamodb:UpdateItem'] },
      ['events:PutEvents', ...DESTINATION],
    ],
    [
      'NotificationsOrderNotifications',
      { NotificationsTable: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], UsersTable: ['dynamodb:GetItem'] },
      ['events:PutEvents', ...DESTINATION],
    ],
  ] as [string, Record<string, string[]>, string[]][])('%s may do exactly what it calls', (fn, tables, others) => {
    const fnId = functionId(fn);
    const expectedTables = Object.fromEntries(Object.entries(tables).map(([prefix, actions]) => [tableId(prefix), [...actions].sort()]));
    expect(tableGrantsOf(fnId)).toEqual(expectedTables);
    const dynamoActions = Object.values(tables).flat();
    expect(actionsOf(fnId)).toEqual([...dynamoActions, ...others, ...BASE].sort());
  });

  it('configures the payment sandbox through the environment', () => {
    expect(stage.resources[functionId('OrderSagaPaymentsChargePayment')]!.Properties.Environment.Variables).toMatchObject({
      PAYMENTS_TABLE: { Ref: tableId('OrderSagaPaymentsTable') },
      PAYMENT_SANDBOX_LIMIT: '1000000',
      PAYMENT_TIMEOUT_MS: '3000',
      EVENT_BUS_NAME: expect.anything(),
      POWERTOOLS_SERVICE_NAME: 'payments',
    });
  });
});

describe('order saga: bundles', () => {
  const ENV = {
    ORDERS_TABLE: 't',
    INVENTORY_TABLE: 't',
    PAYMENTS_TABLE: 't',
    USERS_TABLE: 't',
    NOTIFICATIONS_TABLE: 't',
    EVENT_BUS_NAME: 'b',
    AWS_REGION: 'us-east-1',
    ORDERS_BY_CUSTOMER_INDEX: 'byCustomer',
  };

  it('bundles each saga handler so that the name in the template is a function the bundle exports', () => {
    const saga = ofType('AWS::Lambda::Function').filter(
      ([id, r]) => (id.startsWith('OrderSaga') || id.startsWith('NotificationsOrderNotifications')) && r.Metadata?.['aws:asset:path'],
    );
    expect(saga).toHaveLength(12);
    for (const [id, fn] of saga) {
      const bundle = path.join(stage.dev.outdir, fn.Metadata['aws:asset:path'], 'index.mjs');
      const exported = fn.Properties.Handler.split('.').pop();
      const script = `import(${JSON.stringify(bundle)}).then(m => process.stdout.write(typeof m[${JSON.stringify(exported)}]))`;
      const kind = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, ...ENV } }).toString();
      expect(`${id}: ${kind}`).toBe(`${id}: function`);
    }
  });
});
