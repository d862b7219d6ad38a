/**
 * The topics and subscriptions of the local SNS: those of the template
 * (`AWS::SNS::Topic`, `AWS::SNS::Subscription`, `TopicPolicy` accepted and
 * not enforced) and those the API creates; attribute checks and the compiled
 * filter policy of each subscription.
 */
import { randomUUID } from 'node:crypto';
import type { CompiledEventPattern } from '../eventbridge/pattern';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, type LocalStack } from '../types';
import { compileFilterPolicy, validateScope } from './filter-policy';
import {
  DELIVERED_PROTOCOLS,
  invalidParameter,
  isRecord,
  notDelivered,
  SUBSCRIPTION_ATTRIBUTES,
  subscriptionNotFound,
  TOPIC_ATTRIBUTES,
  topicNotFound,
  UNDELIVERED_PROTOCOLS,
  type Protocol,
  type Subscription,
  type Topic,
} from './model';

export class TopicRegistry {
  readonly topics = new Map<string, Topic>();
  readonly subscriptions = new Map<string, Subscription>();
  private readonly policies = new Map<string, CompiledEventPattern>();

  constructor(
    private readonly region = LOCAL_REGION,
    private readonly accountId = LOCAL_ACCOUNT_ID,
  ) {}

  /** Template topics and subscriptions; subscriptions the local cloud cannot deliver are returned, not added. */
  loadStack(stack: Pick<LocalStack, 'byType'>): Array<{ logicalId: string; detail: string }> {
    const skipped: Array<{ logicalId: string; detail: string }> = [];
    for (const r of stack.byType('AWS::SNS::Topic')) {
      const attributes: Record<string, unknown> = {};
      for (const key of TOPIC_ATTRIBUTES) if (r.properties[key] !== undefined) attributes[key] = r.properties[key];
      const name = r.physicalId.slice(r.physicalId.lastIndexOf(':') + 1);
      const topic = this.addTopic(name, attributes, r.physicalId);
      for (const s of Array.isArray(r.properties.Subscription) ? r.properties.Subscription : []) {
        this.trySubscribe(topic.arn, s.Protocol, s.Endpoint, {}, r.logicalId, skipped);
      }
    }
    for (const r of stack.byType('AWS::SNS::Subscription')) {
      const p = r.properties;
      const attributes: Record<string, string> = {};
      for (const key of SUBSCRIPTION_ATTRIBUTES) {
        const value = p[key];
        if (value !== undefined) attributes[key] = typeof value === 'string' ? value : JSON.stringify(value);
      }
      this.trySubscribe(String(p.TopicArn), String(p.Protocol), String(p.Endpoint), attributes, r.logicalId, skipped);
    }
    return skipped;
  }

  private trySubscribe(
    topicArn: string,
    protocol: string,
    endpoint: string,
    attributes: Record<string, string>,
    logicalId: string,
    skipped: Array<{ logicalId: string; detail: string }>,
  ): void {
    try {
      this.subscribe(topicArn, protocol, endpoint, attributes);
    } catch (error) {
      skipped.push({ logicalId, detail: (error as Error).message });
    }
  }

  addTopic(name: string, attributes: Record<string, unknown>, arn?: string): Topic {
    const fifo = String(attributes.FifoTopic ?? 'false') === 'true';
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(name.replace(/\.fifo$/, '')) || fifo !== name.endsWith('.fifo')) {
      throw invalidParameter(
        fifo || name.endsWith('.fifo')
          ? 'Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.'
          : 'Topic Name',
      );
    }
    const topicArn = arn ?? `arn:aws:sns:${this.region}:${this.accountId}:${name}`;
    const existing = this.topics.get(topicArn);
    if (existing) return existing;
    const topic: Topic = { arn: topicArn, name, fifo, attributes: this.topicAttributes(attributes, fifo), sequence: 0n };
    this.topics.set(topicArn, topic);
    return topic;
  }

  private topicAttributes(attributes: Record<string, unknown>, fifo: boolean): Record<string, string> {
    const out: Record<string, string> = fifo ? { FifoTopic: 'true', ContentBasedDeduplication: 'false' } : {};
    for (const [key, value] of Object.entries(attributes)) {
      if (!TOPIC_ATTRIBUTES.includes(key)) throw invalidParameter(`Attributes Reason: Unknown attribute ${key}`);
      out[key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    return out;
  }

  topic(arn: unknown): Topic {
    if (typeof arn !== 'string' || arn === '') throw invalidParameter('TopicArn');
    const topic = this.topics.get(arn);
    if (!topic) throw topicNotFound();
    return topic;
  }

  deleteTopic(arn: string): void {
    this.topics.delete(arn);
    for (const s of [...this.subscriptions.values()]) if (s.topicArn === arn) this.unsubscribe(s.arn);
  }

  subscription(arn: unknown): Subscription {
    if (typeof arn !== 'string' || arn === '') throw invalidParameter('SubscriptionArn');
    const subscription = this.subscriptions.get(arn);
    if (!subscription) throw subscriptionNotFound();
    return subscription;
  }

  subscriptionsOf(topicArn: string): Subscription[] {
    return [...this.subscriptions.values()].filter((s) => s.topicArn === topicArn);
  }

  /** `Subscribe`: an existing identical subscription is answered again; HTTP(S) ones start unconfirmed. */
  subscribe(topicArn: string, protocol: unknown, endpoint: unknown, attributes: Record<string, string>): Subscription {
    const topic = this.topic(topicArn);
    if (typeof protocol !== 'string' || protocol === '') throw invalidParameter('Protocol');
    const lower = protocol.toLowerCase();
    if (UNDELIVERED_PROTOCOLS.includes(lower)) throw notDelivered(lower);
    if (!DELIVERED_PROTOCOLS.includes(lower)) throw invalidParameter(`Invalid protocol type: ${protocol}`);
    if (typeof endpoint !== 'string' || endpoint === '') throw invalidParameter('Endpoint');
    checkEndpoint(lower as Protocol, endpoint);
    if (topic.fifo && lower !== 'sqs')
      throw invalidParameter('Invalid protocol type: ' + protocol + ' (FIFO topics deliver to SQS queues only)');
    for (const [key, value] of Object.entries(attributes)) this.checkAttribute(key, value);
    const same = [...this.subscriptions.values()].find((s) => s.topicArn === topicArn && s.protocol === lower && s.endpoint === endpoint);
    if (same) return same;
    const subscription: Subscription = {
      arn: `${topicArn}:${randomUUID()}`,
      topicArn,
      protocol: lower as Protocol,
      endpoint,
      attributes: { ...attributes },
      confirmed: lower !== 'http' && lower !== 'https',
      ...(lower === 'http' || lower === 'https' ? { confirmationToken: randomUUID().replace(/-/g, '').repeat(2) } : {}),
    };
    this.subscriptions.set(subscription.arn, subscription);
    this.refreshPolicy(subscription);
    return subscription;
  }

  unsubscribe(arn: string): void {
    this.subscriptions.delete(arn);
    this.policies.delete(arn);
  }

  setSubscriptionAttribute(subscription: Subscription, name: unknown, value: unknown): void {
    if (typeof name !== 'string') throw invalidParameter('AttributeName');
    const text = typeof value === 'string' ? value : '';
    this.checkAttribute(name, text);
    if (text === '' && name === 'FilterPolicy') delete subscription.attributes.FilterPolicy;
    else subscription.attributes[name] = text;
    this.refreshPolicy(subscription);
  }

  setTopicAttribute(topic: Topic, name: unknown, value: unknown): void {
    if (typeof name !== 'string' || !TOPIC_ATTRIBUTES.includes(name) || name === 'FifoTopic') throw invalidParameter('AttributeName');
    topic.attributes[name] = typeof value === 'string' ? value : '';
  }

  policyOf(subscription: Subscription): CompiledEventPattern | undefined {
    return this.policies.get(subscription.arn);
  }

  private checkAttribute(name: string, value: string): void {
    if (!SUBSCRIPTION_ATTRIBUTES.includes(name)) throw invalidParameter(`Attributes Reason: Unknown attribute ${name}`);
    if (name === 'RawMessageDelivery' && value !== 'true' && value !== 'false')
      throw invalidParameter('Attributes Reason: RawMessageDelivery: Invalid value');
    if (name === 'FilterPolicy' && value !== '') compileFilterPolicy(value);
    if (name === 'FilterPolicyScope') validateScope(value);
  }

  private refreshPolicy(subscription: Subscription): void {
    const policy = subscription.attributes.FilterPolicy;
    if (policy) this.policies.set(subscription.arn, compileFilterPolicy(policy));
    else this.policies.delete(subscription.arn);
  }
}

function checkEndpoint(protocol: Protocol, endpoint: string): void {
  const ok =
    protocol === 'sqs'
      ? endpoint.startsWith('arn:aws:sqs:')
      : protocol === 'lambda'
        ? endpoint.startsWith('arn:aws:lambda:')
        : endpoint.toLowerCase().startsWith(`${protocol}://`);
  if (!ok)
    throw invalidParameter(
      protocol === 'sqs' || protocol === 'lambda'
        ? `${protocol === 'sqs' ? 'SQS' : 'Lambda'} endpoint ARN`
        : 'Endpoint must match the specified protocol',
    );
}

export function isAttributeMap(value: unknown): value is Record<string, string> {
  return isRecord(value) && Object.values(value).every((v) => typeof v === 'string');
}
