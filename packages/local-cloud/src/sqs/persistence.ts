/**
 * The local SQS's queues and messages on disk (`--data-dir`): every queue
 * (the template's and those `CreateQueue` made), its attributes, its messages
 * (dead-letter queues included) with their receive counts and visibility, its
 * FIFO sequence and deduplication window. Written a moment after each change
 * (and on stop), atomically (a temporary file renamed over the old one);
 * read once at start. A message in flight when the cloud stopped comes back
 * when its visibility timeout ends, as it would have.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Message, Queue } from './model';
import type { QueueRegistry } from './queues';

interface SavedQueue {
  readonly name: string;
  readonly template: boolean;
  readonly attributes: Record<string, string>;
  readonly messages: Message[];
  readonly sequence: string;
  readonly deduplication: Array<[string, { messageId: string; sequenceNumber: string; expiresAt: number }]>;
}

export class QueueStore {
  private readonly file: string;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'queues.json');
  }

  /** Restores what was saved into the registry: template queues get their messages back, other queues are created again. */
  load(queues: QueueRegistry): void {
    let saved: SavedQueue[];
    try {
      saved = JSON.parse(readFileSync(this.file, 'utf8')) as SavedQueue[];
    } catch {
      return; // nothing saved yet
    }
    for (const entry of saved) {
      let queue: Queue | undefined = [...queues.all()].find((q) => q.name === entry.name);
      if (!queue && entry.template) continue; // removed from the template since
      queue ??= queues.add(entry.name, {});
      Object.assign(queue.attributes, entry.attributes);
      queue.messages = entry.messages.map((m) => ({ ...m }));
      queue.sequence = BigInt(entry.sequence);
      for (const [id, seen] of entry.deduplication) queue.deduplication.set(id, seen);
    }
  }

  save(queues: QueueRegistry, templateQueues: ReadonlySet<string>): void {
    const saved: SavedQueue[] = [...queues.all()].map((q) => ({
      name: q.name,
      template: templateQueues.has(q.name),
      attributes: q.attributes,
      messages: q.messages,
      sequence: q.sequence.toString(),
      deduplication: [...q.deduplication],
    }));
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify(saved));
    renameSync(temporary, this.file);
  }
}
