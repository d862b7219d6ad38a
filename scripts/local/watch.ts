/**
 * Watches the project's sources (Node's recursive `fs.watch`) and hands over
 * batches of changed files, one batch at a time: changes that arrive while a
 * batch is being handled form the next batch, so no change is lost and no two
 * reloads overlap.
 */
import { watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';

/** Sources are TypeScript/JavaScript and JSON; editors' swap and backup files are not. */
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs|json)$/;

export function watchSources(
  root: string,
  folders: readonly string[],
  onBatch: (files: string[]) => Promise<void>,
  debounceMs = 15,
): { close(): void } {
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  const flush = async () => {
    timer = undefined;
    if (running || pending.size === 0) return;
    running = true;
    const files = [...pending];
    pending.clear();
    try {
      await onBatch(files);
    } finally {
      running = false;
      if (pending.size > 0) timer = setTimeout(() => void flush(), debounceMs);
    }
  };
  const watchers: FSWatcher[] = folders.map((folder) =>
    watch(path.join(root, folder), { recursive: true }, (_event, name) => {
      if (!name || !SOURCE.test(name)) return;
      pending.add(path.join(root, folder, name));
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void flush(), debounceMs);
    }),
  );
  return {
    close() {
      if (timer) clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
