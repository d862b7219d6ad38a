/**
 * The Chaos API's `kill` fault for one invocation (service `lambda`, see chaos/engine.ts).
 *
 * Guarantees: the worker is killed right after the edge has answered its first AWS call
 * or, if it makes none, as it finishes (its answer is lost); either way the invocation
 * fails as a crashed runtime does (`Runtime.ExitError`), and the kill is logged.
 */
import type { InvocationFaults } from '../types';
import type { LogSink, Outcome, Worker } from './execution-environment';
import type { LocalFunction } from './functions';

export interface KillTarget {
  readonly fn: LocalFunction;
  readonly worker: Worker;
  /** The worker's own access key id: the edge recognises its calls by it. */
  readonly accessKeyId: string;
}

export async function invokeThenKill(
  { fn, worker, accessKeyId }: KillTarget,
  faults: InvocationFaults,
  log: LogSink,
  requestId: string,
  eventJson: string,
): Promise<Outcome> {
  const kill = () => {
    log(`[${fn.displayName}] worker killed mid-invocation by a Chaos API rule (kill)`);
    worker.kill();
  };
  const disarm = faults.armKill(accessKeyId, kill);
  const outcome = await worker.invoke(requestId, eventJson, fn.timeoutSeconds * 1000);
  disarm();
  if (!worker.alive) return outcome;
  kill();
  return {
    kind: 'error',
    status: 'error',
    durationMs: outcome.durationMs,
    maxMemoryMb: outcome.maxMemoryMb,
    error: worker.exitError(requestId, null, 'SIGKILL'),
  };
}
