import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { AppError, ValidationError } from './errors';
import { logger, metrics } from './powertools';
import { validate } from './validation';

/** What a route handler returns; the wrapper turns it into a proxy result. */
export interface HttpResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface HttpRequest {
  readonly event: APIGatewayProxyEvent;
  readonly correlationId: string;
  /** Case-insensitive header lookup. */
  header(name: string): string | undefined;
  pathParameter(name: string): string | undefined;
}

export const CORRELATION_HEADER = 'x-correlation-id';
/** Sent on an answer whose correlation id is not the one the client offered (it broke the rule). */
export const CORRELATION_REPLACED_HEADER = 'x-correlation-id-replaced';
/** The rule for a client's `x-correlation-id`: 1–128 of `A-Za-z0-9._:-` (safe in logs, headers and event metadata). */
export const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const ok = (body: unknown): HttpResponse => ({ status: 200, body });
export const created = (body: unknown): HttpResponse => ({ status: 201, body });
export const accepted = (body: unknown): HttpResponse => ({ status: 202, body });

/**
 * Wraps a route: correlation id on every log line and on the response (the
 * client's `x-correlation-id` when it keeps the rule above; else the API
 * request id, and when the client had offered one, the answer also carries
 * `x-correlation-id-replaced: true`), cold-start metric, and the one error
 * mapping of the project — an AppError becomes its status with its problems,
 * anything else a 500 that says nothing about the failure (it is logged instead).
 */
export function httpHandler(route: (request: HttpRequest) => Promise<HttpResponse>) {
  return async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const headers = lowerCaseKeys(event.headers);
    const offered = headers[CORRELATION_HEADER];
    const kept = offered !== undefined && CORRELATION_ID.test(offered);
    const correlationId = kept ? offered : (event.requestContext?.requestId ?? context.awsRequestId);
    const replaced: Record<string, string> = offered !== undefined && !kept ? { [CORRELATION_REPLACED_HEADER]: 'true' } : {};
    logger.resetKeys();
    logger.addContext(context);
    logger.appendKeys({ correlationId, route: `${event.httpMethod} ${event.resource}` });
    metrics.captureColdStartMetric();
    let response: HttpResponse;
    try {
      response = await route({
        event,
        correlationId,
        header: (name) => headers[name.toLowerCase()],
        pathParameter: (name) => event.pathParameters?.[name] ?? undefined,
      });
    } catch (error) {
      response = errorResponse(error);
    } finally {
      metrics.publishStoredMetrics();
    }
    return {
      statusCode: response.status,
      headers: { 'content-type': 'application/json', [CORRELATION_HEADER]: correlationId, ...replaced, ...response.headers },
      body: response.body === undefined ? '' : JSON.stringify(response.body),
    };
  };
}

function errorResponse(error: unknown): HttpResponse {
  if (error instanceof AppError) {
    logger.info('Request rejected', { status: error.status, code: error.code, problems: error.problems });
    const problems = error.problems.length > 0 ? { problems: error.problems } : {};
    return { status: error.status, body: { error: error.code, message: error.message, ...problems } };
  }
  logger.error('Request failed', error as Error);
  return { status: 500, body: { error: 'InternalError', message: 'Something went wrong; the error has been logged' } };
}

function lowerCaseKeys(headers: APIGatewayProxyEvent['headers'] | null | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) if (value !== undefined) result[key.toLowerCase()] = value;
  return result;
}

/** Decodes the body (plain or base64) within a size limit and parses it as JSON. */
export function jsonBody(request: HttpRequest, maxBytes: number): unknown {
  const { body, isBase64Encoded } = request.event;
  if (body === null || body === undefined || body === '') {
    throw new ValidationError([{ path: '(body)', message: 'is required (a JSON document)' }]);
  }
  const bytes = isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  if (bytes.length > maxBytes) {
    throw new ValidationError([{ path: '(body)', message: `must be at most ${maxBytes} bytes (got ${bytes.length})` }]);
  }
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ValidationError([{ path: '(body)', message: 'must be valid JSON' }]);
  }
}

/** The body limit of a route that names none (`POST /orders`, `PUT /inventory/{sku}`). */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;

/** Parses and validates the JSON body against `schema`, listing every problem in one 400. */
export function parseBody<S extends z.ZodMiniType>(request: HttpRequest, schema: S, maxBytes = DEFAULT_MAX_BODY_BYTES): z.infer<S> {
  return validate(schema, jsonBody(request, maxBytes));
}
