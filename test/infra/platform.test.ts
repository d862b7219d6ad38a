import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { devStage, synthesisePlatform } from '../support/synth';

const stage = devStage();
const { ofType } = stage;
const functionId = (prefix: string) => {
  const found = ofType('AWS::Lambda::Function').find(([id]) => id.startsWith(prefix));
  if (!found) throw new Error(`no function ${prefix}`);
  return found[0];
};

/** The actions the function's role may perform, from every policy attached to that role. */
function actionsOf(fnLogicalId: string): string[] {
  const roleRef = stage.resources[fnLogicalId]!.Properties.Role['Fn::GetAtt'][0];
  return ofType('AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((role: any) => role.Ref === roleRef))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()))
    .sort();
}

const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const XRAY = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
/** What an SQS on-failure destination needs (CDK's grantSendMessages). */
const DESTINATION = ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'];
/** What a DynamoDB stream event source mapping reads with (CDK's table.grantStreamRead). */
const DYNAMODB_STREAM_READ = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];

/** Every statement of the policies attached to the function's role. */
function statementsOf(fnLogicalId: string): { Action: string | string[]; Resource: unknown }[] {
  const roleRef = stage.resources[fnLogicalId]!.Properties.Role['Fn::GetAtt'][0];
  return ofType('AWS::IAM::Policy')
    .filter(([, policy]) => policy.Properties.Roles.some((role: any) => role.Ref === roleRef))
    .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement);
}

describe('platform stack (dev)', () => {
  it('serves both users routes through Lambda proxy integrations', () => {
    const paths = ofType('AWS::ApiGateway::Resource').map(([, r]) => r.Properties.PathPart);
    expect(paths).toEqual(expect.arrayContaining(['users', '{userId}']));
    const methods = ofType('AWS::ApiGateway::Method').map(([, r]) => `${r.Properties.HttpMethod} ${r.Properties.Integration.Type}`);
    expect(methods).toEqual(expect.arrayContaining(['POST AWS_PROXY', 'GET AWS_PROXY']));
    stage.dev.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'dev',
      TracingEnabled: true,
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
  });

  it('defines every function the same way: Node.js 22, arm64, active tracing, ESM bundle', () => {
    const functions = ofType('AWS::Lambda::Function').filter(([, r]) => r.Metadata?.['aws:asset:path']);
    expect(functions.length).toBeGreaterThanOrEqual(4);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
        LoggingConfig: { LogGroup: expect.anything() },
      });
    }
  });

  it('has the bus and two UserCreated rules, each target with retries and a DLQ', () => {
    expect(ofType('AWS::Events::EventBus')).toHaveLength(1);
    const rules = ofType('AWS::Events::Rule').filter(([, r]) => JSON.stringify(r.Properties.EventPattern ?? {}).includes('UserCreated'));
    expect(rules).toHaveLength(2);
    for (const [, rule] of rules) {
      expect(rule.Properties.Targets).toEqual([
        expect.objectContaining({
          DeadLetterConfig: { Arn: expect.anything() },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
        }),
      ]);
    }
    // The consumers' own async failures go to the same DLQs.
    const consumers = rules.map(([, rule]) => rule.Properties.Targets[0].Arn['Fn::GetAtt'][0]);
    const invokeConfigs = ofType('AWS::Lambda::EventInvokeConfig').filter(([, c]) => consumers.includes(c.Properties.FunctionName.Ref));
    expect(invokeConfigs).toHaveLength(2);
    for (const [, config] of invokeConfigs) {
      expect(config.Properties).toMatchObject({
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: expect.anything() } },
      });
    }
  });

  it('keeps data in encrypted on-demand tables with no fixed names', () => {
    const tables = ofType('AWS::DynamoDB::Table');
    expect(tables.length).toBeGreaterThanOrEqual(2);
    for (const [, table] of tables) {
      expect(table.Properties.TableName).toBeUndefined();
      expect(table.Properties).toMatchObject({ BillingMode: 'PAY_PER_REQUEST', SSESpecification: { SSEEnabled: true } });
    }
  });

  it('grants each function only the actions it calls', () => {
    // Only writes (the post-confirmation trigger): UserCreated goes out from the table's stream.
    expect(actionsOf(functionId('UsersRegisterProfile'))).toEqual(['dynamodb:PutItem', ...LOGS, ...XRAY].sort());
    expect(actionsOf(functionId('UsersValidateSignUp'))).toEqual([...LOGS, ...XRAY].sort());
    expect(actionsOf(functionId('UsersPublishUserEvents'))).toEqual(
      [...DYNAMODB_STREAM_READ, 'events:PutEvents', ...DESTINATION, ...LOGS, ...XRAY].sort(),
    );
    expect(actionsOf(functionId('UsersGetUser'))).toEqual(['dynamodb:GetItem', ...LOGS, ...XRAY].sort());
    expect(actionsOf(functionId('UsersUpdateStatistics'))).toEqual(
      ['dynamodb:PutItem', 'dynamodb:UpdateItem', ...DESTINATION, ...LOGS, ...XRAY].sort(),
    );
    // UserCreated names the user only: the welcome email reads name and address (GetItem on the users table).
    expect(actionsOf(functionId('NotificationsWelcome'))).toEqual(
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', ...DESTINATION, ...LOGS, ...XRAY].sort(),
    );
  });

  it('streams the users table (new images) to the outbox publisher: small batches, bisect, partial failures, bounded retries, a DLQ', () => {
    const [tableId, usersTable] = ofType('AWS::DynamoDB::Table').find(([id]) => id.startsWith('UsersTable'))!;
    expect(usersTable.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
    const mappings = ofType('AWS::Lambda::EventSourceMapping').filter(([, m]) =>
      JSON.stringify(m.Properties.EventSourceArn).includes(tableId),
    );
    expect(mappings).toHaveLength(1);
    const [dlqId, dlq] = ofType('AWS::SQS::Queue').find(([id]) => id.startsWith('UsersPublisherDlq'))!;
    expect(mappings[0]![1].Properties).toEqual({
      EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      FunctionName: { Ref: functionId('UsersPublishUserEvents') },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 10,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 86400,
      ParallelizationFactor: 1,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlqId, 'Arn'] } } },
      FilterCriteria: {
        Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['user'] } } } }) }],
      },
      Tags: expect.any(Array),
    });
    expect(dlq.Properties).toMatchObject({ SqsManagedSseEnabled: true });
    // The publisher may read that stream and put events on the bus, nothing else of the table or of other buses.
    const publisher = functionId('UsersPublishUserEvents');
    const statements = statementsOf(publisher);
    const busId = ofType('AWS::Events::EventBus')[0]![0];
    expect(statements.filter((s) => [s.Action].flat().includes('events:PutEvents')).map((s) => s.Resource)).toEqual([
      { 'Fn::GetAtt': [busId, 'Arn'] },
    ]);
    expect(statements.filter((s) => [s.Action].flat().includes('dynamodb:GetRecords')).map((s) => s.Resource)).toEqual([
      { 'Fn::GetAtt': [tableId, 'StreamArn'] },
    ]);
    expect(stage.resources[publisher]!.Properties.Environment.Variables).toMatchObject({
      EVENT_BUS_NAME: { Ref: busId },
      POWERTOOLS_SERVICE_NAME: 'users',
    });
    expect(stage.resources[publisher]!.Properties.Environment.Variables.USERS_TABLE).toBeUndefined();
  });

  it("alarms on the outbox publisher's DLQ and iterator age", () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const dlqId = ofType('AWS::SQS::Queue').find(([id]) => id.startsWith('UsersPublisherDlq'))![0];
    expect(alarms.some((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible' && JSON.stringify(a.Dimensions).includes(dlqId))).toBe(
      true,
    );
    const publisher = functionId('UsersPublishUserEvents');
    expect(alarms.some((a) => a.MetricName === 'IteratorAge' && JSON.stringify(a.Dimensions).includes(publisher))).toBe(true);
  });

  it('uses no AWS managed policy on function roles', () => {
    for (const [id] of ofType('AWS::Lambda::Function').filter(([, r]) => r.Metadata?.['aws:asset:path'])) {
      const role = stage.resources[stage.resources[id]!.Properties.Role['Fn::GetAtt'][0]]!;
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('has a dashboard and alarms on errors, throttles, DLQ depth and the API', () => {
    expect(ofType('AWS::CloudWatch::Dashboard')).toHaveLength(1);
    const metrics = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties.MetricName);
    expect(metrics).toEqual(expect.arrayContaining(['Errors', 'Throttles', 'ApproximateNumberOfMessagesVisible', '5XXError', 'Latency']));
  });

  it('bundles each handler so that the name in the template is a function the bundle exports', () => {
    for (const [id, fn] of ofType('AWS::Lambda::Function').filter(([, r]) => r.Metadata?.['aws:asset:path'])) {
      const bundle = path.join(stage.dev.outdir, fn.Metadata['aws:asset:path'], 'index.mjs');
      const exported = fn.Properties.Handler.split('.').pop();
      const script = `import(${JSON.stringify(bundle)}).then(m => process.stdout.write(typeof m[${JSON.stringify(exported)}]))`;
      const kind = execFileSync(process.execPath, ['-e', script], {
        // The template's environment: literal values as they are, references (table names...) as placeholders.
        env: {
          ...process.env,
          ...Object.fromEntries(
            Object.entries(fn.Properties.Environment?.Variables ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : 'x']),
          ),
        },
      }).toString();
      expect(`${id}: ${kind}`).toBe(`${id}: function`);
    }
  });
});

describe('prod stage', () => {
  it('retains data and enables point-in-time recovery', () => {
    const prod = synthesisePlatform('prod').template;
    prod.allResourcesProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    for (const table of Object.values(prod.findResources('AWS::DynamoDB::Table'))) {
      expect(table.DeletionPolicy).toBe('Retain');
    }
  });
});

describe('cdk-nag', () => {
  it('fails the synth on an unacknowledged finding (so a clean synth means something)', () => {
    const app = new App({ outdir: path.join(stage.dev.outdir, 'nag-negative') });
    const stack = new Stack(app, 'Bad');
    new sqs.Queue(stack, 'Unencrypted', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow();
  });
});
