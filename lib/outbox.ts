import { CfnOutput, Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, FilterRule } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { StageConfig } from './config';
import { deadLetterQueue, type EventBus } from './event-bus';
import { acknowledge } from './nag';
import { ServiceFunction } from './service-function';
import { streamFailureHandling } from './streams';

export interface OutboxProps {
  readonly config: StageConfig;
  readonly events: EventBus;
  /** The table whose stream is the outbox (it must have a stream with new images). */
  readonly table: dynamodb.ITable;
  /** The publisher's handler, relative to `lambda/` (an `outboxHandler` of #shared/outbox). */
  readonly entry: string;
  readonly service: string;
  /** The `type` of the items whose inserts stand for an event: the stream filter passes only these. */
  readonly itemType: string;
  /** The event it publishes, for names and descriptions (e.g. `OrderPlaced`). */
  readonly detailType: string;
  /** The publisher's construct id (its DLQ is `PublisherDlq`, in the same scope). */
  readonly publisherId: string;
  /** The CloudFormation output key of the on-failure destination's URL. */
  readonly dlqOutputKey: string;
}

/** What an outbox hands to Observability: its on-failure destination and its lag alarm. */
export interface OutboxParts {
  readonly publisher: ServiceFunction;
  readonly deadLetterQueue: sqs.Queue;
  readonly alarm: { readonly id: string; readonly metric: cloudwatch.IMetric; readonly threshold: number };
}

/**
 * The one way a table becomes an outbox (users: `UserCreated`, orders:
 * `OrderPlaced`): a publisher function on the table's stream with the
 * platform's stream failure handling (bisect, partial batch failures, bounded
 * retries, an SQS on-failure destination), ten records a batch (one PutEvents
 * call), a filter passing only inserts of `itemType` (the handler checks again,
 * so a record the filter should have dropped is never published), and an iterator-age alarm for
 * Observability (events published late). Writers of the table only write.
 * The publisher and its DLQ are made in `scope` (ids `publisherId`, `PublisherDlq`).
 */
export function outbox(scope: Construct, props: OutboxProps): OutboxParts {
  const { config, events, table, entry, service, itemType, detailType } = props;
  const publisher = new ServiceFunction(scope, props.publisherId, {
    entry,
    service,
    config,
    timeout: Duration.seconds(30),
    description: `Table stream (outbox): ${detailType} for every inserted ${itemType} item`,
  });
  events.allowPublishing(publisher);
  const failures = deadLetterQueue(scope, 'PublisherDlq', config);
  publisher.addEventSource(
    new DynamoEventSource(table, {
      ...streamFailureHandling(failures),
      batchSize: 10, // one PutEvents call
      filters: [
        FilterCriteria.filter({
          eventName: FilterRule.isEqual('INSERT'),
          dynamodb: { NewImage: { type: { S: FilterRule.isEqual(itemType) } } },
        }),
      ],
    }),
  );
  acknowledge(publisher.role!, {
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason:
      "dynamodb:ListStreams (granted with the stream read) and X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; stream records are read from this table's stream only.",
  });
  new CfnOutput(scope, 'PublisherDlqUrl', { key: props.dlqOutputKey, value: failures.queueUrl });
  return {
    publisher,
    deadLetterQueue: failures,
    alarm: {
      id: `${detailType}OutboxIteratorAge`,
      metric: publisher.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(5) }),
      threshold: 60_000,
    },
  };
}
