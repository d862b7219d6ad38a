import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageConfig } from '../../lib/config';
import { CostOptimizer } from '../../lib/cost-optimizer';
import { acknowledge } from '../../lib/nag';

/** A bare stack holding only the construct and a test bucket, synthesised with cdk-nag as bin/app.ts does. */
function synth(bucketProps: s3.BucketProps = {}) {
  const outdir = mkdtempSync(path.join(tmpdir(), 'cdk-cost-optimizer-'));
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'CostOptimizerTest');
  const bucket = new s3.Bucket(stack, 'Reports', { enforceSSL: true, ...bucketProps });
  acknowledge(bucket, { id: 'AwsSolutions::AwsSolutions-S1', reason: "Test fixture: the real reports bucket is the platform stack's." });
  const optimizer = new CostOptimizer(stack, 'CostOptimizer', { config: stageConfig('dev'), reportsBucket: bucket });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth(); // throws on an unacknowledged cdk-nag error
  return { outdir, stack, bucket, optimizer, template: Template.fromStack(stack) };
}

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    JSON.stringify(p.Properties.Roles).includes(roleLogicalId),
  );
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

describe('CostOptimizer', () => {
  const { outdir, stack, bucket, optimizer, template } = synth();
  const bucketId = stack.getLogicalId(bucket.node.defaultChild as never);
  const fnId = stack.getLogicalId(optimizer.function.node.defaultChild as never);
  const dlqId = stack.getLogicalId(optimizer.deadLetterQueue.node.defaultChild as never);
  const roleId = stack.getLogicalId(optimizer.function.role!.node.defaultChild as never);

  it('deploys the daily report function with ServiceFunction defaults and its settings', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 300,
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'cost-optimizer',
          STACK_NAME: 'CostOptimizerTest',
          REPORTS_BUCKET: { Ref: Match.stringLikeRegexp('^Reports') },
          WINDOW_HOURS: '24',
          PRICING_REGION: 'us-east-1',
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId },
      MaximumRetryAttempts: 2,
      // Failed asynchronous invocations go to the DLQ as on-failure records (they name the function: redrive re-invokes it).
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlqId, 'Arn'] } } },
    });
    const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Timeout === 300);
    expect(fn?.Properties.DeadLetterConfig).toBeUndefined();
  });

  it('runs it daily from a schedule rule whose target retries and has the DLQ', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 6 * * ? *)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 21600 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
        }),
      ],
    });
  });

  it('has an encrypted, TLS-only dead-letter queue that the rule may write to', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 4 * 24 * 3600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: dlqId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sqs:SendMessage', Principal: { Service: 'events.amazonaws.com' } }),
        ]),
      },
    });
  });

  it("grants only reads of metrics and functions, the report write, and the function's own plumbing", () => {
    const statements = roleStatements(template, roleId);
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(new Set(actionsOf(statements))).toEqual(
      new Set([
        // the job
        'cloudwatch:GetMetricData',
        'lambda:ListFunctions',
        'lambda:GetFunctionConfiguration',
        'lambda:ListTags',
        's3:PutObject',
        // every ServiceFunction: its log group, active tracing; and its own DLQ for failed async invocations
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        'sqs:SendMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
      ]),
    );
    const put = statements.find((s) => s.Action === 's3:PutObject');
    expect(put?.Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/reports/cost/*']] });
    const reads = statements.find((s) => Array.isArray(s.Action) && s.Action.includes('lambda:ListTags'));
    expect(JSON.stringify(reads?.Resource)).toContain(':function:*');
    const role = template.findResources('AWS::IAM::Role')[roleId];
    expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('passes cdk-nag: no unacknowledged finding, and every acknowledgement has a reason', () => {
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    const nag = report.pluginReports.find((p: { pluginName: string }) => p.pluginName === 'AwsSolutions');
    expect(nag.violations).toEqual([]);
    for (const v of nag.suppressedViolations ?? []) expect(v.reason.length).toBeGreaterThan(20);
    const ids = (nag.suppressedViolations ?? []).map((v: { ruleName: string }) => v.ruleName);
    expect(ids).toEqual(
      expect.arrayContaining([
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:*]',
        `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/reports/cost/*]`,
      ]),
    );
  });

  it('bundles a handler the template names', () => {
    const fn = template.findResources('AWS::Lambda::Function')[fnId];
    const bundle = path.join(outdir, fn?.Metadata['aws:asset:path'], 'index.mjs');
    const script = `import(${JSON.stringify(bundle)}).then(m => process.stdout.write(typeof m.handler))`;
    const kind = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, AWS_REGION: 'us-east-1' } }).toString();
    expect(kind).toBe('function');
  });

  it('may use a KMS-encrypted bucket: it can then generate a data key, and nothing more of the key', () => {
    const kmsStack = synth({ encryption: s3.BucketEncryption.KMS, encryptionKey: undefined });
    const kmsRoleId = kmsStack.stack.getLogicalId(kmsStack.optimizer.function.role!.node.defaultChild as never);
    const actions = actionsOf(roleStatements(kmsStack.template, kmsRoleId));
    expect(actions.filter((a) => a.startsWith('kms:'))).toEqual(['kms:GenerateDataKey']);
    expect(kmsStack.bucket.encryptionKey).toBeInstanceOf(kms.Key);
  });
});
