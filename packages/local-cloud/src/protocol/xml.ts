/**
 * XML for the protocols that answer in it: the AWS Query protocol (query.ts)
 * and REST-XML services such as S3, whose errors are `<Error>` documents.
 */
import type { EdgeResponse } from '../types';
import type { AwsError } from './errors';

/** A map in an XML answer: rendered as `<entry><key>…</key><value>…</value></entry>` items. */
export class XmlMap {
  constructor(readonly entries: Readonly<Record<string, unknown>>) {}
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => XML_ESCAPES[c]!);
}

const XML_ESCAPES: Readonly<Record<string, string>> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' };

/**
 * The members of a structure as XML elements, in key order: scalars as text,
 * lists as `<member>` items (AWS Query's default, non-flattened lists),
 * `XmlMap`s as entries, dates in ISO 8601; undefined and null members are left out.
 */
export function toXml(structure: Readonly<Record<string, unknown>>): string {
  let out = '';
  for (const [name, value] of Object.entries(structure)) {
    if (value !== undefined && value !== null) out += `<${name}>${xmlValue(value)}</${name}>`;
  }
  return out;
}

function xmlValue(value: unknown): string {
  if (Array.isArray(value)) return value.map((item) => `<member>${xmlValue(item)}</member>`).join('');
  if (value instanceof XmlMap) {
    return Object.entries(value.entries)
      .map(([key, item]) => `<entry><key>${escapeXml(key)}</key><value>${xmlValue(item)}</value></entry>`)
      .join('');
  }
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && value !== null) return toXml(value as Record<string, unknown>);
  return escapeXml(String(value));
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** A REST-XML error (S3's shape): `<Error><Code/><Message/><RequestId/></Error>`. */
export function restXmlError(error: AwsError, requestId: string): EdgeResponse {
  const body = `${XML_DECLARATION}<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message><RequestId>${requestId}</RequestId></Error>`;
  return {
    status: error.status,
    headers: { 'content-type': 'application/xml', 'x-amzn-requestid': requestId, 'x-amz-request-id': requestId },
    body,
  };
}

/** An AWS Query error: `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`. */
export function queryError(error: AwsError, requestId: string): EdgeResponse {
  const body =
    `${XML_DECLARATION}<ErrorResponse><Error><Type>${error.fault}</Type><Code>${escapeXml(error.queryCode)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  return {
    status: error.status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId, 'x-amz-request-id': requestId },
    body,
  };
}

/** An AWS Query success: `<{Op}Response xmlns><{Op}Result>…</{Op}Result><ResponseMetadata/></{Op}Response>`. */
export function queryAnswer(
  operation: string,
  xmlNamespace: string,
  output: Readonly<Record<string, unknown>>,
  requestId: string,
): EdgeResponse {
  const result = toXml(output);
  const body =
    `${XML_DECLARATION}<${operation}Response xmlns="${escapeXml(xmlNamespace)}">` +
    (result ? `<${operation}Result>${result}</${operation}Result>` : '') +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}
