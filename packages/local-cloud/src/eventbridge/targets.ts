/**
 * What a rule's target receives: the event itself, or what the target's
 * `Input`, `InputPath` or `InputTransformer` make of it.
 */
import type { EventBridgeEvent, Rule, Target } from './model';
import { isRecord } from './rules';

/** What the target receives: the event, or what its Input / InputPath / InputTransformer make of it. */
export function targetInput(rule: Rule, target: Target, event: EventBridgeEvent): unknown {
  if (target.input !== undefined) return parseOrString(target.input);
  if (target.inputPath !== undefined) return jsonPath(event, target.inputPath) ?? null;
  if (target.inputTransformer) {
    const values: Record<string, unknown> = {
      'aws.events.rule-arn': rule.arn,
      'aws.events.rule-name': rule.name,
      'aws.events.event.ingestion-time': event.time,
      'aws.events.event': event,
      'aws.events.event.json': event,
    };
    for (const [name, path] of Object.entries(target.inputTransformer.InputPathsMap ?? {})) values[name] = jsonPath(event, path);
    const text = target.inputTransformer.InputTemplate.replace(/<([A-Za-z0-9_.-]+)>/g, (placeholder, name: string) => {
      if (!(name in values)) return placeholder;
      const value = values[name];
      // A string goes in as its characters (the template quotes it where it wants a JSON string).
      if (typeof value === 'string') return JSON.stringify(value).slice(1, -1);
      return value === undefined ? 'null' : JSON.stringify(value);
    });
    return parseOrString(text);
  }
  return event;
}

/** The subset of JSONPath EventBridge uses: `$`, `.name`, `['name']`, `[index]`. */
function jsonPath(root: unknown, path: string): unknown {
  if (!path.startsWith('$')) return undefined;
  let value: unknown = root;
  const steps = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/g;
  let consumed = 1;
  for (let m = steps.exec(path); m; m = steps.exec(path)) {
    if (m.index !== consumed) return undefined;
    consumed = m.index + m[0].length;
    const key = m[1] ?? m[3] ?? m[4];
    if (key !== undefined) value = isRecord(value) ? value[key] : undefined;
    else value = Array.isArray(value) ? value[Number(m[2])] : undefined;
  }
  return consumed === path.length ? value : undefined;
}

function parseOrString(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
