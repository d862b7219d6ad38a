import { compareSequence, readDeadLetter } from '../../../cli/redrive/dead-letters';
import { rawLogPrefixes } from '../../../cli/redrive/raw-log';

const FN = 'arn:aws:lambda:us-east-1:123456789012:function:consumer';

describe('readDeadLetter', () => {
  it('reads an on-failure invocation record as the function and its original event', () => {
    const body = JSON.stringify({ requestContext: { functionArn: `${FN}:$LATEST` }, requestPayload: { detail: { id: 1 } } });
    expect(readDeadLetter(body)).toEqual({ kind: 'async-invocation', functionArn: FN, event: { detail: { id: 1 } } });
  });

  it('reads a stream mapping record as pointers into its stream', () => {
    const batch = { shardId: 's', startSequenceNumber: '1', endSequenceNumber: '9', streamArn: 'arn:aws:kinesis:us-east-1:1:stream/x' };
    expect(readDeadLetter(JSON.stringify({ requestContext: { functionArn: FN }, KinesisBatchInfo: batch }))).toEqual({
      kind: 'stream-batch',
      source: 'kinesis',
      functionArn: FN,
      batch,
    });
    expect(readDeadLetter(JSON.stringify({ requestContext: { functionArn: FN }, DDBStreamBatchInfo: batch }))).toMatchObject({
      source: 'dynamodb',
    });
    expect(readDeadLetter(JSON.stringify({ requestContext: { functionArn: FN }, KinesisBatchInfo: { shardId: 's' } })).kind).toBe(
      'unknown',
    );
  });

  it("reads a rule target's dead letter by its TARGET_ARN attribute", () => {
    const event = { source: 'commerce.orders', 'detail-type': 'OrderPlaced', detail: {} };
    expect(readDeadLetter(JSON.stringify(event), { TARGET_ARN: FN, RULE_ARN: 'arn:rule' })).toEqual({
      kind: 'rule-target',
      targetArn: FN,
      ruleArn: 'arn:rule',
      event,
    });
  });

  it('refuses what names no function: a function DeadLetterConfig message, non-JSON, other shapes', () => {
    expect(readDeadLetter('{"detail":{}}', { RequestID: 'r', ErrorCode: '200' })).toMatchObject({
      kind: 'unknown',
      reason: expect.stringContaining('DeadLetterConfig'),
    });
    expect(readDeadLetter('not json').kind).toBe('unknown');
    expect(readDeadLetter('{"a":1}').kind).toBe('unknown');
  });
});

it('compares sequence numbers longer than a double holds', () => {
  expect(
    compareSequence('49500000000000000000000000000000000000000000000000000002', '49500000000000000000000000000000000000000000000000000001'),
  ).toBe(1);
  expect(compareSequence('10', '9')).toBe(1);
  expect(compareSequence('7', '7')).toBe(0);
});

it('reads the raw log an hour either side of a batch, across midnight', () => {
  expect(rawLogPrefixes(new Date('2026-01-01T23:30:00Z'), new Date('2026-01-02T00:10:00Z'))).toEqual([
    'raw/2026/01/01/22/',
    'raw/2026/01/01/23/',
    'raw/2026/01/02/00/',
    'raw/2026/01/02/01/',
  ]);
});
