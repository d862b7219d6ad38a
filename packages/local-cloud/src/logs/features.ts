/**
 * What of the template's logging the local CloudWatch Logs does not do, listed at start
 * (never silently dropped): API Gateway stages' access logs (`AccessLogSetting`).
 */
import type { NotEmulatedFeature } from '../provision';
import type { LocalStack } from '../types';

export function logsNotEmulated(stack: LocalStack): NotEmulatedFeature[] {
  return stack
    .byType('AWS::ApiGateway::Stage')
    .filter((stage) => stage.properties.AccessLogSetting !== undefined)
    .map((stage) => ({
      logicalId: stage.logicalId,
      type: stage.type,
      feature: 'AccessLogSetting',
      detail: "access logs are not written: the local CloudWatch Logs holds functions' output only",
    }));
}
