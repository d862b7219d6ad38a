/**
 * The OpenAPI 3.1 document of the API, built in memory from the route table
 * (lib/routes.ts: every route, its access and scopes), the handlers' zod
 * schemas (requests.ts), the response schemas tied to the handlers' types
 * (responses.ts) and the per-route answers (operations.ts).
 *
 * Guarantees: every route of the table is documented and nothing else (a
 * route missing from operations.ts, or an extra entry, throws); the same
 * inputs give the same document, byte for byte (components and paths sorted,
 * methods in a fixed order), so CI can check `docs/openapi.json` is current.
 */
import * as z from 'zod/mini';
import { machineScopes, RESOURCE_SERVER, ROUTES, routeName, type Route } from '../../lib/routes';
import { type BodyResponse, type ErrorResponse, OPERATIONS, type OperationSpec } from './operations';
import { itemsOf, PARAMETERS, requestSchemas } from './requests';
import { responseSchemas } from './responses';

type Json = Record<string, unknown>;

export const OPENAPI_FILE = 'docs/openapi.json';
const SCHEMAS = '#/components/schemas/';
const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` });

/** The order of methods under a path. */
const METHOD_ORDER = ['get', 'put', 'post', 'delete', 'patch'];

/**
 * A registry's schemas as JSON Schema 2020-12 (OpenAPI 3.1's dialect), as a
 * client sends them (zod's input side: a request object is closed when its
 * schema is strict; a response object is open, so a new field is not a
 * breaking change). zod's safe-integer bounds of `z.int()` are left out.
 */
function convert(registry: typeof requestSchemas): Json {
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'input',
    metadata: registry,
    unrepresentable: 'throw',
    uri: (id) => `${SCHEMAS}${id}`,
    override: ({ jsonSchema }) => {
      if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
      if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
    },
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const { $schema: _dialect, $id: _id, ...rest } = schema as Json;
      return [id, rest];
    }),
  );
}

/** Every component schema: the request bodies and the response bodies. */
function componentSchemas(): Json {
  const schemas: Json = {};
  for (const [id, schema] of [...Object.entries(convert(requestSchemas)), ...Object.entries(convert(responseSchemas))]) {
    if (id in schemas) throw new Error(`two schemas are named ${id}: rename one in requests.ts or responses.ts`);
    schemas[id] = schema;
  }
  for (const [envelope, { property, item }] of Object.entries(itemsOf)) {
    const properties = (schemas[envelope] as { properties: Record<string, Json> }).properties;
    properties[property] = { ...properties[property], items: { $ref: `${SCHEMAS}${item}` } };
  }
  // A customer's events are the caller's: `userId` may be left out (lambda/analytics/activity-request.ts, attributeActivity).
  const event = schemas.ActivityEventInput as Json & { required: string[] };
  schemas.CustomerActivityEventInput = {
    ...event,
    description: `${event.description as string} Here \`userId\` may be left out (the caller), and must be the caller's when sent.`,
    required: event.required.filter((name) => name !== 'userId'),
  };
  const batch = schemas.ActivityBatchRequest as Json & { properties: { events: Json } };
  schemas.CustomerActivityBatchRequest = {
    ...batch,
    properties: { ...batch.properties, events: { ...batch.properties.events, items: { $ref: `${SCHEMAS}CustomerActivityEventInput` } } },
  };
  return sorted(schemas);
}

/** The shared error answers: the handlers' `{ error, message, problems? }` and the gateway's `{ message }`. */
const ERRORS: Record<string, { description: string; schema: 'Error' | 'GatewayError' }> = {
  BadRequest: { description: 'The request is not valid: every problem at once (`ValidationError`).', schema: 'Error' },
  Forbidden: { description: 'A signed-in caller that may not do this (`Forbidden`).', schema: 'Error' },
  NotFound: { description: 'Missing, or not the caller’s to read (the same answer: ids cannot be probed).', schema: 'Error' },
  Unprocessable: { description: 'This Idempotency-Key was used with another body (`Unprocessable`).', schema: 'Error' },
  ServiceUnavailable: { description: 'Nothing could be processed now; send the same request again.', schema: 'Error' },
  InternalError: { description: 'A failure; no details (they are logged under the correlation id).', schema: 'Error' },
  Unauthorized: { description: 'API Gateway: no token, a bad or expired one, or the wrong kind (`Unauthorized`).', schema: 'GatewayError' },
  MissingApiKey: { description: 'API Gateway: no or an unknown `x-api-key` (`Forbidden`).', schema: 'GatewayError' },
  PayloadTooLarge: { description: 'API Gateway: the body is over its limit (10 MB).', schema: 'GatewayError' },
  TooManyRequests: { description: 'API Gateway: throttled (stage, method or usage-plan limit, or the web ACL).', schema: 'GatewayError' },
};

const correlationHeader = { 'x-correlation-id': ref('headers', 'CorrelationId') };

function errorResponses(): Json {
  return sorted(
    Object.fromEntries(
      Object.entries(ERRORS).map(([name, { description, schema }]) => [
        name,
        {
          description,
          ...(schema === 'Error' ? { headers: correlationHeader } : {}),
          content: { 'application/json': { schema: { $ref: `${SCHEMAS}${schema}` } } },
        },
      ]),
    ),
  );
}

/** How each access is called: an ID token, or a machine client's access token with its scopes and API key. */
function securityOf(route: Route): Json[] {
  switch (route.access) {
    case 'customer':
    case 'admin':
      return [{ idToken: [] }];
    case 'machine':
      return [{ machineToken: route.scopes.map((scope) => `${RESOURCE_SERVER}/${scope}`), apiKey: [] }];
    case 'public':
      return [];
  }
}

const ACCESS_NOTE: Record<Route['access'], string> = {
  customer: 'Access: customer (any signed-in user, ID token).',
  admin: 'Access: admin (a user in the `admins` group, ID token; others get 403).',
  machine: 'Access: machine (a `client_credentials` access token with the scope, and that client’s `x-api-key`).',
  public: 'Access: public.',
};

function responsesOf(route: Route, spec: OperationSpec): Json {
  const answers: Record<string, BodyResponse | ErrorResponse | keyof typeof ERRORS> = {
    ...spec.responses,
    401: 'Unauthorized',
    429: 'TooManyRequests',
    500: 'InternalError',
  };
  if (spec.body) answers[413] = 'PayloadTooLarge';
  if (route.access === 'admin') answers[403] = 'Forbidden';
  if (route.access === 'machine') answers[403] = 'MissingApiKey';
  const entries = Object.entries(answers).sort(([a], [b]) => a.localeCompare(b));
  return Object.fromEntries(
    entries.map(([status, answer]) => {
      if (typeof answer === 'string') return [status, ref('responses', answer)];
      const headers = Object.fromEntries(
        Object.entries(answer.headers ?? {}).map(([name, description]) => [name, { description, schema: { type: 'string' } }]),
      );
      return [
        status,
        {
          description: answer.description,
          headers: { ...correlationHeader, ...headers },
          content: { 'application/json': { schema: { $ref: `${SCHEMAS}${answer.body}` } } },
        },
      ];
    }),
  );
}

function operation(route: Route, spec: OperationSpec): Json {
  const bodies = spec.body === undefined ? [] : [spec.body].flat();
  const schema = bodies.length === 1 ? { $ref: `${SCHEMAS}${bodies[0]}` } : { oneOf: bodies.map((b) => ({ $ref: `${SCHEMAS}${b}` })) };
  return {
    operationId: spec.operationId,
    tags: [spec.tag],
    summary: spec.summary,
    description: [spec.description, ACCESS_NOTE[route.access], route.amplifies && `Worst case of one request: ${route.amplifies}.`]
      .filter(Boolean)
      .join('\n\n'),
    'x-access': route.access,
    security: securityOf(route),
    parameters: [...(spec.parameters ?? []), 'correlationId'].map((name) => ref('parameters', name)),
    ...(bodies.length > 0 ? { requestBody: { required: true, content: { 'application/json': { schema } } } } : {}),
    responses: responsesOf(route, spec),
  };
}

function paths(): Json {
  const extra = Object.keys(OPERATIONS).filter((name) => !ROUTES.some((route) => routeName(route) === name));
  if (extra.length > 0)
    throw new Error(`scripts/openapi/operations.ts documents routes that lib/routes.ts does not list: ${extra.join(', ')}`);
  const byPath: Record<string, Json> = {};
  for (const route of ROUTES) {
    const spec = OPERATIONS[routeName(route)];
    if (!spec) throw new Error(`${routeName(route)} is in lib/routes.ts but not documented: add it to scripts/openapi/operations.ts`);
    (byPath[route.path] ??= {})[route.method.toLowerCase()] = operation(route, spec);
  }
  return sorted(
    Object.fromEntries(
      Object.entries(byPath).map(([path, methods]) => [
        path,
        Object.fromEntries(Object.entries(methods).sort(([a], [b]) => METHOD_ORDER.indexOf(a) - METHOD_ORDER.indexOf(b))),
      ]),
    ),
  );
}

/** The document, as an object. */
export function openApiDocument(): Json {
  return {
    openapi: '3.1.1',
    info: {
      title: 'serverless-commerce API',
      version: '0.1.0',
      description:
        'Generated by `npm run docs:openapi` from lib/routes.ts and the zod schemas that validate requests; do not edit by hand. Money is integer cents; ids are UUIDs (a user id is the Cognito `sub`).',
    },
    servers: [
      { url: 'http://127.0.0.1:3000', description: 'The local cloud (`npm start`)' },
      {
        url: 'https://{restApiId}.execute-api.{region}.amazonaws.com/{stage}',
        description: 'AWS: the `ApiUrl` output',
        variables: awsVariables(),
      },
    ],
    tags: [
      { name: 'users', description: 'Profiles and admin registration' },
      { name: 'orders', description: 'Orders and their saga status' },
      { name: 'inventory', description: 'Stock and prices' },
      { name: 'analytics', description: 'Activity events and engagement' },
    ],
    paths: paths(),
    components: {
      schemas: componentSchemas(),
      parameters: sorted(PARAMETERS),
      headers: {
        CorrelationId: { description: 'The request’s correlation id (yours, or the API request id).', schema: { type: 'string' } },
      },
      responses: errorResponses(),
      securitySchemes: securitySchemes(),
    },
  };
}

function awsVariables(): Json {
  return {
    restApiId: { default: 'abcdef1234', description: 'The REST API id' },
    region: { default: 'us-east-1' },
    stage: { default: 'dev', enum: ['dev', 'prod'] },
  };
}

function securitySchemes(): Json {
  return {
    idToken: {
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
      description:
        "The Cognito ID token of a signed-in user, as the `Authorization` header's value; checked by the Cognito authorizer. An access token is refused (401).",
    },
    machineToken: {
      type: 'oauth2',
      description:
        'A Cognito access token of a machine client (`client_credentials` grant) with the route’s scope, as the `Authorization` header’s value. The token URL is the stack’s `TokenUrl` output (the dev stage’s on AWS is shown; locally `<edge>/_cognito/<domain prefix>/oauth2/token`). An ID token is refused (401).',
      flows: {
        clientCredentials: {
          tokenUrl: 'https://serverless-commerce-dev-123456789012.auth.us-east-1.amazoncognito.com/oauth2/token',
          scopes: Object.fromEntries(machineScopes().map((scope) => [`${RESOURCE_SERVER}/${scope}`, `The ${scope} routes`])),
        },
      },
    },
    apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'The machine client’s API key (its usage plan throttles it).' },
  };
}

/** `value` with its keys in sorted order (one level). */
function sorted<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}

/**
 * The document as `docs/openapi.json` holds it: JSON indented by two spaces,
 * a final newline. (Generated, so prettier leaves it alone: .prettierignore.)
 */
export function renderOpenApi(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}
