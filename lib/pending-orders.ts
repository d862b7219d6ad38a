import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Construct } from 'constructs';
import type { StageConfig } from './config';
import { deadLetterQueue } from './dead-letter-queues';
import type { ContextAlarm } from './observability';
import { ServiceFunction } from './service-function';
import { ENV } from '#contracts/environment';

/** The orders table's index of orders by status, oldest first (the PENDING-age probe reads it). */
export const ORDERS_BY_STATUS_INDEX = 'byStatus';
/** Must match OLDEST_PENDING_METRIC in lambda/orders/pending-age.ts. */
const OLDEST_PENDING_METRIC = 'OldestPendingOrderAge';

export interface PendingOrdersProps {
  readonly config: StageConfig;
  /** The orders table (lib/orders.ts); order items carry `status` and `createdAt`. */
  readonly ordersTable: dynamodb.Table;
  /** How old the oldest PENDING order may get before the alarm (default 15 minutes; the saga takes seconds). */
  readonly maxPendingAge?: Duration;
}

/**
 * Watches for orders stuck `PENDING` (their `OrderPlaced` never handled): an index
 * `byStatus` (status + createdAt, keys only) on the orders table, a function run
 * every 5 minutes that emits the oldest PENDING order's age as an EMF metric, and
 * the alarm on it (for Observability's `extraAlarms`). The schedule's target
 * retries and has a registered DLQ (alarmed like every other).
 */
export class PendingOrders extends Construct {
  readonly probe: ServiceFunction;
  readonly alarm: ContextAlarm;

  constructor(scope: Construct, id: string, { config, ordersTable, maxPendingAge = Duration.minutes(15) }: PendingOrdersProps) {
    super(scope, id);
    ordersTable.addGlobalSecondaryIndex({
      indexName: ORDERS_BY_STATUS_INDEX,
      partitionKey: { name: 'status', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'createdAt', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
    const failures = deadLetterQueue(this, 'ProbeDlq', config);
    this.probe = new ServiceFunction(this, 'Probe', {
      entry: 'orders/pending-age.ts',
      service: 'orders',
      config,
      environment: { [ENV.ORDERS_TABLE]: ordersTable.tableName, [ENV.ORDERS_BY_STATUS_INDEX]: ORDERS_BY_STATUS_INDEX },
      retryAttempts: 2,
      onFailure: new SqsDestination(failures),
      description: 'Every 5 minutes: the age of the oldest PENDING order (metric OldestPendingOrderAge)',
    });
    this.probe.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${ordersTable.tableArn}/index/${ORDERS_BY_STATUS_INDEX}`] }),
    );
    new events.Rule(this, 'Schedule', {
      description: 'The PENDING-age probe, every 5 minutes',
      schedule: events.Schedule.rate(Duration.minutes(5)),
    }).addTarget(new targets.LambdaFunction(this.probe, { retryAttempts: 2, maxEventAge: Duration.minutes(5), deadLetterQueue: failures }));

    this.alarm = {
      id: 'OldestPendingOrderAge',
      metric: new cloudwatch.Metric({
        namespace: 'ServerlessCommerce',
        metricName: OLDEST_PENDING_METRIC,
        dimensionsMap: { service: 'orders' },
        statistic: 'Maximum',
        period: Duration.minutes(5),
      }),
      threshold: maxPendingAge.toSeconds(),
      description: `An order has been PENDING for ${maxPendingAge.toMinutes()} minutes or more: its OrderPlaced was never handled`,
    };
  }
}
