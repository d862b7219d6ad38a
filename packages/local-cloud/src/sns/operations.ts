/**
 * The SNS API as the AWS Query protocol carries it (`Action=Publish&...`,
 * answered in XML by protocol/query.ts): each operation's input checked as
 * the API reference says, handed to the topics and the delivery, and its
 * output in SNS's shape. Pagination: everything fits one page locally
 * (no `NextToken` is ever returned).
 */
import { randomUUID } from 'node:crypto';
import { AwsError } from '../protocol/errors';
import type { OperationTable } from '../protocol/operations';
import { XmlMap } from '../protocol/xml';
import { LOCAL_ACCOUNT_ID } from '../types';
import type { Delivery } from './delivery';
import { contentDeduplicationId, subscriptionConfirmation, validateAttributes, validateMessage, type Urls } from './messages';
import { invalidParameter, isRecord, MAX_BATCH_ENTRIES, type PublishedMessage, type Subscription, type Topic } from './model';
import { isAttributeMap, type TopicRegistry } from './topics';

type Input = Record<string, unknown>;

export function snsOperations(topics: TopicRegistry, delivery: Delivery, urls: Urls, log: (line: string) => void): OperationTable {
  const subscriptionMember = (s: Subscription) => ({
    SubscriptionArn: s.confirmed ? s.arn : 'PendingConfirmation',
    Owner: LOCAL_ACCOUNT_ID,
    Protocol: s.protocol,
    Endpoint: s.endpoint,
    TopicArn: s.topicArn,
  });

  /** Sends an HTTP(S) subscription its SubscriptionConfirmation (in the background). */
  const requestConfirmation = (s: Subscription) => {
    if (s.confirmed || !s.confirmationToken) return;
    const messageId = randomUUID();
    delivery
      .post(s, 'SubscriptionConfirmation', messageId, subscriptionConfirmation(s.topicArn, s.confirmationToken, messageId, urls))
      .catch((error: unknown) => log(`[sns] SubscriptionConfirmation to ${s.endpoint} failed: ${String(error)}`));
  };

  /** One message checked and fanned out; answers Publish's output. */
  const publish = (topic: Topic, input: Input): PublishedMessage => {
    const attributes = validateAttributes(input.MessageAttributes);
    const message = validateMessage(input.Message, attributes);
    if (input.MessageStructure !== undefined && input.MessageStructure !== 'json') throw invalidParameter('MessageStructure');
    let text = message;
    if (input.MessageStructure === 'json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(message);
      } catch {
        parsed = undefined;
      }
      if (!isRecord(parsed) || typeof parsed.default !== 'string') {
        throw invalidParameter('Message Structure - No default entry in JSON message body');
      }
      text = parsed.default; // per-protocol entries (sqs, lambda, http...) are read below
      const byProtocol = parsed as Record<string, unknown>;
      return fanOut(topic, input, attributes, text, byProtocol);
    }
    return fanOut(topic, input, attributes, text);
  };

  const fanOut = (
    topic: Topic,
    input: Input,
    attributes: PublishedMessage['attributes'],
    text: string,
    byProtocol?: Record<string, unknown>,
  ): PublishedMessage => {
    const subject = input.Subject;
    if (subject !== undefined && (typeof subject !== 'string' || subject === '' || subject.length > 100)) throw invalidParameter('Subject');
    let groupId: string | undefined;
    let deduplicationId: string | undefined;
    let sequenceNumber: string | undefined;
    if (topic.fifo) {
      groupId = typeof input.MessageGroupId === 'string' && input.MessageGroupId ? input.MessageGroupId : undefined;
      if (!groupId) throw invalidParameter('The MessageGroupId parameter is required for FIFO topics');
      deduplicationId =
        typeof input.MessageDeduplicationId === 'string'
          ? input.MessageDeduplicationId
          : topic.attributes.ContentBasedDeduplication === 'true'
            ? contentDeduplicationId(text)
            : undefined;
      if (!deduplicationId) {
        throw invalidParameter(
          'The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
        );
      }
      topic.sequence += 1n;
      sequenceNumber = topic.sequence.toString().padStart(20, '0');
    } else if (input.MessageGroupId !== undefined || input.MessageDeduplicationId !== undefined) {
      throw invalidParameter('MessageGroupId and MessageDeduplicationId are only for FIFO topics');
    }
    const published: PublishedMessage = {
      messageId: randomUUID(),
      topicArn: topic.arn,
      message: text,
      ...(typeof subject === 'string' ? { subject } : {}),
      attributes,
      timestamp: new Date().toISOString(),
      ...(groupId ? { groupId } : {}),
      ...(deduplicationId ? { deduplicationId } : {}),
      ...(sequenceNumber ? { sequenceNumber } : {}),
    };
    const subscriptions = topics.subscriptionsOf(topic.arn);
    if (!byProtocol) delivery.fanOut(published, subscriptions, (s) => topics.policyOf(s));
    else {
      for (const s of subscriptions) {
        const own = byProtocol[s.protocol];
        delivery.fanOut({ ...published, message: typeof own === 'string' ? own : text }, [s], (x) => topics.policyOf(x));
      }
    }
    return published;
  };

  const topicAttributes = (topic: Topic) => {
    const subscriptions = topics.subscriptionsOf(topic.arn);
    return new XmlMap({
      TopicArn: topic.arn,
      Owner: LOCAL_ACCOUNT_ID,
      DisplayName: '',
      SubscriptionsConfirmed: String(subscriptions.filter((s) => s.confirmed).length),
      SubscriptionsPending: String(subscriptions.filter((s) => !s.confirmed).length),
      SubscriptionsDeleted: '0',
      ...topic.attributes,
    });
  };

  return {
    CreateTopic: (input: Input) => {
      if (typeof input.Name !== 'string' || input.Name === '') throw invalidParameter('Topic Name');
      const attributes = input.Attributes === undefined ? {} : input.Attributes;
      if (!isRecord(attributes)) throw invalidParameter('Attributes');
      return { TopicArn: topics.addTopic(input.Name, attributes).arn };
    },
    DeleteTopic: (input: Input) => {
      topics.deleteTopic(topics.topic(input.TopicArn).arn);
      return {};
    },
    ListTopics: () => ({ Topics: [...topics.topics.values()].map((t) => ({ TopicArn: t.arn })) }),
    GetTopicAttributes: (input: Input) => ({ Attributes: topicAttributes(topics.topic(input.TopicArn)) }),
    SetTopicAttributes: (input: Input) => {
      topics.setTopicAttribute(topics.topic(input.TopicArn), input.AttributeName, input.AttributeValue);
      return {};
    },
    Subscribe: (input: Input) => {
      const attributes = input.Attributes === undefined ? {} : input.Attributes;
      if (!isAttributeMap(attributes)) throw invalidParameter('Attributes');
      const topicArn = topics.topic(input.TopicArn).arn;
      const subscription = topics.subscribe(topicArn, input.Protocol, input.Endpoint, attributes);
      requestConfirmation(subscription);
      const returnArn = input.ReturnSubscriptionArn === 'true';
      return { SubscriptionArn: subscription.confirmed || returnArn ? subscription.arn : 'pending confirmation' };
    },
    ConfirmSubscription: (input: Input) => {
      const topicArn = topics.topic(input.TopicArn).arn;
      if (typeof input.Token !== 'string' || input.Token === '') throw invalidParameter('Token');
      const subscription = topics.subscriptionsOf(topicArn).find((s) => s.confirmationToken === input.Token);
      if (!subscription) throw invalidParameter('Token');
      subscription.confirmed = true;
      return { SubscriptionArn: subscription.arn };
    },
    Unsubscribe: (input: Input) => {
      topics.unsubscribe(topics.subscription(input.SubscriptionArn).arn);
      return {};
    },
    ListSubscriptions: () => ({ Subscriptions: [...topics.subscriptions.values()].map(subscriptionMember) }),
    ListSubscriptionsByTopic: (input: Input) => ({
      Subscriptions: topics.subscriptionsOf(topics.topic(input.TopicArn).arn).map(subscriptionMember),
    }),
    GetSubscriptionAttributes: (input: Input) => {
      const s = topics.subscription(input.SubscriptionArn);
      return {
        Attributes: new XmlMap({
          SubscriptionArn: s.arn,
          TopicArn: s.topicArn,
          Owner: LOCAL_ACCOUNT_ID,
          Protocol: s.protocol,
          Endpoint: s.endpoint,
          PendingConfirmation: String(!s.confirmed),
          ConfirmationWasAuthenticated: String(s.confirmed),
          RawMessageDelivery: 'false',
          ...s.attributes,
        }),
      };
    },
    SetSubscriptionAttributes: (input: Input) => {
      topics.setSubscriptionAttribute(topics.subscription(input.SubscriptionArn), input.AttributeName, input.AttributeValue);
      return {};
    },
    Publish: (input: Input) => {
      if (input.TargetArn !== undefined || input.PhoneNumber !== undefined) {
        throw new AwsError(
          'NotImplemented',
          "The local cloud's SNS publishes to topics only (TargetArn and PhoneNumber are not emulated)",
          501,
        );
      }
      const published = publish(topics.topic(input.TopicArn), input);
      return { MessageId: published.messageId, ...(published.sequenceNumber ? { SequenceNumber: published.sequenceNumber } : {}) };
    },
    PublishBatch: (input: Input) => {
      const topic = topics.topic(input.TopicArn);
      const entries = Array.isArray(input.PublishBatchRequestEntries) ? (input.PublishBatchRequestEntries as Input[]) : [];
      if (entries.length === 0) throw new AwsError('EmptyBatchRequest', "The batch request doesn't contain any entries.");
      if (entries.length > MAX_BATCH_ENTRIES) {
        throw new AwsError('TooManyEntriesInBatchRequest', `The batch request contains more entries than permissible.`);
      }
      const ids = entries.map((e) => e.Id);
      if (new Set(ids).size !== ids.length)
        throw new AwsError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
      const Successful: unknown[] = [];
      const Failed: unknown[] = [];
      for (const entry of entries) {
        try {
          if (typeof entry.Id !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(entry.Id))
            throw new AwsError('InvalidBatchEntryId', "The Id of a batch entry in a batch request doesn't abide by the specification.");
          const published = publish(topic, entry);
          Successful.push({
            Id: entry.Id,
            MessageId: published.messageId,
            ...(published.sequenceNumber ? { SequenceNumber: published.sequenceNumber } : {}),
          });
        } catch (error) {
          if (!(error instanceof AwsError) || error.code === 'InvalidBatchEntryId') throw error;
          Failed.push({ Id: entry.Id, Code: error.code, Message: error.message, SenderFault: true });
        }
      }
      return { Successful, Failed };
    },
  };
}
