/**
 * The Chaos API's rules and decisions: LocalStack's schema and defaults,
 * first match wins, probability, our seed (reproducible rule by rule) and our
 * Lambda extensions (functionName, kill, times).
 */
import { ChaosEngine } from '../../../src/chaos/engine';
import { parseRules, type CallFacts } from '../../../src/chaos/rules';

const call = (service: string, operation?: string, region = 'us-east-1'): CallFacts => ({ services: [service], region, operation });
const fn = {
  functionName: 'app-Orders-abc',
  logicalId: 'Orders1234',
  arn: 'arn:aws:lambda:us-east-1:000000000000:function:app-Orders-abc',
};

describe('rule validation', () => {
  it('takes LocalStack’s documented rules', () => {
    const parsed = parseRules([
      { service: 's3', region: 'us-east-1' },
      {
        service: 'kinesis',
        operation: 'PutRecord',
        probability: 0.3,
        error: { statusCode: 400, code: 'ProvisionedThroughputExceededException' },
      },
      {},
    ]);
    expect('rules' in parsed && parsed.rules).toHaveLength(3);
  });

  it('names every problem of a bad list and takes none of it', () => {
    const parsed = parseRules([
      { service: 3, probability: 2, error: { statusCode: 200, code: 'a b' }, extra: 1 },
      'x',
      { kill: true, service: 's3' },
    ]);
    expect('problems' in parsed && parsed.problems).toEqual([
      'rule 0: unknown field "extra"',
      'rule 0: service must be a non-empty string',
      'rule 0: probability must be a number from 0 to 1',
      'rule 0: error.statusCode must be an HTTP error status (400-599)',
      'rule 0: error.code must be an error code such as ServiceUnavailable',
      'rule 1: must be an object',
      'rule 2: kill applies to Lambda invocations only (service "lambda", operation "Invoke" or none)',
    ]);
    expect(parseRules({ service: 's3' })).toEqual({ problems: [expect.stringContaining('JSON array')] });
  });
});

describe('matching', () => {
  it('answers 503 ServiceUnavailable by default, and matches by service, region and operation', () => {
    const engine = new ChaosEngine();
    engine.setRules([
      { service: 's3', region: 'us-east-1' },
      { service: 'dynamodb', operation: 'PutItem', error: { statusCode: 400, code: 'X' } },
    ]);
    expect(engine.callFault(call('s3', 'PutObject'))).toEqual({ statusCode: 503, code: 'ServiceUnavailable' });
    expect(engine.callFault(call('s3', 'PutObject', 'eu-central-1'))).toBeUndefined();
    expect(engine.callFault(call('dynamodb', 'PutItem'))).toEqual({ statusCode: 400, code: 'X' });
    expect(engine.callFault(call('dynamodb', 'GetItem'))).toBeUndefined();
    expect(engine.callFault(call('sqs', 'SendMessage'))).toBeUndefined();
  });

  it('lets the first matching rule decide alone', () => {
    const engine = new ChaosEngine();
    engine.setRules([
      { service: 'dynamodb', operation: 'PutItem', probability: 0 },
      { service: 'dynamodb', error: { statusCode: 500, code: 'InternalServerError' } },
    ]);
    expect(engine.callFault(call('dynamodb', 'PutItem'))).toBeUndefined();
    expect(engine.callFault(call('dynamodb', 'GetItem'))).toEqual({ statusCode: 500, code: 'InternalServerError' });
  });

  it('faults every call with [{}] and none with []', () => {
    const engine = new ChaosEngine();
    engine.setRules([{}]);
    expect(engine.callFault(call('events', 'PutEvents'))).toBeDefined();
    engine.setRules([]);
    expect(engine.callFault(call('events', 'PutEvents'))).toBeUndefined();
  });

  it('PATCH appends, DELETE removes only rules equal to those given', () => {
    const engine = new ChaosEngine();
    engine.setRules([{ service: 's3' }, { service: 'lambda' }]);
    expect(engine.addRules([{ service: 'kinesis', probability: 0.5 }])).toEqual([
      { service: 's3' },
      { service: 'lambda' },
      { service: 'kinesis', probability: 0.5 },
    ]);
    expect(engine.removeRules([{ service: 'kinesis' }])).toHaveLength(3); // not equal: probability differs
    expect(engine.removeRules([{ probability: 0.5, service: 'kinesis' }, { service: 'lambda' }])).toEqual([{ service: 's3' }]);
  });

  it('leaves Lambda Invoke to the runtime, and targets one function by name, logical id or ARN', () => {
    const engine = new ChaosEngine();
    engine.setRules([{ service: 'lambda', functionName: 'Orders1234', error: { code: 'Boom' } }]);
    expect(engine.callFault({ services: ['lambda'], region: 'us-east-1', operation: 'Invoke' })).toBeUndefined();
    expect(engine.invocationFault(fn)).toEqual({
      kind: 'error',
      errorType: 'Boom',
      errorMessage: expect.stringContaining('app-Orders-abc'),
    });
    expect(engine.invocationFault({ ...fn, functionName: 'other', logicalId: 'Other', arn: 'x' })).toBeUndefined();
    engine.setRules([{ service: 'lambda', operation: 'Invoke', kill: true, times: 1 }]);
    expect(engine.invocationFault(fn)).toEqual({ kind: 'kill' });
    expect(engine.invocationFault(fn)).toBeUndefined(); // spent
    expect(engine.rules()).toHaveLength(1); // and still listed
  });

  it('fires an armed kill once, after a call signed with that worker’s key', () => {
    const engine = new ChaosEngine();
    const kill = jest.fn();
    const disarm = engine.armKill('ASIA1', kill);
    expect(engine.killArmed).toBe(true);
    engine.callServed('ASIA2');
    expect(kill).not.toHaveBeenCalled();
    engine.callServed('ASIA1');
    engine.callServed('ASIA1');
    expect(kill).toHaveBeenCalledTimes(1);
    disarm();
    expect(engine.killArmed).toBe(false);
  });
});

describe('probability and seed', () => {
  const decisions = (engine: ChaosEngine, n: number, operation = 'PutRecords') =>
    Array.from({ length: n }, () => engine.callFault(call('kinesis', operation)) !== undefined);

  it('fires about as often as the probability says', () => {
    const engine = new ChaosEngine();
    engine.setRules([{ service: 'kinesis', probability: 0.3 }]);
    engine.setEffects({ seed: 7 });
    const fired = decisions(engine, 2000).filter(Boolean).length;
    expect(fired).toBeGreaterThan(500);
    expect(fired).toBeLessThan(700);
  });

  it('repeats the same decisions for the same seed, rule by rule, whatever calls interleave', () => {
    const rules = [
      { service: 'kinesis', probability: 0.5 },
      { service: 's3', probability: 0.5 },
    ];
    const a = new ChaosEngine();
    a.setRules(rules);
    a.setEffects({ seed: 42 });
    const b = new ChaosEngine();
    b.setRules(rules);
    b.setEffects({ seed: 42 });
    const first = decisions(a, 50);
    b.callFault(call('s3', 'PutObject')); // another rule's decision in between changes nothing for kinesis
    expect(decisions(b, 50)).toEqual(first);
    const c = new ChaosEngine();
    c.setRules(rules);
    c.setEffects({ seed: 43 });
    expect(decisions(c, 50)).not.toEqual(first);
  });

  it('restarts the sequence when the seed is set again', () => {
    const engine = new ChaosEngine();
    engine.setRules([{ service: 'kinesis', probability: 0.5 }]);
    engine.setEffects({ seed: 1 });
    const first = decisions(engine, 30);
    engine.setEffects({ seed: 1 });
    expect(decisions(engine, 30)).toEqual(first);
    expect(engine.effects()).toEqual({ latency: 0, seed: 1 });
    expect(engine.setEffects({ latency: 20, seed: null })).toEqual({ latency: 20 });
  });
});
