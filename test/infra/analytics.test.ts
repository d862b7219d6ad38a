import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { devStage, synthesisePlatform, type Synthesised } from '../support/synth';

const stage = devStage();
const { ofType } = stage;
const only = (type: string, prefix: string) => {
  const found = ofType(type).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one ${type} ${prefix}*, found ${found.length}`);
  return found[0]!;
};
const functionId = (prefix: string) => only('AWS::Lambda::Function', prefix)[0];

/** The actions the function's role may perform, from every policy attached to that role. */
function actionsOf(fnLogicalId: string): string[] {
  const roleRef = stage.resources[fnLogicalId]!.Properties.Role['Fn::GetAtt'][0];
  return ofType('AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((role: any) => role.Ref === roleRef))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()))
    .sort();
}
/** The statements granting `action` to the function's role. */
function resourcesFor(fnLogicalId: string, action: string): unknown[] {
  const roleRef = stage.resources[fnLogicalId]!.Properties.Role['Fn::GetAtt'][0];
  return ofType('AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((role: any) => role.Ref === roleRef))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement)
    .filter((s: any) => [s.Action].flat().includes(action))
    .map((s: any) => s.Resource);
}

const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const XRAY = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
/** What an SQS on-failure destination needs (CDK's grantSendMessages). */
const DESTINATION = ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'];
/** What a Kinesis event source mapping reads with (CDK's stream.grantRead, bound by KinesisEventSource). */
const STREAM_READ = [
  'kinesis:DescribeStream',
  'kinesis:DescribeStreamConsumer',
  'kinesis:DescribeStreamSummary',
  'kinesis:GetRecords',
  'kinesis:GetShardIterator',
  'kinesis:ListShards',
  'kinesis:ListStreams',
  'kinesis:SubscribeToShard',
];

describe('analytics: raw logs bucket', () => {
  it('is encrypted, private, TLS only, versioned and logs its access to a bucket of its own', () => {
    const [rawId, raw] = only('AWS::S3::Bucket', 'AnalyticsRawLogs');
    const [logsId] = only('AWS::S3::Bucket', 'AnalyticsAccessLogs');
    expect(raw.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: { Ref: logsId }, LogFilePrefix: 'raw-logs/' },
    });
    expect(raw.Properties.BucketName).toBeUndefined();
    const [, policy] = ofType('AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket.Ref === rawId)!;
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    // Log delivery by bucket policy (no ACLs), only from the raw bucket.
    const [, logsPolicy] = ofType('AWS::S3::BucketPolicy').find(([, p]) => p.Properties.Bucket.Ref === logsId)!;
    expect(logsPolicy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Action: 's3:PutObject',
        Condition: expect.objectContaining({ ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [rawId, 'Arn'] } } }),
      }),
    );
  });

  it('moves raw/ to infrequent access at 30 days, to archive at 90, and expires it per stage', () => {
    const rules = (template: Synthesised['template']) =>
      Object.entries(template.findResources('AWS::S3::Bucket')).find(([id]) => id.startsWith('AnalyticsRawLogs'))![1].Properties
        .LifecycleConfiguration.Rules;
    const tiers = {
      Id: 'RawActivityTiers',
      Prefix: 'raw/',
      Status: 'Enabled',
      Transitions: [
        { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
        { StorageClass: 'GLACIER', TransitionInDays: 90 },
      ],
    };
    expect(rules(stage.dev.template)).toEqual(
      expect.arrayContaining([
        { ...tiers, ExpirationInDays: 180 },
        expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
      ]),
    );
    const prod = synthesisePlatform('prod').template;
    expect(rules(prod)).toContainEqual({ ...tiers, ExpirationInDays: 730 });
    for (const [id, bucket] of Object.entries(prod.findResources('AWS::S3::Bucket'))) {
      if (id.startsWith('Analytics')) expect(bucket.DeletionPolicy).toBe('Retain');
    }
  });
});

describe('analytics: stream and consumer', () => {
  it('has an encrypted activity stream (one shard in dev)', () => {
    const [, stream] = only('AWS::Kinesis::Stream', 'AnalyticsStream');
    expect(stream.Properties).toMatchObject({
      ShardCount: 1,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      RetentionPeriodHours: 24,
    });
    expect(stream.Properties.Name).toBeUndefined();
  });

  it('feeds the consumer with bisect on error, partial batch responses, bounded retries and a DLQ', () => {
    const [, mapping] = only('AWS::Lambda::EventSourceMapping', 'AnalyticsAggregateEngagement');
    const [streamId] = only('AWS::Kinesis::Stream', 'AnalyticsStream');
    const [dlqId, dlq] = only('AWS::SQS::Queue', 'AnalyticsConsumerDlq');
    expect(mapping.Properties).toEqual({
      EventSourceArn: { 'Fn::GetAtt': [streamId, 'Arn'] },
      FunctionName: { Ref: functionId('AnalyticsAggregateEngagement') },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 2,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 86400,
      ParallelizationFactor: 1,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlqId, 'Arn'] } } },
      Tags: expect.any(Array),
    });
    expect(dlq.Properties).toMatchObject({ SqsManagedSseEnabled: true });
  });

  it('passes the stage threshold to the consumer, and alarms on iterator age and on its DLQ', () => {
    expect(stage.resources[functionId('AnalyticsAggregateEngagement')]!.Properties.Environment.Variables).toMatchObject({
      HIGH_ENGAGEMENT_THRESHOLD: '100',
      ENGAGEMENT_TABLE: { Ref: expect.stringMatching(/^AnalyticsEngagementTable/) },
      EVENT_BUS_NAME: expect.anything(),
      POWERTOOLS_SERVICE_NAME: 'analytics',
    });
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    expect(alarms).toContainEqual(
      expect.objectContaining({
        MetricName: 'IteratorAge',
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId('AnalyticsAggregateEngagement') } }],
      }),
    );
    const [dlqId] = only('AWS::SQS::Queue', 'AnalyticsConsumerDlq');
    expect(alarms).toContainEqual(
      expect.objectContaining({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      }),
    );
  });
});

describe('analytics: the HighEngagementDetected consumer', () => {
  const thanks = () => functionId('NotificationsLoyaltyThanks');
  const rule = () => only('AWS::Events::Rule', 'EventsLoyaltyThanksNotificationRule');

  it('routes HighEngagementDetected from analytics to the loyalty thank-you, with retries and a DLQ', () => {
    const [, { Properties }] = rule();
    const [dlqId, dlq] = only('AWS::SQS::Queue', 'EventsLoyaltyThanksNotificationDlq');
    expect(Properties.EventPattern).toEqual({ source: ['commerce.analytics'], 'detail-type': ['HighEngagementDetected'] });
    expect(Properties.EventBusName).toEqual({ Ref: only('AWS::Events::EventBus', 'EventsBus')[0] });
    expect(Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [thanks(), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
      }),
    ]);
    expect(dlq.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    // The function's own asynchronous failures go to the same DLQ, and an alarm watches it.
    const [, invokeConfig] = only('AWS::Lambda::EventInvokeConfig', 'NotificationsLoyaltyThanks');
    expect(invokeConfig.Properties).toMatchObject({
      FunctionName: { Ref: thanks() },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlqId, 'Arn'] } } },
    });
    expect(ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties)).toContainEqual(
      expect.objectContaining({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      }),
    );
  });

  it('is the only consumer of HighEngagementDetected', () => {
    const consumers = ofType('AWS::Events::Rule').filter(([, r]) =>
      JSON.stringify(r.Properties.EventPattern ?? {}).includes('HighEngagementDetected'),
    );
    expect(consumers.map(([id]) => id)).toEqual([rule()[0]]);
  });

  it('lets the thank-you get one user and record attempts, nothing more (record-only in dev)', () => {
    expect(actionsOf(thanks())).toEqual(
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', ...DESTINATION, ...LOGS, ...XRAY].sort(),
    );
    const tableArn = (prefix: string) => [{ 'Fn::GetAtt': [only('AWS::DynamoDB::Table', prefix)[0], 'Arn'] }];
    expect(resourcesFor(thanks(), 'dynamodb:GetItem')).toEqual([tableArn('UsersTable')]);
    expect(resourcesFor(thanks(), 'dynamodb:PutItem')).toEqual([tableArn('NotificationsTable')]);
    expect(stage.resources[thanks()]!.Properties.Environment.Variables).toMatchObject({
      USERS_TABLE: { Ref: only('AWS::DynamoDB::Table', 'UsersTable')[0] },
      NOTIFICATIONS_TABLE: { Ref: only('AWS::DynamoDB::Table', 'NotificationsTable')[0] },
      SNS_DELIVERY: 'false',
      POWERTOOLS_SERVICE_NAME: 'notifications',
    });
    expect(stage.resources[thanks()]!.Properties.Environment.Variables.SES_SENDER).toBeUndefined();
  });
});

describe('analytics and user batches: routes and tables', () => {
  it('serves POST /activity, GET /users/{userId}/engagement and POST /users/batch', () => {
    const paths = ofType('AWS::ApiGateway::Resource').map(([, r]) => r.Properties.PathPart);
    expect(paths).toEqual(expect.arrayContaining(['activity', 'engagement', 'batch']));
    const integrations = ofType('AWS::ApiGateway::Method').map(([, m]) => JSON.stringify(m.Properties.Integration?.Uri ?? ''));
    for (const fn of ['AnalyticsIngestActivity', 'AnalyticsGetEngagement', 'UserBatchesCreateUsers']) {
      expect(integrations.some((uri) => uri.includes(functionId(fn)))).toBe(true);
    }
  });

  it('keeps stats, engagement and cached batch results in tables with a TTL', () => {
    stage.dev.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    const [, idempotency] = only('AWS::DynamoDB::Table', 'UserBatchesIdempotencyTable');
    expect(idempotency.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
    const [, engagement] = only('AWS::DynamoDB::Table', 'AnalyticsEngagementTable');
    expect(engagement.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });
});

describe('analytics and user batches: least privilege', () => {
  it('lets the ingestion put records, write raw/ objects, batch-write stats and keep Idempotency-Keys, nothing more', () => {
    const ingest = functionId('AnalyticsIngestActivity');
    expect(actionsOf(ingest)).toEqual(
      [
        'dynamodb:BatchWriteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'kinesis:PutRecords',
        's3:PutObject',
        ...LOGS,
        ...XRAY,
      ].sort(),
    );
    const [rawId] = only('AWS::S3::Bucket', 'AnalyticsRawLogs');
    expect(resourcesFor(ingest, 's3:PutObject')).toEqual([{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [rawId, 'Arn'] }, '/raw/*']] }]);
  });

  it('lets the consumer read the stream, write its table, publish, and dead-letter', () => {
    expect(actionsOf(functionId('AnalyticsAggregateEngagement'))).toEqual(
      ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'events:PutEvents', ...STREAM_READ, ...DESTINATION, ...LOGS, ...XRAY].sort(),
    );
  });

  it('lets the engagement reader get one item', () => {
    expect(actionsOf(functionId('AnalyticsGetEngagement'))).toEqual(['dynamodb:GetItem', ...LOGS, ...XRAY].sort());
  });

  it('lets the batch registration write users like POST /users and use its cache table (UserCreated goes out from the stream)', () => {
    const fn = functionId('UserBatchesCreateUsers');
    expect(actionsOf(fn)).toEqual(
      [
        'dynamodb:ConditionCheckItem',
        'dynamodb:PutItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        ...LOGS,
        ...XRAY,
      ].sort(),
    );
    expect(resourcesFor(fn, 'dynamodb:GetItem')).toEqual([
      [{ 'Fn::GetAtt': [only('AWS::DynamoDB::Table', 'UserBatchesIdempotencyTable')[0], 'Arn'] }],
    ]);
    expect(resourcesFor(fn, 'dynamodb:ConditionCheckItem')).toEqual([
      [{ 'Fn::GetAtt': [only('AWS::DynamoDB::Table', 'UsersTable')[0], 'Arn'] }],
    ]);
    expect(resourcesFor(fn, 'dynamodb:DeleteItem')).toEqual([
      [{ 'Fn::GetAtt': [only('AWS::DynamoDB::Table', 'UserBatchesIdempotencyTable')[0], 'Arn'] }],
    ]);
    expect(stage.resources[fn]!.Properties.Environment.Variables).toMatchObject({ POWERTOOLS_SERVICE_NAME: 'users' });
  });
});

describe('analytics and user batches: bundles', () => {
  it('bundles each new handler so that the name in the template is a function the bundle exports', () => {
    const env = {
      ...process.env,
      AWS_REGION: 'us-east-1',
      USERS_TABLE: 't',
      IDEMPOTENCY_TABLE: 't',
      ENGAGEMENT_TABLE: 't',
      STATS_TABLE: 't',
      RAW_BUCKET: 'b',
      ANALYTICS_STREAM: 's',
      EVENT_BUS_NAME: 'b',
      HIGH_ENGAGEMENT_THRESHOLD: '100',
      NOTIFICATIONS_TABLE: 't',
    };
    const handlers = [
      'AnalyticsIngestActivity',
      'AnalyticsAggregateEngagement',
      'AnalyticsGetEngagement',
      'UserBatchesCreateUsers',
      'NotificationsLoyaltyThanks',
    ];
    for (const prefix of handlers) {
      const fn = stage.resources[functionId(prefix)]!;
      const bundle = path.join(stage.dev.outdir, fn.Metadata['aws:asset:path'], 'index.mjs');
      const exported = fn.Properties.Handler.split('.').pop();
      const script = `import(${JSON.stringify(bundle)}).then(m => process.stdout.write(typeof m[${JSON.stringify(exported)}]))`;
      expect(`${prefix}: ${execFileSync(process.execPath, ['-e', script], { env }).toString()}`).toBe(`${prefix}: function`);
    }
  });
});
