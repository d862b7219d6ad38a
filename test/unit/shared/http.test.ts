import * as z from 'zod/mini';
import { ConflictError } from '../../../lambda/shared/errors';
import { created, httpHandler, parseBody } from '../../../lambda/shared/http';
import { apiEvent, lambdaContext } from '../../support/api-event';

const schema = z.object({ name: z.string() });
const echo = httpHandler(async (request) => created(parseBody(request, schema, 64)));

async function call(handler: typeof echo, overrides: Parameters<typeof apiEvent>[0]) {
  const result = await handler(apiEvent(overrides), lambdaContext);
  return { ...result, json: result.body ? JSON.parse(result.body) : undefined };
}

describe('httpHandler', () => {
  it('answers with the route result as JSON and the correlation id', async () => {
    const result = await call(echo, { body: '{"name":"x"}', headers: { 'X-Correlation-Id': 'abc-123' } });
    expect(result.statusCode).toBe(201);
    expect(result.json).toEqual({ name: 'x' });
    expect(result.headers).toMatchObject({ 'content-type': 'application/json', 'x-correlation-id': 'abc-123' });
  });

  it('falls back to the API request id for a missing or unsafe correlation id', async () => {
    const result = await call(echo, { body: '{"name":"x"}', headers: { 'x-correlation-id': 'bad id\nwith newline' } });
    expect(result.headers?.['x-correlation-id']).toBe('req-1');
  });

  it.each([
    ['no body', { body: null }, 'is required (a JSON document)'],
    ['non-JSON', { body: '{name:' }, 'must be valid JSON'],
    ['oversized', { body: JSON.stringify({ name: 'x'.repeat(100) }) }, 'must be at most 64 bytes (got 111)'],
  ])('answers 400 for %s', async (_, overrides, message) => {
    const result = await call(echo, overrides);
    expect(result.statusCode).toBe(400);
    expect(result.json).toEqual({
      error: 'ValidationError',
      message: 'The request is not valid',
      problems: [{ path: '(body)', message }],
    });
  });

  it('decodes base64 bodies', async () => {
    const body = Buffer.from('{"name":"b64"}').toString('base64');
    const result = await call(echo, { body, isBase64Encoded: true });
    expect(result.json).toEqual({ name: 'b64' });
  });

  it('maps an AppError to its status without problems when it has none', async () => {
    const conflict = httpHandler(async () => {
      throw new ConflictError('taken');
    });
    const result = await call(conflict, {});
    expect(result.statusCode).toBe(409);
    expect(result.json).toEqual({ error: 'Conflict', message: 'taken' });
  });

  it('answers an unexpected failure with a bare 500 that leaks nothing', async () => {
    const failing = httpHandler(async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.1:5432 at secret/path.ts:12');
    });
    const result = await call(failing, {});
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toMatch(/ECONNREFUSED|secret|\.ts/);
    expect(result.json).toEqual({ error: 'InternalError', message: 'Something went wrong; the error has been logged' });
  });
});

describe('the correlation id rule', () => {
  it.each([
    ['kept', 'order-42:retry_1.a', 'order-42:retry_1.a', undefined],
    ['kept at 128 characters', 'a'.repeat(128), 'a'.repeat(128), undefined],
    ['replaced: a space', 'has space', 'req-1', 'true'],
    ['replaced: a slash', 'a/b', 'req-1', 'true'],
    ['replaced: non-ASCII', 'café', 'req-1', 'true'],
    ['replaced: over 128 characters', 'a'.repeat(129), 'req-1', 'true'],
    ['replaced: empty', '', 'req-1', 'true'],
  ])('%s', async (_, offered, answered, replaced) => {
    const handler = httpHandler(async (request) => created({ correlationId: request.correlationId }));
    const result = await call(handler, { body: '{}', headers: { 'x-correlation-id': offered } });
    expect(result.headers?.['x-correlation-id']).toBe(answered);
    expect(result.json.correlationId).toBe(answered);
    expect(result.headers?.['x-correlation-id-replaced']).toBe(replaced);
  });

  it('says nothing was replaced when the client sent none', async () => {
    const result = await call(echo, { body: '{"name":"x"}' });
    expect(result.headers?.['x-correlation-id']).toBe('req-1');
    expect(result.headers?.['x-correlation-id-replaced']).toBeUndefined();
  });
});
