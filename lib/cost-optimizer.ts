import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StageConfig } from './config';
import { deadLetterQueue } from './event-bus';
import { acknowledge } from './nag';
import { ServiceFunction } from './service-function';

/** Must match REPORT_PREFIX in lambda/cost-optimizer/domain/report.ts (lib/ never imports lambda/). */
const REPORT_PREFIX = 'reports/cost/';

export interface CostOptimizerProps {
  readonly config: StageConfig;
  /** Where the daily report goes, under `reports/cost/` only (e.g. the analytics raw-logs bucket). */
  readonly reportsBucket: s3.IBucket;
  /** When the report runs (default: daily at 06:00 UTC). */
  readonly schedule?: events.Schedule;
  /** Observation window in hours (default 24). */
  readonly windowHours?: number;
  /** Price table the report uses (default us-east-1, the only one the model has). */
  readonly pricingRegion?: string;
}

/**
 * The daily Lambda cost report: a scheduled function that reads the stack's
 * functions and their CloudWatch metrics, runs the threshold and balanced
 * strategies and writes `reports/cost/YYYY-MM-DD.json`. It can only read:
 * GetMetricData, Lambda list/configuration/tags, and PutObject under the
 * report prefix — no permission to change a function. The schedule target
 * retries and has an encrypted, TLS-only dead-letter queue, which also takes
 * the function's own failed asynchronous invocations (its on-failure destination).
 */
export class CostOptimizer extends Construct {
  readonly function: ServiceFunction;
  readonly rule: events.Rule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: CostOptimizerProps) {
    super(scope, id);
    const { config, reportsBucket } = props;
    const stack = Stack.of(this);

    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetterQueue', config);

    this.function = new ServiceFunction(this, 'DailyReport', {
      entry: 'cost-optimizer/daily-report.ts',
      service: 'cost-optimizer',
      config,
      timeout: Duration.minutes(5),
      retryAttempts: 2,
      // An on-failure destination, not a function DLQ: its record names the function and
      // carries the event, so `npm run redrive` can re-invoke it (a function DLQ message names neither).
      onFailure: new SqsDestination(this.deadLetterQueue),
      environment: {
        STACK_NAME: stack.stackName,
        REPORTS_BUCKET: reportsBucket.bucketName,
        WINDOW_HOURS: String(props.windowHours ?? 24),
        PRICING_REGION: props.pricingRegion ?? 'us-east-1',
      },
    });

    const functionsArn = stack.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.function.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadMetrics', actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
    this.function.addToRolePolicy(new iam.PolicyStatement({ sid: 'ListFunctions', actions: ['lambda:ListFunctions'], resources: ['*'] }));
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadFunctions',
        actions: ['lambda:GetFunctionConfiguration', 'lambda:ListTags'],
        resources: [functionsArn],
      }),
    );
    const reportObjects = reportsBucket.arnForObjects(`${REPORT_PREFIX}*`);
    this.function.addToRolePolicy(new iam.PolicyStatement({ sid: 'WriteReports', actions: ['s3:PutObject'], resources: [reportObjects] }));
    reportsBucket.encryptionKey?.grant(this.function, 'kms:GenerateDataKey');

    this.rule = new events.Rule(this, 'Schedule', {
      description: 'Daily Lambda cost report',
      schedule: props.schedule ?? events.Schedule.cron({ minute: '0', hour: '6' }),
    });
    this.rule.addTarget(
      new targets.LambdaFunction(this.function, {
        retryAttempts: 4,
        maxEventAge: Duration.hours(6),
        deadLetterQueue: this.deadLetterQueue,
      }),
    );

    this.acknowledgeFindings([functionsArn, reportObjects]);
  }

  /** cdk-nag findings that cannot be fixed, each with its reason (cdk-nag 3 reads these). */
  private acknowledgeFindings(wildcardResources: string[]): void {
    const stack = Stack.of(this);
    const role = this.function.role as iam.Role;
    // On the role's policy (where the finding is), next to ServiceFunction's X-Ray reason on the role.
    const policy = role.node.tryFindChild('DefaultPolicy') ?? role;
    acknowledge(
      policy,
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason:
          'cloudwatch:GetMetricData and lambda:ListFunctions support no resource-level permissions ' +
          '(nor do the X-Ray actions of active tracing).',
      },
      ...wildcardResources.map((resource) => ({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${flattenReference(stack.resolve(resource))}]`,
        reason:
          "Reads configuration and tags of any function in this account and region to find the stack's own " +
          '(names are generated, so they are not known here); writes only under the reports/cost/ prefix, one key a day.',
      })),
    );
  }
}

/**
 * A resolved CloudFormation value flattened the way cdk-nag names IAM5 findings
 * (`<Logical.Arn>`, `<AWS::Region>`, joins concatenated), so an acknowledgement
 * names exactly one finding instead of silencing the whole rule.
 */
function flattenReference(node: unknown): string {
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (Array.isArray(o['Fn::Join'])) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flattenReference).join(delimiter);
    }
    if (o['Fn::Sub'] !== undefined) return flattenReference(o['Fn::Sub']);
    if (Array.isArray(o['Fn::GetAtt'])) {
      const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
      return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
    }
    if (o['Fn::ImportValue'] !== undefined) return flattenReference(o['Fn::ImportValue']);
    if (o.Ref !== undefined) return `<${flattenReference(o.Ref)}>`;
  }
  return JSON.stringify(node);
}
