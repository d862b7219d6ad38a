import { IntrinsicError, evaluateCondition, resolveValue, type ResolveContext } from '../../../src/assembly/intrinsics';

const physical: Record<string, string> = { Table: 'dev-Table', Queue: 'http://localhost:4566/000000000000/dev-Queue' };
const attributes: Record<string, Record<string, string>> = {
  Table: {
    Arn: 'arn:aws:dynamodb:us-east-1:000000000000:table/dev-Table',
    StreamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/dev-Table/stream/x',
  },
  Queue: { Arn: 'arn:aws:sqs:us-east-1:000000000000:dev-Queue', QueueName: 'dev-Queue' },
};

function context(overrides: Partial<ResolveContext> = {}): ResolveContext {
  return {
    region: 'us-east-1',
    accountId: '000000000000',
    stackName: 'Shop-dev',
    parameters: { Stage: 'dev', Zones: ['a', 'b'] },
    conditions: {
      IsDev: { 'Fn::Equals': [{ Ref: 'Stage' }, 'dev'] },
      IsProd: { 'Fn::Not': [{ Condition: 'IsDev' }] },
      DevInUsEast: { 'Fn::And': [{ Condition: 'IsDev' }, { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] }] },
      AnyOf: { 'Fn::Or': [{ Condition: 'IsProd' }, { 'Fn::Equals': ['x', 'x'] }] },
    },
    ref: (id) => physical[id],
    getAtt: (id, att) => {
      if (!attributes[id]) return undefined;
      const v = attributes[id][att];
      if (v === undefined) throw new Error(`no attribute ${att} on ${id}`);
      return v;
    },
    ...overrides,
  };
}

describe('resolveValue', () => {
  it('resolves Ref of resources, parameters and pseudo parameters', () => {
    expect(
      resolveValue(
        {
          table: { Ref: 'Table' },
          stage: { Ref: 'Stage' },
          region: { Ref: 'AWS::Region' },
          account: { Ref: 'AWS::AccountId' },
          partition: { Ref: 'AWS::Partition' },
          suffix: { Ref: 'AWS::URLSuffix' },
          stack: { Ref: 'AWS::StackName' },
        },
        context(),
      ),
    ).toEqual({
      table: 'dev-Table',
      stage: 'dev',
      region: 'us-east-1',
      account: '000000000000',
      partition: 'aws',
      suffix: 'amazonaws.com',
      stack: 'Shop-dev',
    });
    expect(resolveValue({ Ref: 'AWS::StackId' }, context())).toMatch(
      /^arn:aws:cloudformation:us-east-1:000000000000:stack\/Shop-dev\/[0-9a-f-]{36}$/,
    );
  });

  it('removes the key or list element holding AWS::NoValue', () => {
    expect(
      resolveValue(
        {
          kept: 1,
          removed: { Ref: 'AWS::NoValue' },
          list: ['a', { 'Fn::If': ['IsProd', 'b', { Ref: 'AWS::NoValue' }] }, 'c'],
        },
        context(),
      ),
    ).toEqual({ kept: 1, list: ['a', 'c'] });
    expect(resolveValue({ Ref: 'AWS::NoValue' }, context())).toBeUndefined();
  });

  it('resolves Fn::GetAtt in array and dotted string forms', () => {
    expect(resolveValue({ 'Fn::GetAtt': ['Table', 'StreamArn'] }, context())).toBe(attributes.Table.StreamArn);
    expect(resolveValue({ 'Fn::GetAtt': 'Queue.QueueName' }, context())).toBe('dev-Queue');
    expect(resolveValue({ 'Fn::GetAtt': ['Queue', { Ref: 'AttName' }] }, context({ parameters: { AttName: 'Arn' } }))).toBe(
      attributes.Queue.Arn,
    );
  });

  it('resolves Fn::Join, Fn::Select, Fn::Split, Fn::Base64 and Fn::GetAZs', () => {
    const ctx = context();
    expect(resolveValue({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'Table' }, '/*']] }, ctx)).toBe(
      'arn:aws:s3:::dev-Table/*',
    );
    expect(resolveValue({ 'Fn::Join': [',', { Ref: 'Zones' }] }, ctx)).toBe('a,b');
    expect(resolveValue({ 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] }, ctx)).toBe('b');
    expect(resolveValue({ 'Fn::Select': ['5', { 'Fn::Split': [':', { 'Fn::GetAtt': ['Queue', 'Arn'] }] }] }, ctx)).toBe('dev-Queue');
    expect(resolveValue({ 'Fn::Base64': { 'Fn::Sub': 'hello ${AWS::Region}' } }, ctx)).toBe(
      Buffer.from('hello us-east-1').toString('base64'),
    );
    expect(resolveValue({ 'Fn::GetAZs': '' }, ctx)).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    expect(resolveValue({ 'Fn::Select': [0, { 'Fn::GetAZs': { Ref: 'AWS::Region' } }] }, ctx)).toBe('us-east-1a');
  });

  it('resolves Fn::Sub in both forms, with GetAtt, pseudo parameters and ${!Literal}', () => {
    const ctx = context();
    expect(resolveValue({ 'Fn::Sub': 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${Queue.QueueName}' }, ctx)).toBe(
      attributes.Queue.Arn,
    );
    expect(resolveValue({ 'Fn::Sub': '${Table}-${Stage}-${!NotReplaced}' }, ctx)).toBe('dev-Table-dev-${NotReplaced}');
    expect(resolveValue({ 'Fn::Sub': ['${Name}/${Table.Arn}', { Name: { 'Fn::Join': ['-', ['x', { Ref: 'Stage' }]] } }] }, ctx)).toBe(
      `x-dev/${attributes.Table.Arn}`,
    );
  });

  it('chooses Fn::If branches from conditions built of Equals, Not, And, Or and Condition', () => {
    const ctx = context();
    expect(resolveValue({ 'Fn::If': ['IsDev', 'small', 'large'] }, ctx)).toBe('small');
    expect(resolveValue({ 'Fn::If': ['IsProd', 'large', { Ref: 'Table' }] }, ctx)).toBe('dev-Table');
    expect(evaluateCondition('DevInUsEast', ctx)).toBe(true);
    expect(evaluateCondition('AnyOf', ctx)).toBe(true);
    const prod = context({ parameters: { Stage: 'prod' } });
    expect(resolveValue({ 'Fn::If': ['IsDev', 'small', 'large'] }, prod)).toBe('large');
    expect(evaluateCondition('DevInUsEast', prod)).toBe(false);
  });

  it('resolves Fn::FindInMap', () => {
    const ctx = context({ mappings: { Sizes: { dev: { Memory: 256 } } } });
    expect(resolveValue({ 'Fn::FindInMap': ['Sizes', { Ref: 'Stage' }, 'Memory'] }, ctx)).toBe(256);
  });

  it('leaves plain values, including objects that merely contain a Ref key among others, alone', () => {
    const value = { Statement: [{ Effect: 'Allow', Condition: { StringEquals: { 'aws:x': 'y' } } }], n: 3, b: false, z: null };
    expect(resolveValue(value, context())).toEqual(value);
  });

  it('names the template path of what it cannot resolve', () => {
    const ctx = context();
    expect(() => resolveValue({ Env: { Variables: { T: { Ref: 'Missing' } } } }, ctx, 'Resources.Fn.Properties')).toThrow(
      new IntrinsicError('Resources.Fn.Properties.Env.Variables.T.Ref', "Ref to 'Missing', which is neither a resource nor a parameter"),
    );
    expect(() => resolveValue({ 'Fn::GetAtt': ['Nope', 'Arn'] }, ctx, 'X')).toThrow(/^X\.Fn::GetAtt: .*no resource 'Nope'/);
    expect(() => resolveValue({ 'Fn::GetAtt': ['Table', 'Bogus'] }, ctx, 'X')).toThrow('X.Fn::GetAtt: no attribute Bogus on Table');
    expect(() => resolveValue({ 'Fn::Sub': 'x-${Missing}' }, ctx, 'Y')).toThrow(/^Y\.Fn::Sub\.\$\{Missing\}: Ref to 'Missing'/);
    expect(() => resolveValue({ 'Fn::If': ['Unknown', 1, 2] }, ctx, 'Z')).toThrow("Z.Fn::If[0]: unknown condition 'Unknown'");
    expect(() => resolveValue({ 'Fn::Cidr': ['10.0.0.0/16', 2, 8] }, ctx, 'W')).toThrow(
      'W.Fn::Cidr: Fn::Cidr is not supported by the local cloud',
    );
    expect(() => resolveValue({ 'Fn::Select': [3, ['a']] }, ctx, 'V')).toThrow('V.Fn::Select: index 3 is out of range for a list of 1');
  });

  it('makes Fn::ImportValue a clear error unless exports are known', () => {
    expect(() => resolveValue({ 'Fn::ImportValue': 'Shared-BusArn' }, context(), 'Resources.R.Properties.Bus')).toThrow(
      /^Resources\.R\.Properties\.Bus\.Fn::ImportValue: Fn::ImportValue 'Shared-BusArn': no stack of this cloud assembly exports it/,
    );
    const ctx = context({ importValue: (name) => (name === 'Shared-BusArn' ? 'arn:bus' : undefined) });
    expect(resolveValue({ 'Fn::ImportValue': 'Shared-BusArn' }, ctx)).toBe('arn:bus');
  });
});
