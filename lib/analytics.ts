import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { Api } from './api';
import type { StageConfig } from './config';
import { deadLetterQueue, type EventBus } from './event-bus';
import { acknowledge } from './nag';
import { ServiceFunction } from './service-function';
import { streamFailureHandling } from './streams';
import { table } from './tables';
import { ENV } from '#contracts/environment';
import { API_BATCH_FUNCTION_TIMEOUT_S } from '#contracts/time-budgets';
import { RAW_LOG_PREFIX } from '#contracts/keys';

/** Where rawLogKey (lambda/domain/activity.ts) puts raw logs: the one prefix the ingestion may write. */
const RAW_PREFIX = RAW_LOG_PREFIX;

export interface AnalyticsProps {
  readonly config: StageConfig;
  readonly api: Api;
  readonly events: EventBus;
}

/**
 * The analytics context. `POST /activity` (a customer's events) and
 * `POST /producers/activity` (machine clients) validate and score events and send
 * them to the activity stream, the raw-log bucket (NDJSON under `raw/`) and the
 * stats table; a Kinesis consumer aggregates per-user engagement (idempotent per
 * record, partial batch failures, bisect on error, an SQS on-failure
 * destination) and publishes `HighEngagementDetected`; `GET
 * /users/{userId}/engagement` reads the aggregate. Each function may do only
 * what it calls.
 */
export class Analytics extends Construct {
  /** Raw activity logs under `raw/`; other prefixes (e.g. cost reports) are the caller's. */
  readonly rawBucket: s3.Bucket;
  readonly stream: kinesis.Stream;
  readonly statsTable: dynamodb.Table;
  readonly engagementTable: dynamodb.Table;
  readonly ingest: ServiceFunction;
  readonly ingestFromProducers: ServiceFunction;
  readonly consumer: ServiceFunction;
  readonly getEngagement: ServiceFunction;
  /** For Observability's `extraAlarms`: the consumer falling behind, the stream throttling writers. */
  readonly alarms: { readonly id: string; readonly metric: cloudwatch.IMetric; readonly threshold: number }[];

  constructor(scope: Construct, id: string, { config, api, events }: AnalyticsProps) {
    super(scope, id);
    // Access-log delivery by bucket policy (as cdk.json sets for the app), whoever synthesises this construct.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);

    this.rawBucket = this.rawLogBucket(config);
    this.stream = new kinesis.Stream(this, 'Stream', {
      encryption: kinesis.StreamEncryption.MANAGED,
      retentionPeriod: Duration.hours(24),
      removalPolicy: config.removalPolicy,
      ...(config.analytics.streamShards === 'on-demand'
        ? { streamMode: kinesis.StreamMode.ON_DEMAND }
        : { streamMode: kinesis.StreamMode.PROVISIONED, shardCount: config.analytics.streamShards }),
    });
    acknowledge(this.stream, {
      id: 'AwsSolutions::AwsSolutions-KDS3',
      reason:
        'Encrypted with the AWS managed key (alias/aws/kinesis): no key policy to keep and no KMS grants per function. Use a customer managed key where key control is required.',
    });
    this.statsTable = table(this, 'StatsTable', config, { sortKey: 'sk', timeToLiveAttribute: 'expiresAt' });
    this.engagementTable = table(this, 'EngagementTable', config, { timeToLiveAttribute: 'expiresAt' });

    // Two functions of one handler: the storefront's (a customer's own events) and the
    // producers' (events for any user, machine clients only); each knows its route's access.
    const ingestion = (fid: string, description: string) => {
      const fn = new ServiceFunction(this, fid, {
        entry: 'analytics/ingest-activity.ts',
        service: 'analytics',
        config,
        timeout: Duration.seconds(API_BATCH_FUNCTION_TIMEOUT_S), // inside API Gateway's 29 s; retries of PutRecords fit within it
        environment: {
          [ENV.ANALYTICS_STREAM]: this.stream.streamName,
          [ENV.RAW_BUCKET]: this.rawBucket.bucketName,
          [ENV.STATS_TABLE]: this.statsTable.tableName,
        },
        description,
      });
      this.stream.grant(fn, 'kinesis:PutRecords');
      const rawObjects = this.rawBucket.arnForObjects(`${RAW_PREFIX}*`);
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [rawObjects] }));
      // PutItem, GetItem and UpdateItem: the batches' claims and ledgers (`IDEMPOTENCY#<key>`) kept beside the stats.
      this.statsTable.grant(fn, 'dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem');
      const stack = Stack.of(this);
      const bucketId = stack.resolve(stack.getLogicalId(this.rawBucket.node.defaultChild as s3.CfnBucket)) as string;
      acknowledge((fn.role as iam.Role).node.tryFindChild('DefaultPolicy') ?? fn.role!, {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${RAW_PREFIX}*]`,
        reason: 'Every request writes a new object under raw/<hour>/ with a fresh batch id; the prefix is the narrowest resource.',
      });
      return fn;
    };
    this.ingest = ingestion('IngestActivity', "POST /activity: the caller's events; validate and score; Kinesis, raw log in S3, stats");
    api.route('POST', '/activity', this.ingest);
    this.ingestFromProducers = ingestion(
      'IngestProducerActivity',
      'POST /producers/activity (machine clients): events for any user; validate and score; Kinesis, raw log in S3, stats',
    );
    api.route('POST', '/producers/activity', this.ingestFromProducers);

    this.consumer = new ServiceFunction(this, 'AggregateEngagement', {
      entry: 'analytics/aggregate-engagement.ts',
      service: 'analytics',
      config,
      timeout: Duration.minutes(1),
      environment: {
        [ENV.ENGAGEMENT_TABLE]: this.engagementTable.tableName,
        [ENV.HIGH_ENGAGEMENT_THRESHOLD]: String(config.analytics.highEngagementThreshold),
      },
      description: 'Activity stream consumer: per-user engagement, HighEngagementDetected',
    });
    // TransactWriteItems of a marker Put and an aggregate Update; conditional Updates for last activity and the flag.
    this.engagementTable.grant(this.consumer, 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    events.allowPublishing(this.consumer);
    const failures = deadLetterQueue(this, 'ConsumerDlq', config);
    this.consumer.addEventSource(
      new KinesisEventSource(this.stream, { ...streamFailureHandling(failures), batchSize: 100, maxBatchingWindow: Duration.seconds(2) }),
    );
    new CfnOutput(this, 'ConsumerDlqUrl', { key: 'EngagementConsumerDlqUrl', value: failures.queueUrl });

    this.getEngagement = new ServiceFunction(this, 'GetEngagement', {
      entry: 'analytics/get-engagement.ts',
      service: 'analytics',
      config,
      environment: { [ENV.ENGAGEMENT_TABLE]: this.engagementTable.tableName },
      description: 'GET /users/{userId}/engagement',
    });
    this.engagementTable.grant(this.getEngagement, 'dynamodb:GetItem');
    api.route('GET', '/users/{userId}/engagement', this.getEngagement);

    const period = Duration.minutes(5);
    this.alarms = [
      {
        id: 'ActivityIteratorAge',
        metric: this.consumer.metric('IteratorAge', { statistic: 'Maximum', period }),
        threshold: 60_000,
      },
      {
        id: 'ActivityPutRecordsThrottled',
        metric: this.stream.metricPutRecordsThrottledRecords({ statistic: 'Sum', period }),
        threshold: 1,
      },
    ];

    new CfnOutput(this, 'RawBucketName', { key: 'RawBucketName', value: this.rawBucket.bucketName });
    new CfnOutput(this, 'StreamName', { key: 'ActivityStreamName', value: this.stream.streamName });
    new CfnOutput(this, 'EngagementTableName', { key: 'EngagementTableName', value: this.engagementTable.tableName });
    new CfnOutput(this, 'StatsTableName', { key: 'StatsTableName', value: this.statsTable.tableName });
  }

  /**
   * Raw logs: SSE-S3, no public access, TLS only, versioned, server access logs
   * to a bucket of their own; `raw/` moves to infrequent access after 30 days,
   * to archive after 90 and expires per stage (a transition at or after the
   * expiry is left out); old versions go after 30 days.
   */
  private rawLogBucket(config: StageConfig): s3.Bucket {
    const secure = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: config.removalPolicy,
    };
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...secure,
      lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(90) }],
    });
    acknowledge(accessLogs, {
      id: 'AwsSolutions::AwsSolutions-S1',
      reason: 'This is the server access log bucket: logging it would log its own log deliveries.',
    });
    const expiry = config.analytics.rawLogExpiry;
    const transitions = [
      { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) },
      { storageClass: s3.StorageClass.GLACIER, transitionAfter: Duration.days(90) },
    ].filter((t) => t.transitionAfter.toDays() < expiry.toDays());
    return new s3.Bucket(this, 'RawLogs', {
      ...secure,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'raw-logs/',
      lifecycleRules: [
        { id: 'RawActivityTiers', prefix: RAW_PREFIX, transitions, expiration: expiry },
        {
          id: 'OldVersions',
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
  }
}
