import { Duration, Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { StageConfig } from './config';
import { deadLetterQueuesOf } from './dead-letter-queues';

export interface ObservabilityProps {
  readonly config: StageConfig;
  readonly restApi: apigateway.RestApi;
  readonly functions: readonly lambda.IFunction[];
  /** Alarms on other things (e.g. Kinesis iterator age, the age of PENDING orders) contributed by a context. */
  readonly extraAlarms?: readonly ContextAlarm[];
}

/** An alarm a context asks for: alarmed when `metric` is at or above `threshold`. */
export interface ContextAlarm {
  readonly id: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly description?: string;
}

/**
 * One dashboard and the alarms an operator needs: every function's errors and
 * throttles, the depth of every dead-letter queue of the stack (found in the
 * registry, lib/dead-letter-queues.ts: no list to keep), the API's 5xx rate and
 * p99 latency, and what the contexts add. All alarms notify one SNS topic
 * encrypted with a customer managed key (rotated yearly) whose policy lets
 * CloudWatch use it — CloudWatch cannot use the AWS managed SNS key, so an alarm
 * on such a topic would never notify anyone. Subscribe an address after deploy.
 * Construct it last in the stack: it alarms on the DLQs that exist by then.
 */
export class Observability extends Construct {
  readonly alarmTopic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const masterKey = new kms.Key(this, 'AlarmsKey', {
      description: 'Encrypts the alarm topic; CloudWatch alarms of this account and region may use it to publish',
      enableKeyRotation: true,
      removalPolicy: props.config.removalPolicy,
    });
    this.alarmTopic = new sns.Topic(this, 'Alarms', { enforceSSL: true, masterKey });
    this.allowCloudWatchAlarms(masterKey);
    const notify = new actions.SnsAction(this.alarmTopic);
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(notify);
      return created;
    };

    const period = Duration.minutes(5);
    const api = props.restApi;
    const apiErrors = api.metricServerError({ period, statistic: 'Sum' });
    const apiLatency = api.metricLatency({ period, statistic: 'p99' });
    alarm('Api5xx', apiErrors, 5, 'API Gateway answered 5xx');
    alarm('ApiLatencyP99', apiLatency, 2_000, 'API p99 latency over 2 s');

    const alarms: cloudwatch.IAlarm[] = [];
    props.functions.forEach((fn, index) => {
      alarms.push(alarm(`Fn${index}Errors`, fn.metricErrors({ period }), 1, `${fn.node.path} errors`));
      alarms.push(alarm(`Fn${index}Throttles`, fn.metricThrottles({ period }), 1, `${fn.node.path} throttled`));
    });
    for (const queue of deadLetterQueuesOf(this)) {
      const depth = queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' });
      const name = queue.displayName;
      alarms.push(alarm(`${name}DlqDepth`, depth, 1, `Dead letters waiting in ${name}: see why, fix, then npm run redrive -- ${name}`));
    }
    for (const extra of props.extraAlarms ?? []) {
      alarms.push(alarm(extra.id, extra.metric, extra.threshold, extra.description ?? extra.id));
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'API 5xx', left: [apiErrors], width: 12 }),
      new cloudwatch.GraphWidget({ title: 'API latency p99', left: [apiLatency], width: 12 }),
      new cloudwatch.GraphWidget({
        title: 'Lambda errors',
        left: props.functions.map((fn) => fn.metricErrors({ period })),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda duration p90',
        left: props.functions.map((fn) => fn.metricDuration({ period, statistic: 'p90' })),
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24 }),
    );
  }

  /**
   * CloudWatch publishes to an encrypted topic with the topic's key: it needs
   * kms:GenerateDataKey* and kms:Decrypt on it (SNS developer guide, "Enable
   * compatibility between event sources from AWS services and encrypted
   * topics"), and sns:Publish on the topic. Both only on behalf of this
   * account's alarms in this region (aws:SourceAccount, aws:SourceArn), so the
   * service principal cannot be used as a confused deputy.
   */
  private allowCloudWatchAlarms(key: kms.Key): void {
    const stack = Stack.of(this);
    const principal = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    const conditions = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*` },
    };
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [principal],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions,
      }),
    );
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [principal],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions,
      }),
    );
  }
}
