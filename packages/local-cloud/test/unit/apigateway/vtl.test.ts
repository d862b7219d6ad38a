import { evaluatePath } from '../../../src/apigateway/jsonpath';
import { selectResponse } from '../../../src/apigateway/integration-response';
import { chooseRequestTemplate, integrationRequestParameters } from '../../../src/apigateway/mapping';
import { renderTemplate, util } from '../../../src/apigateway/vtl';

const params = {
  path: { id: 'p-1' },
  querystring: { q: 'shoes', id: 'q-1' },
  header: { 'Content-Type': 'application/json', 'X-Trace': 't' },
};
const render = (template: string, body = '{"name":"Ann","items":[{"sku":"a","qty":2},{"sku":"b","qty":1}]}') =>
  renderTemplate(template, {
    body,
    params,
    context: { requestId: 'req-1', stage: 'prod', authorizer: { claims: { sub: 'u-1' } }, identity: { sourceIp: '127.0.0.1' } },
    stageVariables: { table: 'Orders' },
  });

describe('mapping templates (VTL)', () => {
  it('gives $input.json, $input.path, $input.body and $input.params as API Gateway does', () => {
    const { output } = render(
      `{"all":$input.json('$'),"first":$input.json('$.items[0].sku'),"name":"$input.path('$.name')","raw":"$util.escapeJavaScript($input.body)",` +
        `"id":"$input.params('id')","q":"$input.params('q')","h":"$input.params('x-trace')","none":"$input.params('nope')","n":$input.path('$.items').size()}`,
    );
    expect(JSON.parse(output)).toEqual({
      all: {
        name: 'Ann',
        items: [
          { sku: 'a', qty: 2 },
          { sku: 'b', qty: 1 },
        ],
      },
      first: 'a',
      name: 'Ann',
      raw: '{"name":"Ann","items":[{"sku":"a","qty":2},{"sku":"b","qty":1}]}',
      id: 'p-1', // path first, then query string, then header
      q: 'shoes',
      h: 't',
      none: '',
      n: 2,
    });
  });

  it('runs #set, #foreach and #if, with $context, $stageVariables and $util', () => {
    const { output } = render(
      `#set($root = $input.path('$'))[#foreach($i in $root.items)#if($i.qty > 1){"sku":"$i.sku","by":"$context.authorizer.claims.sub"}#else"$util.urlEncode('a b&c')"#end#if($foreach.hasNext),#end#end,` +
        `"$stageVariables.table","$context.requestId","$util.base64Encode('hi')","$util.base64Decode('aGk=')","$util.parseJson('{"k":3}').k","$stageVariables.missing"]`,
    );
    expect(JSON.parse(output)).toEqual([{ sku: 'a', by: 'u-1' }, 'a+b%26c', 'Orders', 'req-1', 'aGk=', 'hi', '3', '']);
  });

  it('reports $context.responseOverride and requestOverride', () => {
    const { overrides } = render(
      `#set($context.responseOverride.status = 418)#set($context.responseOverride.header.X-Kind = "teapot")#set($context.requestOverride.header.X-Amz-Invocation-Type = "Event")`,
    );
    expect(overrides).toMatchObject({ status: 418, headers: { 'X-Kind': 'teapot' }, requestHeaders: { 'X-Amz-Invocation-Type': 'Event' } });
  });

  it('escapes as $util.escapeJavaScript documents (single quotes too)', () => {
    expect(util.escapeJavaScript(`it's "x"\n/é`)).toBe(`it\\'s \\"x\\"\\n\\/\\u00E9`);
  });

  it('reads the JSONPath subset and refuses the rest loudly', () => {
    expect(evaluatePath({ a: [{ b: 1 }, { b: 2 }] }, '$.a[*].b')).toEqual([1, 2]);
    expect(evaluatePath({ a: { 'x y': 1 } }, "$.a['x y']")).toBe(1);
    expect(evaluatePath({}, '$.a.b')).toBeUndefined();
    expect(() => evaluatePath({}, '$..a')).toThrow(/not emulated/);
  });
});

describe('integration request and response mapping', () => {
  const request = {
    path: { id: 'p-1' },
    querystring: { q: 'x' },
    multivaluequerystring: { q: ['x'] },
    header: { 'X-Client': 'c' },
    multivalueheader: { 'X-Client': ['c'] },
    body: '{"a":{"b":5}}',
    context: { requestId: 'r-1' },
    stageVariables: { v: 'sv' },
  };

  it('maps RequestParameters from the method request, the context, stage variables and literals', () => {
    expect(
      integrationRequestParameters(
        {
          'integration.request.header.X-Amz-Invocation-Type': "'Event'",
          'integration.request.path.orderId': 'method.request.path.id',
          'integration.request.querystring.q': 'method.request.querystring.q',
          'integration.request.header.X-From': 'method.request.header.x-client',
          'integration.request.header.X-Request': 'context.requestId',
          'integration.request.header.X-Stage': 'stageVariables.v',
          'integration.request.header.X-B': 'method.request.body.a.b',
          'integration.request.header.X-None': 'method.request.header.absent',
        },
        request,
      ),
    ).toEqual({
      header: { 'X-Amz-Invocation-Type': 'Event', 'X-From': 'c', 'X-Request': 'r-1', 'X-Stage': 'sv', 'X-B': '5' },
      querystring: { q: 'x' },
      path: { orderId: 'p-1' },
    });
  });

  it('chooses the request template by content type, as PassthroughBehavior says', () => {
    const templates = { RequestTemplates: { 'application/json': '{}' } };
    expect(chooseRequestTemplate(templates, 'application/json; charset=utf-8')).toEqual({ kind: 'template', template: '{}' });
    expect(chooseRequestTemplate(templates, undefined)).toEqual({ kind: 'template', template: '{}' });
    expect(chooseRequestTemplate(templates, 'text/plain')).toEqual({ kind: 'passthrough' });
    expect(chooseRequestTemplate({ ...templates, PassthroughBehavior: 'WHEN_NO_TEMPLATES' }, 'text/plain')).toEqual({
      kind: 'unsupported',
    });
    expect(chooseRequestTemplate({ PassthroughBehavior: 'WHEN_NO_TEMPLATES' }, 'text/plain')).toEqual({ kind: 'passthrough' });
    expect(chooseRequestTemplate({ PassthroughBehavior: 'NEVER' }, 'application/json')).toEqual({ kind: 'unsupported' });
  });

  it('selects the integration response whose pattern matches the whole selector, else the default', () => {
    const responses = [
      { StatusCode: '200' },
      { StatusCode: '404', SelectionPattern: '.*not found.*' },
      { StatusCode: '400', SelectionPattern: '4\\d{2}' },
    ];
    expect(selectResponse(responses, undefined)?.StatusCode).toBe('200');
    expect(selectResponse(responses, 'order not found')?.StatusCode).toBe('404');
    expect(selectResponse(responses, '404')?.StatusCode).toBe('400');
    expect(selectResponse(responses, 'x404')?.StatusCode).toBe('200'); // a partial match is no match
    expect(selectResponse([{ StatusCode: '400', SelectionPattern: 'bad' }], 'fine')).toBeUndefined();
  });
});
