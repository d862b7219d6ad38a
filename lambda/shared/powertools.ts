import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * One Logger and one Metrics per container. Service name and namespace come from
 * POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE set by ServiceFunction.
 * Tracing is Lambda's active X-Ray tracing; the Powertools Tracer is left out on
 * purpose (see docs/decisions.md and BENCHMARKS.md for its measured cost).
 */
export const logger = new Logger();
export const metrics = new Metrics();

export { MetricUnit } from '@aws-lambda-powertools/metrics';
