import { Duration } from 'aws-cdk-lib';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/**
 * The failure handling every stream consumer of the platform shares (Kinesis and
 * DynamoDB streams): start from the oldest record, bisect a failing batch, retry only
 * the records the handler reports as failed, at most 5 times within 24 hours, one
 * batch per shard at a time (records of a key stay in order), then send the failed
 * records' metadata to `failures`.
 */
export function streamFailureHandling(failures: sqs.IQueue) {
  return {
    startingPosition: StartingPosition.TRIM_HORIZON,
    bisectBatchOnError: true,
    reportBatchItemFailures: true,
    retryAttempts: 5,
    maxRecordAge: Duration.hours(24),
    parallelizationFactor: 1,
    onFailure: new SqsDlq(failures),
  };
}
