import { Duration } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StageConfig } from './config';

export interface ObservabilityProps {
  readonly config: StageConfig;
  readonly restApi: apigateway.RestApi;
  readonly functions: readonly lambda.IFunction[];
  readonly deadLetterQueues: readonly { readonly name: string; readonly queue: sqs.IQueue }[];
  /** Alarms on other things (e.g. Kinesis iterator age) contributed by a context. */
  readonly extraAlarms?: readonly { readonly id: string; readonly metric: cloudwatch.IMetric; readonly threshold: number }[];
}

/**
 * One dashboard and the alarms an operator needs: every function's errors and
 * throttles, every DLQ's depth, the API's 5xx rate and p99 latency. All alarms
 * notify one encrypted SNS topic; subscribe an address to it after deploy.
 */
export class Observability extends Construct {
  readonly alarmTopic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.alarmTopic = new sns.Topic(this, 'Alarms', {
      enforceSSL: true,
      masterKey: kms.Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });
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
    for (const { name, queue } of props.deadLetterQueues) {
      const depth = queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' });
      alarms.push(alarm(`${name}DlqDepth`, depth, 1, `Dead letters waiting in ${name}`));
    }
    for (const extra of props.extraAlarms ?? []) alarms.push(alarm(extra.id, extra.metric, extra.threshold, extra.id));

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
}
