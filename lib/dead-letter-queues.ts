import { CfnOutput, Stack } from 'aws-cdk-lib';
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
 * Each one's URL is the stack output `DeadLetterQueue<name>`, which
 * `npm run redrive -- <name>` reads (cli/redrive/).
 */
export class DeadLetterQueue extends sqs.Queue {
  constructor(scope: Construct, id: string, config: StageConfig) {
    super(scope, id, {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: config.dlqRetention,
    });
    acknowledge(this, { id: 'AwsSolutions::AwsSolutions-SQS3', reason: 'This queue is itself a dead-letter queue.' });
    new CfnOutput(this, 'Url', { key: `${DEAD_LETTER_QUEUE_OUTPUT_PREFIX}${this.displayName}`, value: this.queueUrl });
  }

  /**
   * The queue's name for alarms, the dashboard and `npm run redrive`: its construct
   * path in its stack without separators and without a trailing `Dlq` /
   * `DeadLetterQueue` (e.g. `EventsInventoryReservation`, `CostOptimizer`).
   */
  get displayName(): string {
    return this.node.path
      .split('/')
      .slice(1)
      .join('')
      .replace(/[^A-Za-z0-9]/g, '')
      .replace(/(Dlq|DeadLetterQueue)$/, '');
  }
}

/** Stack outputs `DeadLetterQueue<name>` hold each DLQ's URL (cli/redrive reads them by this prefix). */
export const DEAD_LETTER_QUEUE_OUTPUT_PREFIX = 'DeadLetterQueue';

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
