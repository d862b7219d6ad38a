/**
 * The platform's failures are seen: from the synthesised template, the alarm
 * topic is on a customer managed key CloudWatch may use; every queue the
 * template uses as a dead-letter target (rule targets, async invocations,
 * functions, stream mappings, redrive policies) has its depth alarm, computed
 * from the template so a new DLQ without an alarm fails here; and the age of
 * PENDING orders is alarmed.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { resourcesOf, synthesisePlatform, type Resources, type TemplateResource } from '../support/synth';

// The template only (no bundling): cdk-nag still runs in the synth.
let dev: ReturnType<typeof resourcesOf> | undefined;
beforeAll(() => {
  dev = resourcesOf(synthesisePlatform('dev', { bundle: false }));
});
const stage = {
  get resources(): Resources {
    return dev!.resources;
  },
};
const ofType = (type: string): [string, TemplateResource][] => dev!.ofType(type);

/** The logical id behind `{ 'Fn::GetAtt': [id, 'Arn'] }` (or a `Ref`), else undefined. */
function referencedId(value: unknown): string | undefined {
  const v = value as { 'Fn::GetAtt'?: [string, string]; Ref?: string } | undefined;
  return v?.['Fn::GetAtt']?.[0] ?? v?.Ref;
}

/** Every queue some resource of `resources` sends its failures to, by logical id. */
export function deadLetterTargets(resources: Resources): Set<string> {
  const found = new Set<string>();
  const add = (value: unknown) => {
    const id = referencedId(value);
    if (id && resources[id]?.Type === 'AWS::SQS::Queue') found.add(id);
  };
  for (const resource of Object.values(resources)) {
    const p = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::Events::Rule':
        for (const target of p.Targets ?? []) add(target.DeadLetterConfig?.Arn);
        break;
      case 'AWS::Lambda::EventInvokeConfig':
      case 'AWS::Lambda::EventSourceMapping':
        add(p.DestinationConfig?.OnFailure?.Destination);
        break;
      case 'AWS::Lambda::Function':
        add(p.DeadLetterConfig?.TargetArn);
        break;
      case 'AWS::SQS::Queue':
        add(p.RedrivePolicy?.deadLetterTargetArn);
        break;
    }
  }
  return found;
}

/** The dead-letter queues of `resources` that no depth alarm watches. */
function unalarmed(resources: Resources): string[] {
  const watched = Object.values(resources)
    .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    .filter((r) => r.Properties.Namespace === 'AWS/SQS' && r.Properties.MetricName === 'ApproximateNumberOfMessagesVisible')
    .map((r) => referencedId(r.Properties.Dimensions?.[0]?.Value));
  return [...deadLetterTargets(resources)].filter((id) => !watched.includes(id));
}

const topicId = () => ofType('AWS::SNS::Topic').find(([id]) => id.startsWith('ObservabilityAlarms'))![0];

describe('alarm topic', () => {
  it('is encrypted with a customer managed key that rotates', () => {
    const [, topic] = ofType('AWS::SNS::Topic').find(([id]) => id === topicId())!;
    const keyId = referencedId(topic.Properties.KmsMasterKeyId)!;
    expect(stage.resources[keyId]).toMatchObject({ Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } });
    expect(JSON.stringify(topic.Properties.KmsMasterKeyId)).not.toContain('alias/aws/sns');
  });

  it("lets CloudWatch alarms of this account and region use the key and publish, and nothing else of CloudWatch's", () => {
    const [, topic] = ofType('AWS::SNS::Topic').find(([id]) => id === topicId())!;
    const key = stage.resources[referencedId(topic.Properties.KmsMasterKeyId)!]!;
    const forCloudWatch = key.Properties.KeyPolicy.Statement.filter((s: any) => s.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect(forCloudWatch).toHaveLength(1);
    expect(forCloudWatch[0]).toMatchObject({ Effect: 'Allow', Resource: '*' });
    expect([forCloudWatch[0].Action].flat().sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    expect(forCloudWatch[0].Condition.StringEquals['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
    expect(JSON.stringify(forCloudWatch[0].Condition.ArnLike['aws:SourceArn'])).toContain(':alarm:*');

    const publish = ofType('AWS::SNS::TopicPolicy')
      .filter(([, p]) => p.Properties.Topics.some((t: unknown) => referencedId(t) === topicId()))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => s.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect(publish).toEqual([expect.objectContaining({ Effect: 'Allow', Action: 'sns:Publish', Condition: forCloudWatch[0].Condition })]);
  });

  it('is what every alarm notifies', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(10);
    for (const [id, alarm] of alarms) expect(`${id}: ${JSON.stringify(alarm.Properties.AlarmActions)}`).toContain(topicId());
  });
});

describe('dead-letter queues', () => {
  it('each has exactly one depth alarm (from the template: rule targets, async invocations, stream mappings)', () => {
    const dlqs = deadLetterTargets(stage.resources);
    // Every EventBus consumer, the outbox publisher, the engagement consumer, the cost optimiser, the PENDING-age probe.
    expect(dlqs.size).toBeGreaterThanOrEqual(12);
    expect([...dlqs].some((id) => id.startsWith('CostOptimizerDeadLetterQueue'))).toBe(true);
    expect(unalarmed(stage.resources)).toEqual([]);
    for (const id of dlqs) {
      const alarms = ofType('AWS::CloudWatch::Alarm').filter(
        ([, a]) =>
          a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' && referencedId(a.Properties.Dimensions[0].Value) === id,
      );
      expect(alarms.map(([, a]) => ({ Threshold: a.Properties.Threshold, Dimensions: a.Properties.Dimensions }))).toEqual([
        { Threshold: 1, Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }] },
      ]);
    }
  });

  it('are every queue of the stack (no queue other than a dead-letter queue exists to alarm on)', () => {
    expect(
      ofType('AWS::SQS::Queue')
        .map(([id]) => id)
        .sort(),
    ).toEqual([...deadLetterTargets(stage.resources)].sort());
  });

  it('a queue used as a DLQ without the registry is found unalarmed (so the check above can fail)', () => {
    const stack = new Stack(new App(), 'Unregistered');
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {};'),
    });
    const raw = new sqs.Queue(stack, 'RawDlq');
    new events.Rule(stack, 'Rule', { eventPattern: { source: ['x'] } }).addTarget(new targets.LambdaFunction(fn, { deadLetterQueue: raw }));
    const resources = Template.fromStack(stack).toJSON().Resources as Resources;
    expect(unalarmed(resources)).toEqual([stack.getLogicalId(raw.node.defaultChild as sqs.CfnQueue)]);
  });
});

describe('PENDING orders', () => {
  it('are alarmed when the oldest has waited 15 minutes', () => {
    const alarm = ofType('AWS::CloudWatch::Alarm').find(([, a]) => a.Properties.MetricName === 'OldestPendingOrderAge');
    expect(alarm?.[1].Properties).toMatchObject({
      Namespace: 'ServerlessCommerce',
      Dimensions: [{ Name: 'service', Value: 'orders' }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 900,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('are measured every 5 minutes by a probe that may only query the byStatus index', () => {
    const [probeId, probe] = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith('PendingOrdersProbe'))!;
    expect(probe.Properties.Environment.Variables).toMatchObject({
      ORDERS_TABLE: { Ref: expect.stringMatching(/^OrderSagaOrdersTable/) },
      ORDERS_BY_STATUS_INDEX: 'byStatus',
    });
    const [, table] = ofType('AWS::DynamoDB::Table').find(([id]) => id.startsWith('OrderSagaOrdersTable'))!;
    expect(table.Properties.GlobalSecondaryIndexes).toContainEqual({
      IndexName: 'byStatus',
      KeySchema: [
        { AttributeName: 'status', KeyType: 'HASH' },
        { AttributeName: 'createdAt', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    });
    const schedule = ofType('AWS::Events::Rule').find(([, r]) =>
      (r.Properties.Targets ?? []).some((t: any) => referencedId(t.Arn) === probeId),
    );
    expect(schedule?.[1].Properties.ScheduleExpression).toBe('rate(5 minutes)');
    const roleId = probe.Properties.Role['Fn::GetAtt'][0];
    const queries = ofType('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: unknown) => referencedId(r) === roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('dynamodb:')));
    expect(queries).toHaveLength(1);
    expect(queries[0].Action).toBe('dynamodb:Query');
    expect(JSON.stringify(queries[0].Resource)).toContain('/index/byStatus');
  });
});
