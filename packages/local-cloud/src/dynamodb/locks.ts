/**
 * The DynamoDB layer's isolation: one readers–writer lock over the whole
 * DynamoDB API (a transaction holds it exclusively, every other call shared),
 * and a per-key mutex for the reads around a streamed table's writes.
 */

/**
 * A readers–writer lock with writer preference: shared holders run together,
 * an exclusive holder runs alone, and once a writer waits no new reader jumps
 * ahead of it (so a stream of reads cannot starve a transaction). Waiters are
 * served in arrival order.
 */
export class ReadWriteLock {
  private readers = 0;
  private writer = false;
  private readonly waiting: Array<{ exclusive: boolean; resume: () => void }> = [];

  /** Runs `fn` while holding the lock shared. */
  async shared<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire(false);
    try {
      return await fn();
    } finally {
      this.readers -= 1;
      this.dispatch();
    }
  }

  /** Runs `fn` while holding the lock alone. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire(true);
    try {
      return await fn();
    } finally {
      this.writer = false;
      this.dispatch();
    }
  }

  private acquire(exclusive: boolean): Promise<void> {
    if (this.waiting.length === 0 && !this.writer && (!exclusive || this.readers === 0)) {
      if (exclusive) this.writer = true;
      else this.readers += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resume) => this.waiting.push({ exclusive, resume }));
  }

  private dispatch(): void {
    while (this.waiting.length > 0 && !this.writer) {
      const next = this.waiting[0]!;
      if (next.exclusive) {
        if (this.readers > 0) return;
        this.waiting.shift();
        this.writer = true;
        next.resume();
        return;
      }
      this.waiting.shift();
      this.readers += 1;
      next.resume();
    }
  }
}

/** Mutual exclusion per key; several keys are always taken in sorted order, so holders never deadlock. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async runAll<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const releases: Array<() => void> = [];
    try {
      for (const key of sorted) releases.push(await this.acquire(key));
      return await fn();
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  private async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
