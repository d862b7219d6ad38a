/**
 * SNS in memory: the AWS Query protocol that @aws-sdk/client-sns v3 speaks
 * (form-encoded `Action=...`, XML answers; protocol/query.ts), the topics and
 * subscriptions of the template, and delivery to SQS, Lambda and HTTP(S)
 * subscribers with raw delivery and filter policies (attributes or body).
 * Guarantees:
 * - every topic and subscription of the template exists from the start, under
 *   the ARN the template's references resolve to; subscriptions to protocols
 *   the local cloud cannot deliver to (email, SMS, mobile push, Firehose) are
 *   listed as not emulated at start, and refused by `Subscribe` with a 501;
 * - Publish / PublishBatch answer at once; deliveries run in the background
 *   and `idle()` resolves when they are done;
 * - HTTP(S) subscriptions get a SubscriptionConfirmation and receive nothing
 *   until confirmed (`ConfirmSubscription`, or a GET of its SubscribeURL,
 *   which the edge routes here unsigned);
 * - errors as the API reference words them (`NotFound`, `InvalidParameter`...).
 */
import { queryProtocol } from '../protocol/query';
import type { EdgeHandler, LambdaInvoker, LocalStack, Stoppable } from '../types';
import { Delivery, type SnsQueues } from './delivery';
import { subscriptionConfirmation } from './messages';
import { snsOperations } from './operations';
import { TopicRegistry } from './topics';

export interface SnsServiceOptions {
  readonly stack?: Pick<LocalStack, 'byType'>;
  /** The edge's base URL (SubscribeURL, UnsubscribeURL). */
  readonly edgeUrl: string;
  readonly queues?: SnsQueues;
  readonly lambda?: LambdaInvoker;
  readonly log?: (line: string) => void;
}

export class SnsService implements Stoppable {
  readonly handler: EdgeHandler;
  readonly topics: TopicRegistry;
  /** Template subscriptions not served, with why (the CLI lists them at start). */
  readonly notEmulated: ReadonlyArray<{ logicalId: string; detail: string }>;
  private readonly delivery: Delivery;

  constructor(options: SnsServiceOptions) {
    const log = options.log ?? (() => undefined);
    const urls = { edgeUrl: options.edgeUrl.replace(/\/+$/, '') };
    this.topics = new TopicRegistry();
    this.notEmulated = options.stack ? this.topics.loadStack(options.stack) : [];
    this.delivery = new Delivery({ queues: options.queues, lambda: options.lambda, urls, log });
    this.handler = queryProtocol({
      xmlNamespace: 'http://sns.amazonaws.com/doc/2010-03-31/',
      operations: snsOperations(this.topics, this.delivery, urls, log),
    });
    // Template HTTP(S) subscriptions are confirmed as on AWS: the endpoint gets a SubscriptionConfirmation.
    for (const s of this.topics.subscriptions.values()) {
      if (s.confirmed || !s.confirmationToken) continue;
      const messageId = `${s.arn.slice(-12)}-confirmation`;
      this.delivery
        .post(s, 'SubscriptionConfirmation', messageId, subscriptionConfirmation(s.topicArn, s.confirmationToken, messageId, urls))
        .catch((error: unknown) => log(`[sns] SubscriptionConfirmation to ${s.endpoint} failed: ${String(error)}`));
    }
  }

  /** Whether an unsigned request is a SubscribeURL or UnsubscribeURL visit (for the edge's unsigned routes). */
  static routes(request: { method: string; url: string }): boolean {
    if (request.method !== 'GET') return false;
    const query = new URLSearchParams(request.url.split('?')[1] ?? '');
    return query.get('Action') === 'ConfirmSubscription' || query.get('Action') === 'Unsubscribe';
  }

  /** Resolves when every delivery started so far has finished. */
  idle(): Promise<void> {
    return this.delivery.idle();
  }

  async stop(): Promise<void> {
    await this.delivery.idle();
  }
}
