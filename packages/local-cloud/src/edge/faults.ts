/**
 * The edge's fault step (route → parse → faults → service): LocalStack's
 * Chaos API applied to one AWS call once its service is known and before any
 * handler or upstream sees it. The configured latency is waited first; then
 * a firing rule's error is answered in the call's protocol (edge/errors.ts),
 * so the SDK raises the named error and retries it exactly as it would
 * AWS's (5xx, throttling codes). Every answered call also reports its access
 * key to the engine, which is how a Lambda worker is killed right after its
 * first AWS call (chaos `kill`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChaosEngine } from '../chaos/engine';
import { operationOf, serviceNames, type CallLine } from '../chaos/operation';
import { sendError } from './errors';
import { accessKeyOf } from './routing';

/**
 * Applies the chaos effects and faults to a call; true when a fault was
 * answered (the caller then stops). `body` is the call's body if already read;
 * otherwise an answered call's body is drained.
 */
export async function applyFaults(
  chaos: ChaosEngine,
  req: IncomingMessage,
  res: ServerResponse,
  call: CallLine & { readonly region: string },
): Promise<boolean> {
  if (chaos.killArmed) {
    const accessKey = accessKeyOf(req);
    if (accessKey !== undefined) res.once('finish', () => chaos.callServed(accessKey));
  }
  await chaos.delay();
  const fault = chaos.callFault({ services: serviceNames(call.service, call.target), region: call.region, operation: operationOf(call) });
  if (!fault) return false;
  if (!call.body) req.resume();
  sendError(res, req, fault.statusCode, fault.code, `Service '${call.service}' not accessible due to an outage`, call.service);
  return true;
}
