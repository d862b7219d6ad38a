/** One mapping: its shards (Kinesis resharding included), each read by a poller, polled in the background or drained. */
import { errorMessage as message } from '../protocol/errors';
import type { EventSourceMappingsOptions, MappingConfig, StreamSource } from './model';
import { ShardPoller } from './poller';

/** One mapping: its shards, each with a poller; cycles are serialized so polling and `drain()` never overlap. */
export class MappingRunner {
  private readonly pollers = new Map<string, ShardPoller>();
  /** Shards skipped for good (closed before a LATEST start). */
  private readonly passed = new Set<string>();
  private lastError?: string;
  /** Whether the shards were listed once (the starting position applies to that listing only). */
  private listed = false;
  private chain: Promise<unknown> = Promise.resolve();
  private opened?: Promise<void>;
  private stopped = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  private unsubscribe?: () => void;

  constructor(
    readonly config: MappingConfig,
    private readonly source: StreamSource,
    private readonly options: EventSourceMappingsOptions,
    private readonly log: (line: string) => void,
  ) {}

  /** Lists the shards and opens a reader on each at the starting position (once). */
  open(): Promise<void> {
    if (!this.config.enabled) return Promise.resolve();
    this.opened ??= this.serial(async () => {
      try {
        await this.refreshShards();
      } catch (error) {
        this.log(`event source mapping ${this.config.logicalId}: cannot open ${this.config.eventSourceArn}: ${message(error)}`);
      }
    });
    return this.opened;
  }

  startPolling(): void {
    if (!this.config.enabled || this.loop) return;
    if (this.config.source === 'dynamodb') {
      this.unsubscribe = this.options.dynamoDbStreams!.onRecord((arn) => {
        if (arn === this.config.eventSourceArn) this.wake?.();
      });
    }
    this.loop = (async () => {
      const interval = this.options.pollIntervalMs ?? 250;
      while (!this.stopped) {
        let count = 0;
        try {
          count = await this.cycle(false);
        } catch (error) {
          this.log(`event source mapping ${this.config.logicalId}: poll failed: ${message(error)}`);
        }
        if (count > 0 || this.stopped) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, interval);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    })();
  }

  /** One round over every shard; resolves with the number of records read in it. */
  cycle(flush: boolean): Promise<number> {
    if (!this.config.enabled || this.stopped) return Promise.resolve(0);
    return this.serial(async () => {
      if (!this.opened) return 0;
      try {
        await this.refreshShards();
        this.lastError = undefined;
      } catch (error) {
        const text = `event source mapping ${this.config.logicalId}: cannot list shards of ${this.config.eventSourceArn}: ${message(error)}`;
        if (text !== this.lastError) this.log(text);
        this.lastError = text;
      }
      const counts = await Promise.all([...this.pollers.values()].map((p) => p.cycle(flush, () => this.stopped)));
      return counts.reduce((a, b) => a + b, 0);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.wake?.();
    await this.loop;
    await this.chain.catch(() => undefined);
    this.source.stop();
  }

  /**
   * Adds a poller for each new shard whose parents have been read to their
   * end (Kinesis resharding). The first successful listing opens shards at the
   * mapping's starting position; shards that appear later start at their trim
   * horizon, as Lambda reads child shards.
   */
  private async refreshShards(): Promise<void> {
    const shards = await this.source.listShards();
    const initial = !this.listed;
    const known = new Set(shards.map((s) => s.shardId));
    const fromLatest = initial && this.config.startingPosition === 'LATEST';
    for (const shard of shards) {
      if (this.pollers.has(shard.shardId) || this.passed.has(shard.shardId)) continue;
      // Starting at LATEST, closed shards hold nothing new: never read them.
      if (fromLatest && shard.closed) {
        this.passed.add(shard.shardId);
        continue;
      }
      const parents = [shard.parentShardId, shard.adjacentParentShardId].filter((p): p is string => !!p && known.has(p));
      const parentsDone = parents.every((p) => this.passed.has(p) || this.pollers.get(p)?.done);
      if (!parentsDone && !fromLatest) continue;
      const checkpoint = this.options.checkpoints?.get(this.config.uuid, shard.shardId);
      const reader = await this.source.openShard(shard, initial, checkpoint);
      this.pollers.set(shard.shardId, new ShardPoller(shard.shardId, reader, this.config, this.options, this.log));
    }
    this.listed = true;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }
}
