import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Channel, type NotificationRequest, render } from '#domain/notifications';
import { maskProviderError, maskRecipient } from '#domain/masking';
import { conditionHeld } from '#shared/dynamo';
import { logger, metrics, MetricUnit } from '#shared/powertools';
import type { ChannelProvider } from './providers';

/**
 * `SENT`: a provider accepted it; `RECORDED`: only recorded, nothing left the
 * account (the stage delivers no such channel: record-only); `FAILED`: the
 * provider refused it; `SKIPPED_DUPLICATE`: an earlier delivery of the event
 * already did it.
 */
export type AttemptStatus = 'SENT' | 'RECORDED' | 'FAILED' | 'SKIPPED_DUPLICATE';

export interface AttemptResult {
  readonly channel: Channel;
  readonly status: AttemptStatus;
  readonly error?: string;
}

/**
 * Sends notifications on several channels in parallel and records every attempt
 * (channel, masked recipient, template, provider, status, error) in the
 * notifications table under `pk = subject` (e.g. `USER#<id>`, `ORDER#<id>`) and
 * `sk = <eventId>#<channel>`. One failing channel never stops the others. A
 * redelivered event does not send a channel twice: an attempt is claimed with a
 * conditional write, and only a FAILED attempt may be claimed again. An attempt
 * on a record-only channel ends `RECORDED`, never `SENT`.
 */
export class Notifier {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly providers: Record<Channel, ChannelProvider>,
  ) {}

  async notify(subject: string, eventId: string, requests: readonly NotificationRequest[]): Promise<AttemptResult[]> {
    const results = await Promise.all(requests.map((request) => this.attempt(subject, eventId, request)));
    for (const result of results) metrics.addMetric(`Notification${result.status}`, MetricUnit.Count, 1);
    return results;
  }

  private async attempt(subject: string, eventId: string, request: NotificationRequest): Promise<AttemptResult> {
    const key = { pk: subject, sk: `${eventId}#${request.channel}` };
    const provider = this.providers[request.channel];
    if (!(await this.claim(key, request, provider.name))) {
      return { channel: request.channel, status: 'SKIPPED_DUPLICATE' };
    }
    try {
      await provider.send(request.recipient, render(request.template, request.values));
      const status = provider.recordOnly ? 'RECORDED' : 'SENT';
      await this.finish(key, status);
      return { channel: request.channel, status };
    } catch (error) {
      // Providers echo what they were sent: mask before the text is logged or stored.
      const raw = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const message = maskProviderError(raw, request.channel, request.recipient);
      logger.warn('Notification failed', { channel: request.channel, error: message });
      await this.finish(key, 'FAILED', message);
      return { channel: request.channel, status: 'FAILED', error: message };
    }
  }

  /** True when this delivery may send: no attempt yet, or only a FAILED one. */
  private async claim(key: { pk: string; sk: string }, request: NotificationRequest, provider: string): Promise<boolean> {
    return conditionHeld(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key,
            channel: request.channel,
            recipient: maskRecipient(request.channel, request.recipient),
            template: request.template,
            provider,
            status: 'SENDING',
            attemptedAt: new Date().toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #status = :failed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':failed': 'FAILED' },
        }),
      ),
    );
  }

  private async finish(key: { pk: string; sk: string }, status: 'SENT' | 'RECORDED' | 'FAILED', error?: string) {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: error ? 'SET #status = :status, #error = :error' : 'SET #status = :status REMOVE #error',
        ExpressionAttributeNames: { '#status': 'status', '#error': 'error' },
        ExpressionAttributeValues: { ':status': status, ...(error ? { ':error': error } : {}) },
      }),
    );
  }
}
