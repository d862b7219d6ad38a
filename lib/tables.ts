import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { StageConfig } from './config';
import { acknowledge } from './nag';

export interface TableOptions {
  /** Sort key name, when the table has one. */
  readonly sortKey?: string;
  /** Attribute holding an epoch-seconds expiry (dedupe markers, cached results). */
  readonly timeToLiveAttribute?: string;
  readonly stream?: dynamodb.StreamViewType;
}

/**
 * The one way the platform makes a table: on-demand, encrypted, point-in-time
 * recovery per stage, the stage's removal policy, string keys `pk` (and `sk`),
 * and no fixed physical name so that two stages can share an account.
 */
export function table(scope: Construct, id: string, config: StageConfig, options: TableOptions = {}): dynamodb.Table {
  const created = new dynamodb.Table(scope, id, {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: options.sortKey ? { name: options.sortKey, type: dynamodb.AttributeType.STRING } : undefined,
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: config.pointInTimeRecovery },
    removalPolicy: config.removalPolicy,
    timeToLiveAttribute: options.timeToLiveAttribute,
    stream: options.stream,
  });
  if (!config.pointInTimeRecovery) {
    acknowledge(created, {
      id: 'AwsSolutions::AwsSolutions-DDB3',
      reason: `Point-in-time recovery is enabled in prod only; ${config.stage} data is disposable.`,
    });
  }
  return created;
}

/**
 * Grants `actions` on the table's items only. `Table.grant` also grants them on
 * `<table>/index/*` once the table has an index, which no writer or item reader
 * needs (and cdk-nag rightly flags); a reader of an index is granted that index.
 */
export function grantItems(target: dynamodb.ITable, grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [target.tableArn] });
}
