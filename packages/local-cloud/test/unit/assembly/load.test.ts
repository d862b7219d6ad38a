/**
 * loadAssembly on real `cdk synth` output: a small app with every kind of
 * resource the local cloud serves (synthesised in-process, no CLI).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, CfnCondition, CfnOutput, Fn, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { loadAssembly } from '../../../src/assembly/load';
import type { LocalStack, StackResource } from '../../../src/types';

function synthFixture(): string {
  const outdir = mkdtempSync(path.join(tmpdir(), 'assembly-test-'));
  // The CLI turns these on; the local cloud reads the asset path of each function.
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:enable-path-metadata': true } });

  const shared = new Stack(app, 'Shared');
  const bus = new events.EventBus(shared, 'Bus', { eventBusName: 'commerce-bus' });

  const stack = new Stack(app, 'Shop');
  const table = new dynamodb.Table(stack, 'Orders', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    timeToLiveAttribute: 'expiresAt',
  });
  table.addGlobalSecondaryIndex({ indexName: 'byStatus', partitionKey: { name: 'status', type: dynamodb.AttributeType.STRING } });
  const named = new dynamodb.Table(stack, 'Named', {
    tableName: 'shop-named',
    partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
  });
  const queue = new sqs.Queue(stack, 'Dlq');
  const bucket = new s3.Bucket(stack, 'RawBucket');
  const stream = new kinesis.Stream(stack, 'Activity', { shardCount: 2 });
  const fn = new lambda.Function(stack, 'Handler', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 })'),
    environment: {
      TABLE: table.tableName,
      STREAM_ARN: table.tableStreamArn!,
      DLQ_URL: queue.queueUrl,
      BUCKET: bucket.bucketName,
      ACTIVITY_STREAM: stream.streamName,
      BUS_ARN: bus.eventBusArn,
      NAMED_ARN: named.tableArn,
    },
  });
  new events.Rule(stack, 'OnOrderPlaced', {
    eventBus: events.EventBus.fromEventBusArn(stack, 'ImportedBus', bus.eventBusArn),
    eventPattern: { source: ['commerce.orders'] },
    targets: [new targets.LambdaFunction(fn, { deadLetterQueue: queue })],
  });
  const api = new apigateway.RestApi(stack, 'Api', { deployOptions: { stageName: 'dev' } });
  api.root.addResource('orders').addMethod('GET', new apigateway.LambdaIntegration(fn), { apiKeyRequired: true });
  api.addApiKey('Key', { value: 'local-test-key-0123456789' });

  const never = new CfnCondition(stack, 'Never', { expression: Fn.conditionEquals(Stack.of(stack).region, 'mars-1') });
  const skipped = new sqs.Queue(stack, 'Skipped');
  (skipped.node.defaultChild as sqs.CfnQueue).cfnOptions.condition = never;

  new CfnOutput(stack, 'TableName', { value: table.tableName });
  new CfnOutput(stack, 'QueueArn', { value: queue.queueArn });
  app.synth();
  return outdir;
}

const byLogicalPrefix = (stack: LocalStack, type: string, prefix: string): StackResource => {
  const found = stack.byType(type).find((r) => r.logicalId.startsWith(prefix));
  if (!found) throw new Error(`no ${type} ${prefix}*`);
  return found;
};

describe('loadAssembly on a synthesised app', () => {
  let stacks: LocalStack[];
  let shop: LocalStack;
  let outdir: string;

  beforeAll(() => {
    outdir = synthFixture();
    stacks = loadAssembly(outdir, { region: 'us-east-1', accountId: '000000000000', edgeUrl: 'http://127.0.0.1:4566' });
    shop = stacks.find((s) => s.stackName === 'Shop')!;
  }, 60_000);

  it('loads every stack, exporting stacks before the stacks importing from them', () => {
    expect(stacks.map((s) => s.stackName)).toEqual(['Shared', 'Shop']);
    expect(shop).toMatchObject({ region: 'us-east-1', accountId: '000000000000', assemblyDir: outdir });
  });

  it('names tables and gives them Arn and StreamArn', () => {
    const orders = byLogicalPrefix(shop, 'AWS::DynamoDB::Table', 'Orders');
    expect(orders.physicalId).toBe(`Shop-${orders.logicalId}`);
    expect(orders.attributes.Arn).toBe(`arn:aws:dynamodb:us-east-1:000000000000:table/${orders.physicalId}`);
    expect(orders.attributes.StreamArn).toMatch(new RegExp(`^${orders.attributes.Arn}/stream/`));
    expect(orders.properties.GlobalSecondaryIndexes[0].IndexName).toBe('byStatus');
    const named = byLogicalPrefix(shop, 'AWS::DynamoDB::Table', 'Named');
    expect(named.physicalId).toBe('shop-named');
    expect(named.attributes.StreamArn).toBeUndefined();
  });

  it('names queues by URL on the edge, buckets in lower case, streams and functions', () => {
    const dlq = byLogicalPrefix(shop, 'AWS::SQS::Queue', 'Dlq');
    expect(dlq.physicalId).toBe(`http://127.0.0.1:4566/000000000000/Shop-${dlq.logicalId}`);
    expect(dlq.attributes).toMatchObject({
      QueueName: `Shop-${dlq.logicalId}`,
      Arn: `arn:aws:sqs:us-east-1:000000000000:Shop-${dlq.logicalId}`,
    });

    const bucket = byLogicalPrefix(shop, 'AWS::S3::Bucket', 'RawBucket');
    expect(bucket.physicalId).toBe(`shop-${bucket.logicalId.toLowerCase()}`);
    expect(bucket.attributes).toMatchObject({
      Arn: `arn:aws:s3:::${bucket.physicalId}`,
      DomainName: `${bucket.physicalId}.s3.amazonaws.com`,
      RegionalDomainName: `${bucket.physicalId}.s3.us-east-1.amazonaws.com`,
    });

    const stream = byLogicalPrefix(shop, 'AWS::Kinesis::Stream', 'Activity');
    expect(stream.attributes.Arn).toBe(`arn:aws:kinesis:us-east-1:000000000000:stream/${stream.physicalId}`);
    expect(stream.properties.ShardCount).toBe(2);

    const fn = byLogicalPrefix(shop, 'AWS::Lambda::Function', 'Handler');
    expect(fn.attributes.Arn).toBe(`arn:aws:lambda:us-east-1:000000000000:function:${fn.physicalId}`);
  });

  it("resolves a function's environment to local names, across stacks too", () => {
    const fn = byLogicalPrefix(shop, 'AWS::Lambda::Function', 'Handler');
    const table = byLogicalPrefix(shop, 'AWS::DynamoDB::Table', 'Orders');
    const env = fn.properties.Environment.Variables as Record<string, string>;
    expect(env).toEqual({
      TABLE: table.physicalId,
      STREAM_ARN: table.attributes.StreamArn,
      DLQ_URL: byLogicalPrefix(shop, 'AWS::SQS::Queue', 'Dlq').physicalId,
      BUCKET: byLogicalPrefix(shop, 'AWS::S3::Bucket', 'RawBucket').physicalId,
      ACTIVITY_STREAM: byLogicalPrefix(shop, 'AWS::Kinesis::Stream', 'Activity').physicalId,
      BUS_ARN: 'arn:aws:events:us-east-1:000000000000:event-bus/commerce-bus',
      NAMED_ARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/shop-named',
    });
    expect(fn.properties.Role).toBe(shop.find(fn.properties.Role)!.attributes.Arn);
    expect(fn.metadata['aws:cdk:path']).toBe('Shop/Handler/Resource');
  });

  it('gives rules on a custom bus their ARN and resolved targets', () => {
    const rule = shop.byType('AWS::Events::Rule')[0];
    expect(rule.physicalId).toBe(`commerce-bus|Shop-${rule.logicalId}`);
    expect(rule.attributes.Arn).toBe(`arn:aws:events:us-east-1:000000000000:rule/commerce-bus/Shop-${rule.logicalId}`);
    // CDK takes the bus name out of the imported ARN with Fn::Select / Fn::Split.
    expect(rule.properties.EventBusName).toBe('commerce-bus');
    expect(rule.properties.Targets[0]).toMatchObject({
      Arn: byLogicalPrefix(shop, 'AWS::Lambda::Function', 'Handler').attributes.Arn,
      DeadLetterConfig: { Arn: byLogicalPrefix(shop, 'AWS::SQS::Queue', 'Dlq').attributes.Arn },
    });
  });

  it('gives the REST API its id, root resource, resources, stage, deployment and key', () => {
    const api = shop.byType('AWS::ApiGateway::RestApi')[0];
    expect(api.physicalId).toMatch(/^[a-z0-9]{10}$/);
    expect(api.attributes.RootResourceId).toMatch(/^[a-z0-9]{10}$/);
    const resource = shop.byType('AWS::ApiGateway::Resource')[0];
    expect(resource.properties).toMatchObject({ ParentId: api.attributes.RootResourceId, PathPart: 'orders', RestApiId: api.physicalId });
    const method = shop.byType('AWS::ApiGateway::Method')[0];
    expect(method.properties).toMatchObject({ HttpMethod: 'GET', ResourceId: resource.physicalId, ApiKeyRequired: true });
    expect(method.properties.Integration.Uri).toBe(
      `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${byLogicalPrefix(shop, 'AWS::Lambda::Function', 'Handler').attributes.Arn}/invocations`,
    );
    const stage = shop.byType('AWS::ApiGateway::Stage')[0];
    expect(stage.physicalId).toBe('dev');
    expect(stage.properties.DeploymentId).toBe(shop.byType('AWS::ApiGateway::Deployment')[0].physicalId);
    const key = shop.byType('AWS::ApiGateway::ApiKey')[0];
    expect(key.attributes).toMatchObject({ APIKeyId: key.physicalId, Value: 'local-test-key-0123456789' });
  });

  it('leaves out resources whose condition is false, and resolves outputs', () => {
    expect(shop.resources.some((r) => r.logicalId.startsWith('Skipped'))).toBe(false);
    const table = byLogicalPrefix(shop, 'AWS::DynamoDB::Table', 'Orders');
    const api = shop.byType('AWS::ApiGateway::RestApi')[0];
    expect(shop.outputs).toEqual({
      TableName: table.physicalId,
      QueueArn: byLogicalPrefix(shop, 'AWS::SQS::Queue', 'Dlq').attributes.Arn,
      [Object.keys(shop.outputs).find((k) => k.startsWith('ApiEndpoint'))!]:
        `https://${api.physicalId}.execute-api.us-east-1.amazonaws.com/dev/`,
    });
  });

  it('finds a resource by logical id, physical id or any attribute value', () => {
    const table = byLogicalPrefix(shop, 'AWS::DynamoDB::Table', 'Orders');
    expect(shop.find(table.logicalId)).toBe(table);
    expect(shop.find(table.physicalId)).toBe(table);
    expect(shop.find(table.attributes.Arn)).toBe(table);
    expect(shop.find(table.attributes.StreamArn)).toBe(table);
    expect(shop.find('nothing-like-this')).toBeUndefined();
    expect(shop.byType('AWS::DynamoDB::Table')).toHaveLength(2);
  });

  it('gives the same names on every load (a kept data dir still matches)', () => {
    const again = loadAssembly(outdir, { edgeUrl: 'http://127.0.0.1:4566' }).find((s) => s.stackName === 'Shop')!;
    expect(again.resources.map((r) => [r.logicalId, r.physicalId, r.attributes])).toEqual(
      shop.resources.map((r) => [r.logicalId, r.physicalId, r.attributes]),
    );
  });
});

describe('loadAssembly errors', () => {
  function writeAssembly(template: unknown): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'assembly-bad-'));
    writeFileSync(path.join(dir, 'Bad.template.json'), JSON.stringify(template));
    writeFileSync(
      path.join(dir, 'manifest.json'),
      JSON.stringify({
        version: '55.0.0',
        artifacts: { Bad: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Bad.template.json' } } },
      }),
    );
    return dir;
  }

  it('names the path of an unresolvable reference', () => {
    const dir = writeAssembly({
      Resources: { Fn: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { T: { Ref: 'Gone' } } } } } },
    });
    expect(() => loadAssembly(dir)).toThrow(
      "Resources.Fn.Properties.Environment.Variables.T.Ref: Ref to 'Gone', which is neither a resource nor a parameter",
    );
  });

  it('names an attribute the local cloud does not know on a modelled type', () => {
    const dir = writeAssembly({
      Resources: {
        T: { Type: 'AWS::DynamoDB::Table', Properties: {} },
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { S: { 'Fn::GetAtt': ['T', 'StreamArn'] } } } } },
      },
    });
    expect(() => loadAssembly(dir)).toThrow(
      /Resources\.Fn\.Properties\.Environment\.Variables\.S\.Fn::GetAtt: .*attribute 'StreamArn' of AWS::DynamoDB::Table \(known: Arn\)/,
    );
  });

  it('says what to do about a parameter without a value, and uses defaults otherwise', () => {
    const template = {
      Parameters: {
        Needed: { Type: 'String' },
        Size: { Type: 'Number', Default: 3 },
        BootstrapVersion: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/cdk-bootstrap/hnb659fds/version' },
      },
      Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: { DelaySeconds: { Ref: 'Size' }, QueueName: { Ref: 'Needed' } } } },
    };
    expect(() => loadAssembly(writeAssembly(template))).toThrow(
      /Resources\.Q\.Properties\.QueueName\.Ref: parameter 'Needed' has no Default/,
    );
    const [stack] = loadAssembly(writeAssembly(template), { parameters: { Needed: 'given' } });
    expect(stack.byType('AWS::SQS::Queue')[0]).toMatchObject({
      physicalId: 'http://localhost:4566/000000000000/given',
      properties: { DelaySeconds: '3' },
    });
  });

  it('explains a missing cdk.out', () => {
    expect(() => loadAssembly(path.join(tmpdir(), 'no-such-cdk-out'))).toThrow(/manifest\.json not found: run `cdk synth` first/);
  });
});
