import { Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import type { StageConfig } from './config';
import { acknowledge } from './nag';

/**
 * The registry of dead-letter queues: every DLQ of the platform is a
 * `DeadLetterQueue` (made by `deadLetterQueue()`), and `deadLetterQueuesOf(stack)`
 * finds them all — Observability alarms on each one it finds, so a new DLQ is
 * alarmed without anyone adding it to a list. A queue used as a dead-letter
 * target without being made here is caught by the infra test
 * (test/infra/observability.test.ts), which reads the template's DLQ references.
 */
export class DeadLetterQueue extends sqs.Queue {
  constructor(scope: Construct, id: string, config: StageConfig) {
    super(scope, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: config.dlqRetention,
    });
    acknowledge(this, { id: 'AwsSolutions::AwsSolutions-SQS3', reason: 'This queue is itself a dead-letter queue.' });
  }

  /** A name for the alarm and dashboard: the queue's construct path in its stack, without separators. */
  get displayName(): string {
    return this.node.path
      .split('/')
      .slice(1)
      .join('')
      .replace(/[^A-Za-z0-9]/g, '');
  }
}

/** A dead-letter queue: encrypted, TLS only, kept for the stage's retention, and registered for alarms. */
export function deadLetterQueue(scope: Construct, id: string, config: StageConfig): DeadLetterQueue {
  return new DeadLetterQueue(scope, id, config);
}

/** Every dead-letter queue of `scope`'s stack, in construct order. */
export function deadLetterQueuesOf(scope: IConstruct): DeadLetterQueue[] {
  return Stack.of(scope)
    .node.findAll()
    .filter((c): c is DeadLetterQueue => c instanceof DeadLetterQueue);
}
