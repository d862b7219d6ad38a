/**
 * LocalStack's Chaos API on the edge: `/_localstack/chaos/faults` (GET the
 * rules; POST replaces them; PATCH appends; DELETE removes the rules equal to
 * those given) and `/_localstack/chaos/effects` (GET; POST `{ latency }` in ms,
 * and our `{ seed }`). Each answers the resulting configuration, as LocalStack
 * does; a malformed body is a 400 naming every problem, and changes nothing.
 */
import type { ControlHandler, ControlResponse } from '../types';
import type { ChaosEngine } from './engine';
import { parseRules } from './rules';

export function chaosControl(engine: ChaosEngine): ControlHandler {
  return async ({ method, segments, body }) => {
    const [resource, ...rest] = segments;
    if (rest.length > 0 || (resource !== 'faults' && resource !== 'effects')) {
      return { status: 404, body: { message: 'the Chaos API serves /_localstack/chaos/faults and /_localstack/chaos/effects' } };
    }
    return resource === 'faults' ? faults(engine, method, body) : effects(engine, method, body);
  };
}

function faults(engine: ChaosEngine, method: string, body: Buffer): ControlResponse {
  if (method === 'GET') return { status: 200, body: engine.rules() };
  if (method !== 'POST' && method !== 'PATCH' && method !== 'DELETE') return notAllowed('GET, POST, PATCH, DELETE');
  const json = parse(body);
  if (json === BAD_JSON) return invalid(['the body is not JSON']);
  const parsed = parseRules(json);
  if ('problems' in parsed) return invalid(parsed.problems);
  const rules =
    method === 'POST'
      ? engine.setRules(parsed.rules)
      : method === 'PATCH'
        ? engine.addRules(parsed.rules)
        : engine.removeRules(parsed.rules);
  return { status: 200, body: rules };
}

function effects(engine: ChaosEngine, method: string, body: Buffer): ControlResponse {
  if (method === 'GET') return { status: 200, body: engine.effects() };
  if (method !== 'POST') return notAllowed('GET, POST');
  const json = parse(body);
  if (json === BAD_JSON || typeof json !== 'object' || json === null || Array.isArray(json)) {
    return invalid(['the body must be a JSON object, e.g. {"latency": 500}']);
  }
  const { latency, seed, ...others } = json as Record<string, unknown>;
  const problems = Object.keys(others).map((key) => `unknown field "${key}" (the effects are latency, and our seed)`);
  if (latency !== undefined && (!Number.isInteger(latency) || (latency as number) < 0))
    problems.push('latency must be a whole number of ms, 0 or more');
  if (seed !== undefined && seed !== null && !Number.isSafeInteger(seed)) problems.push('seed must be an integer (null removes it)');
  if (problems.length > 0) return invalid(problems);
  return { status: 200, body: engine.setEffects({ latency: latency as number | undefined, seed: seed as number | null | undefined }) };
}

const BAD_JSON = Symbol('bad json');

function parse(body: Buffer): unknown {
  try {
    return JSON.parse(body.length === 0 ? 'null' : body.toString('utf8'));
  } catch {
    return BAD_JSON;
  }
}

function invalid(problems: string[]): ControlResponse {
  return { status: 400, body: { message: `invalid Chaos API configuration: ${problems.join('; ')}`, problems } };
}

function notAllowed(allow: string): ControlResponse {
  return { status: 405, body: { message: `use ${allow}` }, headers: { allow } };
}
