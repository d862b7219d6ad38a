/**
 * SNS subscription filter policies, matched with the EventBridge pattern
 * engine (eventbridge/pattern.ts) where the two languages agree: exact
 * strings and numbers, `prefix`, `suffix`, `anything-but`, `numeric`,
 * `exists`, `equals-ignore-case`, `cidr`, `$or`. What the policy is matched
 * against, per `FilterPolicyScope` (SNS developer guide, "Amazon SNS message
 * filtering"):
 * - `MessageAttributes` (default): one field per message attribute; a
 *   `String` attribute is its string, a `Number` its number, a
 *   `String.Array` its parsed JSON array (any element may match); `Binary`
 *   attributes are not matched;
 * - `MessageBody`: the message parsed as JSON (a message that is not a JSON
 *   object matches no policy).
 * Pure: no I/O.
 */
import { compileEventPattern, type CompiledEventPattern } from '../eventbridge/pattern';
import { invalidParameter, isRecord, type SnsMessageAttribute } from './model';

export type FilterPolicyScope = 'MessageAttributes' | 'MessageBody';

/** Compiles a policy; InvalidParameter (as SetSubscriptionAttributes answers it) when it is not valid. */
export function compileFilterPolicy(policy: string): CompiledEventPattern {
  try {
    return compileEventPattern(policy);
  } catch (error) {
    throw invalidParameter(`FilterPolicy: ${(error as Error).message}`);
  }
}

export function validateScope(scope: string): FilterPolicyScope {
  if (scope !== 'MessageAttributes' && scope !== 'MessageBody') throw invalidParameter('FilterPolicyScope: Invalid value');
  return scope;
}

/** Whether a message passes a subscription's policy. */
export function passesPolicy(
  policy: CompiledEventPattern,
  scope: FilterPolicyScope,
  message: string,
  attributes: Readonly<Record<string, SnsMessageAttribute>>,
): boolean {
  if (scope === 'MessageBody') {
    let body: unknown;
    try {
      body = JSON.parse(message);
    } catch {
      return false;
    }
    return isRecord(body) && policy.matches(body);
  }
  return policy.matches(attributeDocument(attributes));
}

function attributeDocument(attributes: Readonly<Record<string, SnsMessageAttribute>>): Record<string, unknown> {
  const document: Record<string, unknown> = {};
  for (const [name, attribute] of Object.entries(attributes)) {
    const value = attribute.StringValue;
    if (value === undefined) continue;
    if (attribute.DataType.startsWith('Number')) document[name] = Number(value);
    else if (attribute.DataType === 'String.Array') {
      try {
        document[name] = JSON.parse(value);
      } catch {
        document[name] = value;
      }
    } else if (attribute.DataType.startsWith('String')) document[name] = value;
  }
  return document;
}
