import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Construct } from 'constructs';
import type { StageConfig } from './config';
import { deadLetterQueue } from './dead-letter-queues';
import { ENV } from '#contracts/environment';
import { SOURCE_PREFIX } from '#contracts/events';

export interface Subscription {
  /** Event names (`detail-type`) that trigger the consumer. */
  readonly detailTypes: string[];
  /** Producer contexts (`commerce.<context>`); any platform source when omitted. */
  readonly sources?: string[];
}

/** The DLQ factory (dead-letter-queues.ts), re-exported where the contexts have always found it. */
export { deadLetterQueue };

/**
 * The platform's one custom event bus, and the one way to consume from it: a
 * rule per consumer whose target has retries and a dead-letter queue, and the
 * same DLQ for the function's own asynchronous failures — so an event that
 * cannot be processed always ends up somewhere an operator can see it.
 */
export class EventBus extends Construct {
  readonly bus: events.EventBus;

  constructor(
    scope: Construct,
    id: string,
    private readonly config: StageConfig,
  ) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus');
    new CfnOutput(this, 'BusName', { key: 'EventBusName', value: this.bus.eventBusName });
    new events.Archive(this, 'Archive', {
      sourceEventBus: this.bus,
      eventPattern: { source: events.Match.prefix(SOURCE_PREFIX) },
      retention: Duration.days(config.stage === 'prod' ? 30 : 7),
    });
  }

  /** Routes matching events to `consumer` asynchronously, with retries and a DLQ. */
  subscribe(id: string, subscription: Subscription, consumer: IFunction): events.Rule {
    const dlq = deadLetterQueue(this, `${id}Dlq`, this.config);
    const rule = new events.Rule(this, `${id}Rule`, {
      eventBus: this.bus,
      description: `${subscription.detailTypes.join(', ')} -> ${id}`,
      eventPattern: {
        source: subscription.sources ?? events.Match.prefix(SOURCE_PREFIX),
        detailType: subscription.detailTypes,
      },
    });
    rule.addTarget(
      new targets.LambdaFunction(consumer, {
        deadLetterQueue: dlq,
        retryAttempts: 4,
        maxEventAge: Duration.hours(2),
      }),
    );
    consumer.configureAsyncInvoke({ retryAttempts: 2, onFailure: new SqsDestination(dlq) });
    new CfnOutput(this, `${id}DlqUrl`, { key: `${id}DlqUrl`, value: dlq.queueUrl });
    return rule;
  }

  /** Lets `producer` publish on the bus; it learns the bus name from EVENT_BUS_NAME. */
  allowPublishing(producer: IFunction & { addEnvironment(key: string, value: string): unknown }): void {
    this.bus.grantPutEventsTo(producer);
    producer.addEnvironment(ENV.EVENT_BUS_NAME, this.bus.eventBusName);
  }
}
