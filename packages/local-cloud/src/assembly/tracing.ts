/**
 * X-Ray tracing is not emulated: no segment is recorded and there is no X-Ray
 * API. Functions get a `_X_AMZN_TRACE_ID` with `Sampled=0` (and `AWS_SAM_LOCAL`,
 * which tells the Powertools Tracer there is no daemon), so tracing code runs
 * and records nothing. Every resource of the template that turns tracing on is
 * listed at start.
 */
import type { NotEmulatedFeature } from '../provision';
import type { LocalStack } from '../types';

const DETAIL = 'X-Ray tracing is not emulated: no traces are recorded (trace headers are set, not sampled)';

export function tracingNotEmulated(stack: LocalStack): NotEmulatedFeature[] {
  const notes: NotEmulatedFeature[] = [];
  for (const r of stack.resources) {
    const p = r.properties;
    if (r.type === 'AWS::Lambda::Function' && p.TracingConfig?.Mode === 'Active') {
      notes.push({ logicalId: r.logicalId, type: r.type, feature: 'TracingConfig', detail: DETAIL });
    }
    if (r.type === 'AWS::ApiGateway::Stage' && (p.TracingEnabled === true || p.TracingEnabled === 'true')) {
      notes.push({ logicalId: r.logicalId, type: r.type, feature: 'TracingEnabled', detail: DETAIL });
    }
    if (r.type === 'AWS::StepFunctions::StateMachine' && p.TracingConfiguration?.Enabled === true) {
      notes.push({ logicalId: r.logicalId, type: r.type, feature: 'TracingConfiguration', detail: DETAIL });
    }
  }
  return notes;
}
