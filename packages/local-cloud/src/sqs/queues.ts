/**
 * The queues of the local SQS: created from the template or by `CreateQueue`,
 * found by URL (any host), ARN or name, and their attributes as SQS reports them.
 */
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../types';
import { invalidParameter, queueDoesNotExist, sqsError } from './errors';
import { selectNames } from './messages';
import { ATTRIBUTES, COMPUTED_ATTRIBUTES, lastSegment, type Queue } from './model';
import { validateAttributes } from './validation';

export class QueueRegistry {
  private readonly queues = new Map<string, Queue>();

  constructor(
    /** Base URL of the edge endpoint; queues created by `CreateQueue` get `<edgeUrl>/<account>/<name>`. */
    private readonly edgeUrl: string,
    private readonly now: () => number,
  ) {}

  all(): IterableIterator<Queue> {
    return this.queues.values();
  }

  /** Whether a queue of this one's name still exists. */
  has(queue: Queue): boolean {
    return this.queues.has(queue.name);
  }

  /** The queue named by URL, ARN or name; `QueueDoesNotExist` otherwise. */
  get(ref: unknown): Queue {
    if (typeof ref !== 'string' || ref === '') throw queueDoesNotExist();
    const name = ref.startsWith('arn:') ? ref.slice(ref.lastIndexOf(':') + 1) : lastSegment(ref);
    const queue = this.queues.get(name);
    if (!queue) throw queueDoesNotExist();
    return queue;
  }

  /** The queue of a dead-letter target ARN, if it exists. */
  byArn(arn: string): Queue | undefined {
    return this.queues.get(arn.slice(arn.lastIndexOf(':') + 1));
  }

  delete(queue: Queue): void {
    this.queues.delete(queue.name);
  }

  add(name: string, attributes: Record<string, unknown>, url?: string, arn?: string): Queue {
    const fifo = name.endsWith('.fifo');
    const now = this.now();
    const defaults: Record<string, string> = {};
    for (const [key, spec] of Object.entries(ATTRIBUTES)) if (spec.default !== undefined) defaults[key] = spec.default;
    const queue: Queue = {
      name,
      url: url ?? `${this.edgeUrl.replace(/\/+$/, '')}/${LOCAL_ACCOUNT_ID}/${name}`,
      arn: arn ?? `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${name}`,
      fifo,
      createdAt: now,
      lastModifiedAt: now,
      attributes: {
        ...defaults,
        ...(fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'false' } : {}),
        ...validateAttributes(attributes, fifo),
      },
      messages: [],
      deduplication: new Map(),
      sequence: 0n,
      waiters: new Set(),
    };
    this.queues.set(name, queue);
    return queue;
  }

  /** `CreateQueue`: the new queue's URL, or the existing one's when its attributes agree. */
  create(name: string, attributes: Record<string, unknown>): string {
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name.replace(/\.fifo$/, ''))) {
      throw invalidParameter('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
    }
    const wantsFifo = String(attributes.FifoQueue ?? 'false') === 'true';
    if (wantsFifo !== name.endsWith('.fifo'))
      throw invalidParameter(
        'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix.',
      );
    const existing = this.queues.get(name);
    if (!existing) return this.add(name, attributes).url;
    const requested = validateAttributes(attributes, existing.fifo);
    for (const [key, value] of Object.entries(requested)) {
      if (existing.attributes[key] !== value) {
        throw sqsError(
          'QueueNameExists',
          `A queue already exists with the same name and a different value for attribute ${key}`,
          'QueueAlreadyExists',
        );
      }
    }
    return existing.url;
  }

  /** `SetQueueAttributes`. */
  setAttributes(queue: Queue, attributes: unknown): void {
    Object.assign(queue.attributes, validateAttributes(attributes ?? {}, queue.fifo));
    queue.lastModifiedAt = this.now();
  }

  /** `GetQueueAttributes`: the settable attributes and those computed from the queue's messages. */
  getAttributes(queue: Queue, names: unknown): Record<string, string> {
    const wanted = Array.isArray(names) ? (names as unknown[]) : [];
    const known = [...Object.keys(queue.attributes), ...COMPUTED_ATTRIBUTES];
    for (const name of wanted) {
      if (
        name !== 'All' &&
        (typeof name !== 'string' || !(name in ATTRIBUTES || (COMPUTED_ATTRIBUTES as readonly string[]).includes(name)))
      ) {
        throw sqsError('InvalidAttributeName', `Unknown Attribute ${String(name)}.`);
      }
    }
    const selected = selectNames(wanted, known);
    const now = this.now();
    const visible = queue.messages.filter((m) => m.visibleAt <= now).length;
    const inFlight = queue.messages.filter((m) => m.visibleAt > now && m.inFlight).length;
    const computed: Record<(typeof COMPUTED_ATTRIBUTES)[number], string> = {
      ApproximateNumberOfMessages: String(visible),
      ApproximateNumberOfMessagesNotVisible: String(inFlight),
      ApproximateNumberOfMessagesDelayed: String(queue.messages.length - visible - inFlight),
      CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.lastModifiedAt / 1000)),
      QueueArn: queue.arn,
    };
    const all: Record<string, string> = { ...queue.attributes, ...computed };
    const out: Record<string, string> = {};
    for (const name of selected) if (all[name] !== undefined) out[name] = all[name];
    return out;
  }
}
