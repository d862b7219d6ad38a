/**
 * docs/openapi.json is current, valid OpenAPI 3.1, and documents exactly the
 * API the template serves: regenerated in memory it equals the committed file
 * byte for byte; it passes an OpenAPI 3.1 schema validator (and a broken copy
 * does not); every `$ref` resolves; its paths × methods are the synthesised
 * stage's `AWS::ApiGateway::Method`s and the route table's routes, each with
 * the security the method enforces (authorizer scopes, API key).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { RESOURCE_SERVER, ROUTES, routeName } from '../../lib/routes';
import { OPENAPI_FILE, openApiDocument, renderOpenApi } from '../../scripts/openapi/document';
import { resourcesOf, synthesisePlatform, type Resources, type TemplateResource } from '../support/synth';

const ROOT = path.join(__dirname, '..', '..');
const committed = readFileSync(path.join(ROOT, OPENAPI_FILE), 'utf8');
const document = JSON.parse(committed) as {
  openapi: string;
  paths: Record<string, Record<string, { security: Record<string, string[]>[]; responses: Record<string, unknown> }>>;
};

/** `GET /users/{userId}` for every method resource of the template's REST API. */
function servedMethods(resources: Resources): Map<string, TemplateResource> {
  const fullPath = new Map<string, string>();
  const resolve = (id: string): string => {
    const known = fullPath.get(id);
    if (known !== undefined) return known;
    const resource = resources[id];
    const parent = resource?.Properties.ParentId?.Ref as string | undefined;
    const resolved =
      resource?.Type === 'AWS::ApiGateway::Resource' ? `${parent ? resolve(parent) : ''}/${resource.Properties.PathPart}` : '';
    fullPath.set(id, resolved);
    return resolved;
  };
  const methods = new Map<string, TemplateResource>();
  for (const resource of Object.values(resources).filter((r) => r.Type === 'AWS::ApiGateway::Method')) {
    const resourceId = resource.Properties.ResourceId?.Ref ?? resource.Properties.ResourceId?.['Fn::GetAtt']?.[0];
    methods.set(`${resource.Properties.HttpMethod} ${resolve(resourceId) || '/'}`, resource);
  }
  return methods;
}

const operations = () =>
  Object.entries(document.paths).flatMap(([p, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${p}`, operation })),
  );

it('is current: regenerated, it equals the committed docs/openapi.json', () => {
  const regenerated = renderOpenApi();
  const verdict = regenerated === committed ? 'current' : `${OPENAPI_FILE} is stale: run npm run docs:openapi`;
  expect(verdict).toBe('current');
});

it('is deterministic: two builds give the same JSON', () => {
  expect(JSON.stringify(openApiDocument())).toBe(JSON.stringify(openApiDocument()));
});

it('validates as OpenAPI 3.1 (and the validator refuses a broken copy)', async () => {
  const { Validator } = await import('@seriousme/openapi-schema-validator');
  expect(document.openapi).toMatch(/^3\.1\./);
  const result = await new Validator().validate(JSON.parse(committed));
  expect(result).toEqual({ valid: true });

  const broken = JSON.parse(committed);
  delete broken.paths['/orders'].get.responses;
  broken.paths['/orders'].get.security = 'idToken';
  expect((await new Validator().validate(broken)).valid).toBe(false);
});

it('resolves every $ref inside the document', () => {
  const refs = [...committed.matchAll(/"\$ref": "([^"]+)"/g)].map((m) => m[1]!);
  expect(refs.length).toBeGreaterThan(50);
  const unresolved = refs.filter((ref) => {
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<any>((node, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], document);
    return target === undefined;
  });
  expect(unresolved).toEqual([]);
});

describe('documents exactly the API the template serves', () => {
  let served: Map<string, TemplateResource>;
  beforeAll(() => {
    served = servedMethods(resourcesOf(synthesisePlatform('dev', { bundle: false })).resources);
  });

  it("has the synthesised stage's methods and the route table's routes, no more, no less", () => {
    const documented = operations()
      .map((o) => o.name)
      .sort();
    expect(documented).toEqual([...served.keys()].sort());
    expect(documented).toEqual(ROUTES.map(routeName).sort());
  });

  it('states the security each method enforces: an ID token, or the access token with its scopes and the API key', () => {
    for (const { name, operation } of operations()) {
      const method = served.get(name)!.Properties;
      const scopes: string[] | undefined = method.AuthorizationScopes;
      expect([name, method.AuthorizationType]).toEqual([name, 'COGNITO_USER_POOLS']);
      const expected = scopes ? [{ machineToken: scopes, apiKey: [] }] : [{ idToken: [] }];
      expect([name, operation.security]).toEqual([name, expected]);
      expect([name, method.ApiKeyRequired ?? false]).toEqual([name, scopes !== undefined]);
    }
    const machine = ROUTES.filter((r) => r.access === 'machine').map((r) => r.scopes.map((s) => `${RESOURCE_SERVER}/${s}`));
    expect(machine).toEqual([['commerce/activity.write']]);
  });

  it('answers the gateway 401 and 429 and the handler 500 on every operation, and 413 where there is a body', () => {
    for (const { name, operation } of operations()) {
      const statuses = Object.keys(operation.responses);
      expect([name, statuses]).toEqual([name, expect.arrayContaining(['401', '429', '500'])]);
      if ('requestBody' in operation) expect([name, statuses]).toEqual([name, expect.arrayContaining(['413'])]);
    }
  });
});
