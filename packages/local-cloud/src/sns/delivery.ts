/**
 * Delivers a published message to each subscription whose filter policy it
 * passes, as SNS does: SQS (the JSON envelope, or the message itself with its
 * attributes as SQS message attributes under `RawMessageDelivery`; FIFO group
 * and deduplication ids carried over), Lambda (an asynchronous invocation with
 * the SNS event, retried by the runtime as Lambda retries asynchronous
 * invocations) and confirmed HTTP/HTTPS endpoints (a POST of the envelope with
 * SNS's `x-amz-sns-*` headers; raw delivery sends the message alone).
 * Differs: a failed HTTP delivery is logged, not retried by a delivery policy;
 * a subscription's RedrivePolicy (its DLQ) is not applied.
 */
import { errorMessage } from '../protocol/errors';
import type { LambdaInvoker } from '../types';
import { passesPolicy, type FilterPolicyScope } from './filter-policy';
import { lambdaEvent, notificationEnvelope, type Urls } from './messages';
import type { PublishedMessage, SnsMessageAttribute, Subscription } from './model';
import type { CompiledEventPattern } from '../eventbridge/pattern';

/** What SNS needs of the local SQS: a send with attributes and FIFO ids. */
export interface SnsQueues {
  deliver(
    queueArn: string,
    message: {
      readonly MessageBody: string;
      readonly MessageAttributes?: Readonly<Record<string, SnsMessageAttribute>>;
      readonly MessageGroupId?: string;
      readonly MessageDeduplicationId?: string;
    },
  ): void;
}

export interface DeliveryOptions {
  readonly queues?: SnsQueues;
  readonly lambda?: LambdaInvoker;
  readonly urls: Urls;
  readonly log: (line: string) => void;
}

export class Delivery {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: DeliveryOptions) {}

  /** Resolves when every delivery started so far has finished. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Fans a message out to the subscriptions it passes; resolves at once (deliveries run in the background). */
  fanOut(
    message: PublishedMessage,
    subscriptions: readonly Subscription[],
    policyOf: (s: Subscription) => CompiledEventPattern | undefined,
  ): void {
    for (const subscription of subscriptions) {
      if (!subscription.confirmed) continue;
      const policy = policyOf(subscription);
      const scope = (subscription.attributes.FilterPolicyScope ?? 'MessageAttributes') as FilterPolicyScope;
      if (policy && !passesPolicy(policy, scope, message.message, message.attributes)) continue;
      const delivery = this.deliver(message, subscription).catch((error: unknown) => {
        this.options.log(
          `[sns] delivery of ${message.messageId} to ${subscription.protocol} ${subscription.endpoint} failed: ${errorMessage(error)}`,
        );
      });
      this.pending.add(delivery);
      void delivery.finally(() => this.pending.delete(delivery));
    }
  }

  /** Sends an HTTP(S) endpoint a POST as SNS does (also used for the SubscriptionConfirmation). */
  async post(subscription: Subscription, type: string, messageId: string, body: string): Promise<void> {
    const response = await fetch(subscription.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'text/plain; charset=UTF-8',
        'x-amz-sns-message-type': type,
        'x-amz-sns-message-id': messageId,
        'x-amz-sns-topic-arn': subscription.topicArn,
        ...(type === 'Notification' ? { 'x-amz-sns-subscription-arn': subscription.arn } : {}),
        ...(subscription.attributes.RawMessageDelivery === 'true' ? { 'x-amz-sns-rawdelivery': 'true' } : {}),
        'user-agent': 'Amazon Simple Notification Service Agent',
      },
      body,
    });
    await response.arrayBuffer();
    if (response.status < 200 || response.status >= 300) throw new Error(`the endpoint answered ${response.status}`);
  }

  private async deliver(message: PublishedMessage, subscription: Subscription): Promise<void> {
    const raw = subscription.attributes.RawMessageDelivery === 'true';
    const { urls } = this.options;
    switch (subscription.protocol) {
      case 'sqs': {
        if (!this.options.queues) throw new Error('no local SQS');
        this.options.queues.deliver(subscription.endpoint, {
          MessageBody: raw ? message.message : notificationEnvelope(message, subscription.arn, urls),
          ...(raw && Object.keys(message.attributes).length > 0 ? { MessageAttributes: message.attributes } : {}),
          ...(message.groupId ? { MessageGroupId: message.groupId } : {}),
          ...(message.deduplicationId ? { MessageDeduplicationId: message.deduplicationId } : {}),
        });
        return;
      }
      case 'lambda': {
        if (!this.options.lambda) throw new Error('no local Lambda');
        await this.options.lambda.invokeAsync(subscription.endpoint, lambdaEvent(message, subscription.arn, urls));
        return;
      }
      case 'http':
      case 'https':
        await this.post(
          subscription,
          'Notification',
          message.messageId,
          raw ? message.message : notificationEnvelope(message, subscription.arn, urls),
        );
        return;
    }
  }
}
