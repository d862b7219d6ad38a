/**
 * provision() against the real emulators: what the template defines exists
 * afterwards, with its keys, indexes and shards, and what cannot be emulated
 * is reported.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DescribeTableCommand, DynamoDBClient, GetItemCommand, ListTagsOfResourceCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { GetBucketCorsCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { loadAssembly } from '../../src/assembly/load';
import { startEmulators, type Emulators } from '../../src/emulators';
import { PROVISIONED_TYPES, provision, unsupportedResources } from '../../src/provision';
import type { LocalStack } from '../../src/types';

const template = {
  Resources: {
    Orders: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'status', AttributeType: 'S' },
          { AttributeName: 'createdAt', AttributeType: 'N' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        GlobalSecondaryIndexes: [
          { IndexName: 'byStatus', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } },
        ],
        LocalSecondaryIndexes: [
          {
            IndexName: 'byCreated',
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'createdAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        Tags: [{ Key: 'stage', Value: 'test' }],
      },
    },
    Cache: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        TableName: { 'Fn::Sub': '${AWS::StackName}-cache' },
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: 3 },
      },
    },
    Global: {
      Type: 'AWS::DynamoDB::GlobalTable',
      Properties: {
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        Replicas: [{ Region: 'us-east-1' }, { Region: 'eu-west-1' }],
      },
    },
    Raw: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        CorsConfiguration: { CorsRules: [{ AllowedMethods: ['GET', 'PUT'], AllowedOrigins: ['*'], MaxAge: 300 }] },
        VersioningConfiguration: { Status: 'Enabled' },
        LifecycleConfiguration: { Rules: [{ Status: 'Enabled', ExpirationInDays: 30 }] },
      },
    },
    Activity: { Type: 'AWS::Kinesis::Stream', Properties: { ShardCount: 3, RetentionPeriodHours: 48 } },
    OnDemand: { Type: 'AWS::Kinesis::Stream', Properties: { StreamModeDetails: { StreamMode: 'ON_DEMAND' } } },
    Alerts: { Type: 'AWS::SNS::Topic', Properties: {} },
    Alarm1: { Type: 'AWS::CloudWatch::Alarm', Properties: {} },
    Alarm2: { Type: 'AWS::CloudWatch::Alarm', Properties: {} },
  },
};

function writeAssembly(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'provision-test-'));
  writeFileSync(path.join(dir, 'Shop.template.json'), JSON.stringify(template));
  writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify({
      version: '55.0.0',
      artifacts: { Shop: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Shop.template.json' } } },
    }),
  );
  return dir;
}

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const region = 'us-east-1';
let stack: LocalStack;
const physical = (logicalId: string) => stack.find(logicalId)!.physicalId;

beforeAll(() => {
  [stack] = loadAssembly(writeAssembly());
});

describe('provision', () => {
  let emulators: Emulators;
  let dynamodb: DynamoDBClient;
  let kinesis: KinesisClient;
  let s3: S3Client;

  beforeAll(async () => {
    emulators = await startEmulators();
    dynamodb = new DynamoDBClient({ endpoint: emulators.dynamodb, region, credentials });
    kinesis = new KinesisClient({ endpoint: emulators.kinesis, region, credentials, requestHandler: new NodeHttpHandler() });
    s3 = new S3Client({ endpoint: emulators.s3, region, credentials, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' });
  });
  afterAll(async () => {
    dynamodb?.destroy();
    kinesis?.destroy();
    s3?.destroy();
    await emulators?.stop();
  });

  it('creates tables, buckets and streams as the template defines them, and reports what it cannot emulate', async () => {
    const result = await provision(stack, emulators);
    expect(result.created).toEqual([
      { logicalId: 'Orders', type: 'AWS::DynamoDB::Table', physicalId: 'Shop-Orders', outcome: 'created' },
      { logicalId: 'Cache', type: 'AWS::DynamoDB::Table', physicalId: 'Shop-cache', outcome: 'created' },
      { logicalId: 'Global', type: 'AWS::DynamoDB::GlobalTable', physicalId: 'Shop-Global', outcome: 'created' },
      { logicalId: 'Raw', type: 'AWS::S3::Bucket', physicalId: 'shop-raw', outcome: 'created' },
      { logicalId: 'Activity', type: 'AWS::Kinesis::Stream', physicalId: 'Shop-Activity', outcome: 'created' },
      { logicalId: 'OnDemand', type: 'AWS::Kinesis::Stream', physicalId: 'Shop-OnDemand', outcome: 'created' },
    ]);
    expect(result.notEmulated.map((n) => `${n.logicalId}.${n.feature}`).sort()).toEqual(
      [
        'Orders.PointInTimeRecoverySpecification',
        'Orders.SSESpecification',
        'Cache.ProvisionedThroughput',
        'Global.Replicas',
        'Raw.VersioningConfiguration',
        'Raw.LifecycleConfiguration',
        'OnDemand.StreamModeDetails',
      ].sort(),
    );
    expect(result.notEmulated.find((n) => n.feature === 'Replicas')!.detail).toContain('eu-west-1');

    const orders = (await dynamodb.send(new DescribeTableCommand({ TableName: physical('Orders') }))).Table!;
    expect(orders.TableStatus).toBe('ACTIVE');
    expect(orders.KeySchema).toEqual(template.Resources.Orders.Properties.KeySchema);
    expect(orders.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(orders.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byStatus']);
    expect(orders.LocalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byCreated']);
    const tags = await dynamodb.send(new ListTagsOfResourceCommand({ ResourceArn: stack.find('Orders')!.attributes.Arn }));
    expect(tags.Tags).toEqual([{ Key: 'stage', Value: 'test' }]);

    const cache = (await dynamodb.send(new DescribeTableCommand({ TableName: 'Shop-cache' }))).Table!;
    expect(cache.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 2, WriteCapacityUnits: 3 });
    await dynamodb.send(new PutItemCommand({ TableName: physical('Global'), Item: { id: { S: 'x' } } }));

    const cors = await s3.send(new GetBucketCorsCommand({ Bucket: 'shop-raw' }));
    expect(cors.CORSRules?.[0]).toMatchObject({ AllowedMethods: ['GET', 'PUT'], AllowedOrigins: ['*'], MaxAgeSeconds: 300 });

    const activity = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'Shop-Activity' }))).StreamDescriptionSummary!;
    expect(activity).toMatchObject({ StreamStatus: 'ACTIVE', OpenShardCount: 3, RetentionPeriodHours: 48 });
    const onDemand = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'Shop-OnDemand' }))).StreamDescriptionSummary!;
    expect(onDemand.OpenShardCount).toBe(1);
  });

  it('is idempotent: a second run finds everything existing and changes nothing', async () => {
    await dynamodb.send(new PutItemCommand({ TableName: 'Shop-cache', Item: { id: { S: 'kept' } } }));
    const again = await provision(stack, emulators);
    expect(again.created.map((c) => c.outcome)).toEqual(Array(6).fill('existing'));
    expect((await dynamodb.send(new GetItemCommand({ TableName: 'Shop-cache', Key: { id: { S: 'kept' } } }))).Item).toBeDefined();
  });
});

describe('unsupportedResources', () => {
  it('lists each type the local cloud does not serve, with its resources, and never CDK metadata', () => {
    expect(unsupportedResources(stack, [...PROVISIONED_TYPES, 'AWS::SNS::Topic'])).toEqual([
      { type: 'AWS::CloudWatch::Alarm', logicalIds: ['Alarm1', 'Alarm2'] },
    ]);
    expect(unsupportedResources(stack, PROVISIONED_TYPES).map((u) => u.type)).toEqual(['AWS::CloudWatch::Alarm', 'AWS::SNS::Topic']);
  });
});

describe('emulators with a data dir', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'local-cloud-data-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps tables, items, streams and objects across a restart', async () => {
    const first = await startEmulators({ dataDir });
    try {
      await provision(stack, first);
      const db = new DynamoDBClient({ endpoint: first.dynamodb, region, credentials });
      const s3 = new S3Client({
        endpoint: first.s3,
        region,
        credentials,
        forcePathStyle: true,
        requestChecksumCalculation: 'WHEN_REQUIRED',
      });
      await db.send(new PutItemCommand({ TableName: 'Shop-cache', Item: { id: { S: 'persisted' } } }));
      await s3.send(new PutObjectCommand({ Bucket: 'shop-raw', Key: 'a.txt', Body: 'kept' }));
      db.destroy();
      s3.destroy();

      // A second local cloud on the same data dir is refused with one clear line.
      await expect(startEmulators({ dataDir })).rejects.toThrow(
        `Cannot open the data in ${dataDir}: another local cloud is using this --data-dir; stop it or choose another folder`,
      );
    } finally {
      await first.stop();
    }

    const second = await startEmulators({ dataDir });
    try {
      const again = await provision(stack, second);
      expect(again.created.map((c) => c.outcome)).toEqual(Array(6).fill('existing'));
      const db = new DynamoDBClient({ endpoint: second.dynamodb, region, credentials });
      const s3 = new S3Client({
        endpoint: second.s3,
        region,
        credentials,
        forcePathStyle: true,
        requestChecksumCalculation: 'WHEN_REQUIRED',
      });
      expect((await db.send(new GetItemCommand({ TableName: 'Shop-cache', Key: { id: { S: 'persisted' } } }))).Item).toEqual({
        id: { S: 'persisted' },
      });
      expect(await (await s3.send(new GetObjectCommand({ Bucket: 'shop-raw', Key: 'a.txt' }))).Body!.transformToString()).toBe('kept');
      db.destroy();
      s3.destroy();
    } finally {
      await second.stop();
    }
  });
});
