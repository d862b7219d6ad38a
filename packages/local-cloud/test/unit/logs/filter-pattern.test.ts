/**
 * The filter pattern language on the examples of the CloudWatch Logs user guide
 * ("Filter pattern syntax for metric filters, subscription filters, and filter log events").
 */
import { compileFilterPattern } from '../../../src/logs/filter-pattern';

const json = (value: unknown) => `2026-12-01T00:00:00.000Z\tabc\tINFO\t${JSON.stringify(value)}`;

it.each([
  ['', 'anything', true],
  ['ERROR', '[ERROR] Fatal exception', true],
  ['ERROR', 'error: lower case', false],
  ['ERROR ARGUMENTS', 'ERROR: missing ARGUMENTS', true],
  ['ERROR ARGUMENTS', 'ERROR: missing args', false],
  ['"Internal Server Error"', 'got an Internal Server Error here', true],
  ['"Internal Server Error"', 'Internal Error Server', false],
  ['?ERROR ?WARN', 'WARN: disk', true],
  ['?ERROR ?WARN', 'INFO: fine', false],
  ['ERROR -Exiting', 'ERROR: Exiting program', false],
  ['ERROR -Exiting', 'ERROR: bad input', true],
  ['%ERROR|WARN%', 'a WARN b', true],
])('terms: %j on %j is %s', (pattern, message, expected) => {
  expect(compileFilterPattern(pattern)(message)).toBe(expected);
});

it.each([
  ['{ $.eventType = "UpdateTrail" }', { eventType: 'UpdateTrail' }, true],
  ['{ $.eventType = UpdateTrail }', { eventType: 'UpdateTrail' }, true],
  ['{ $.eventType != "UpdateTrail" }', { eventType: 'CreateTrail' }, true],
  ['{ $.sourceIPAddress = 123.123.* }', { sourceIPAddress: '123.123.1.2' }, true],
  ['{ $.bandwidth > 75 }', { bandwidth: 80 }, true],
  ['{ $.bandwidth > 75 }', { bandwidth: 70 }, false],
  ['{ $.latency <= 100 && $.status = "ok" }', { latency: 100, status: 'ok' }, true],
  ['{ ($.user.id = 1) && ($.users[0].email = "a@b.c") }', { user: { id: 1 }, users: [{ email: 'a@b.c' }] }, true],
  ['{ ($.a = 1) || ($.b = 2) }', { b: 2 }, true],
  ['{ $.errorCode IS NULL }', { errorCode: null }, true],
  ['{ $.ok IS TRUE }', { ok: true }, true],
  ['{ $.errorCode NOT EXISTS }', { other: 1 }, true],
  ['{ $.errorCode NOT EXISTS }', { errorCode: 'x' }, false],
  ['{ $.level = "ERROR" }', 'not json at all', false],
])('JSON: %s on %j is %s', (pattern, event, expected) => {
  expect(compileFilterPattern(pattern)(typeof event === 'string' ? event : json(event))).toBe(expected);
});

it.each(['{ $.level = }', '{ level = "x" }', '{ $.a > "text" }', '[ip, user]'])('refuses %j', (pattern) => {
  expect(() => compileFilterPattern(pattern)).toThrow(expect.objectContaining({ code: 'InvalidParameterException' }));
});
