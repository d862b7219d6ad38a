/**
 * What the provisioning of every service shares: how a property the emulators
 * cannot honour is reported, and the small helpers of the create calls.
 */
import type { StackResource } from './types';

/** Reports a property of a resource that the local cloud does not honour. */
export type Note = (resource: StackResource, feature: string, detail: string) => void;

/** What a create call came to: `existing` when a kept `--data-dir` already had it (left as it was). */
export type ProvisionOutcome = 'created' | 'existing';

export function tagList(tags: unknown): Array<{ Key: string; Value: string }> {
  return Array.isArray(tags) ? tags.map((t: any) => ({ Key: String(t.Key), Value: String(t.Value) })) : [];
}

export function isEnabled(value: unknown): boolean {
  return value === true || value === 'true';
}

export function isUnknownOperation(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return e.name === 'UnknownOperationException' || /UnknownOperation/.test(String(e.message));
}

/** Polls until `ready` (the emulators report ACTIVE within a tick or two). */
export async function until(ready: () => Promise<boolean>, attempts = 200): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('did not become ACTIVE');
}
