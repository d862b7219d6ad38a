/**
 * What SQS checks before it acts: queue attributes, message attributes,
 * required and bounded parameters, payload sizes; each failure as SQS words it.
 */
import { invalidParameter, missingParameter, sqsError } from './errors';
import { ATTRIBUTES, isRecord, type MessageAttributeValue } from './model';

/** Validates settable queue attributes and returns them as the strings SQS stores. */
export function validateAttributes(attributes: unknown, fifo: boolean): Record<string, string> {
  if (!isRecord(attributes)) throw invalidParameter('Attributes must be a map of attribute names to values.');
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(attributes)) {
    const spec = ATTRIBUTES[name];
    if (!spec) throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    const value = typeof raw === 'string' ? raw : typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
    if (spec.min !== undefined) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < spec.min || n > (spec.max ?? Infinity)) {
        throw invalidParameter(`Invalid value for the parameter ${name}. Reason: Must be an integer from ${spec.min} to ${spec.max}.`);
      }
    }
    if (name === 'RedrivePolicy') {
      let policy: unknown;
      try {
        policy = JSON.parse(value);
      } catch {
        policy = undefined;
      }
      if (!isRecord(policy) || typeof policy.deadLetterTargetArn !== 'string' || !(Number(policy.maxReceiveCount) > 0)) {
        throw invalidParameter(
          'Invalid value for the parameter RedrivePolicy. Reason: Redrive policy needs deadLetterTargetArn and a positive maxReceiveCount.',
        );
      }
    }
    if ((name === 'FifoQueue' || name === 'ContentBasedDeduplication') && value !== 'true' && value !== 'false') {
      throw invalidParameter(`Invalid value for the parameter ${name}.`);
    }
    if (name === 'FifoQueue' && (value === 'true') !== fifo) throw invalidParameter('FifoQueue must match the queue name (.fifo suffix).');
    out[name] = value;
  }
  return out;
}

export function validateMessageAttributes(value: unknown): Record<string, MessageAttributeValue> {
  if (value === undefined) return {};
  if (!isRecord(value)) throw invalidParameter('MessageAttributes must be a map.');
  const entries = Object.entries(value);
  if (entries.length > 10)
    throw invalidParameter('Number of message attributes [' + entries.length + '] exceeds the allowed maximum [10].');
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, attribute] of entries) {
    if (!isRecord(attribute) || typeof attribute.DataType !== 'string')
      throw invalidParameter(`The message attribute '${name}' must contain a non-empty attribute type.`);
    const type = attribute.DataType;
    if (type.startsWith('Binary')) {
      if (typeof attribute.BinaryValue !== 'string')
        throw invalidParameter(`The message attribute '${name}' with type 'Binary' must use field 'Binary'.`);
      out[name] = { DataType: type, BinaryValue: attribute.BinaryValue };
    } else if (type.startsWith('String') || type.startsWith('Number')) {
      if (typeof attribute.StringValue !== 'string')
        throw invalidParameter(`The message attribute '${name}' must contain a non-empty message attribute value.`);
      if (type.startsWith('Number') && !Number.isFinite(Number(attribute.StringValue))) {
        throw invalidParameter(`Can't cast the value of message (user) attribute '${name}' to a number.`);
      }
      out[name] = { DataType: type, StringValue: attribute.StringValue };
    } else {
      throw invalidParameter(
        `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      );
    }
  }
  return out;
}

export function payloadBytes(body: string, attributes: unknown): number {
  let size = Buffer.byteLength(body);
  if (isRecord(attributes)) {
    for (const [name, a] of Object.entries(attributes)) {
      if (!isRecord(a)) continue;
      size += Buffer.byteLength(name) + Buffer.byteLength(String(a.DataType ?? ''));
      size +=
        typeof a.BinaryValue === 'string' ? Buffer.from(a.BinaryValue, 'base64').length : Buffer.byteLength(String(a.StringValue ?? ''));
    }
  }
  return size;
}

/** A required string parameter of a wire input; `MissingParameter` when absent or empty. */
export function required<T extends object>(input: T, name: keyof T & string): string {
  const value: unknown = (input as Record<string, unknown>)[name];
  if (typeof value !== 'string' || value === '') throw missingParameter(name);
  return value;
}

/** An optional integer parameter within SQS's bounds; `InvalidParameterValue` otherwise. */
export function optionalInteger<T extends object>(input: T, name: keyof T & string, min: number, max: number): number | undefined {
  const value: unknown = (input as Record<string, unknown>)[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidParameter(
      `Value ${String(value)} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}, if provided.`,
    );
  }
  return value;
}
