/**
 * Where each stream mapping has got to, per shard (the sequence number of the
 * last record handled: delivered, given up or filtered out), kept in a JSON
 * file under `--data-dir` so that a restart resumes after it instead of
 * re-reading the stream from its starting position. Written through (a small
 * file, replaced atomically), so a crash loses nothing already checkpointed.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** Stream positions by mapping (its UUID) and shard. */
export interface CheckpointStore {
  get(mappingId: string, shardId: string): string | undefined;
  set(mappingId: string, shardId: string, sequenceNumber: string): void;
}

/** Positions in memory only (no `--data-dir`). */
export class MemoryCheckpoints implements CheckpointStore {
  protected positions: Record<string, Record<string, string>> = {};

  get(mappingId: string, shardId: string): string | undefined {
    return this.positions[mappingId]?.[shardId];
  }

  set(mappingId: string, shardId: string, sequenceNumber: string): void {
    (this.positions[mappingId] ??= {})[shardId] = sequenceNumber;
  }
}

/** Positions in `<dir>/checkpoints.json`, read at construction and written on every change. */
export class FileCheckpoints extends MemoryCheckpoints {
  private readonly file: string;

  constructor(dir: string) {
    super();
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'checkpoints.json');
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
      if (typeof parsed === 'object' && parsed !== null) this.positions = parsed as Record<string, Record<string, string>>;
    } catch {
      // no checkpoints yet (or an unreadable file): every mapping starts at its starting position
    }
  }

  override set(mappingId: string, shardId: string, sequenceNumber: string): void {
    if (this.get(mappingId, shardId) === sequenceNumber) return;
    super.set(mappingId, shardId, sequenceNumber);
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.positions));
    renameSync(temporary, this.file);
  }
}
