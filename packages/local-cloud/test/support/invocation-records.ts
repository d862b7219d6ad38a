/**
 * Invocation records as the local Lambda runtime writes them, for tests of the records
 * file: every field an InvocationRecord has, its timestamp `ageMs` before now.
 */
import type { InvocationRecord } from '../../src/types';

export function invocationRecord(requestId: string, ageMs = 0, functionName = 'S-Fn'): InvocationRecord {
  return {
    timestamp: new Date(Date.now() - ageMs).toISOString(),
    functionName,
    logicalId: 'Fn',
    requestId,
    memorySizeMb: 128,
    durationMs: 1,
    billedDurationMs: 1,
    maxMemoryUsedMb: 40,
    status: 'success',
  };
}
