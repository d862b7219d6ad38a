/**
 * What a service declares to the protocol layer: a table of operations by
 * name. An operation takes the request's input, typed as the SDK's command
 * input in its wire form (`Wire<PutEventsRequest>`), and returns the output
 * (or throws an `AwsError`); the layer parses, dispatches and renders.
 */
import type { EdgeRequest, EdgeResponse } from '../types';

/**
 * An SDK shape as the JSON protocols carry it: blobs as base64 strings,
 * timestamps as epoch seconds (or whatever the caller sent), every member
 * possibly absent (a wire input is what the caller sent, not what the model
 * promises: operations still validate).
 */
export type Wire<T> = T extends Date
  ? number | string
  : T extends Uint8Array
    ? string
    : T extends ReadonlyArray<infer U>
      ? Array<Wire<U>>
      : T extends object
        ? { [K in keyof T]?: Wire<T[K]> }
        : T;

/** One operation: its input as parsed from the request (see `Wire`), the request itself for the rare one that needs it. */
export type Operation<I = never> = (input: I, request: EdgeRequest) => Promise<object> | object;

/**
 * An operation served from the raw request, body unparsed (the DynamoDB layer
 * hands most calls to dynalite byte for byte); it renders its own answer.
 */
export interface RawOperation {
  readonly raw: (request: EdgeRequest, operation: string) => Promise<EdgeResponse>;
}

/** A service's operations by name (the part of the X-Amz-Target after the dot, or the Query `Action`). */
export type OperationTable = Readonly<Record<string, Operation | RawOperation>>;

/** Marks an operation as served from the raw request (see `RawOperation`). */
export function raw(handler: RawOperation['raw']): RawOperation {
  return { raw: handler };
}

export function isRaw(operation: Operation | RawOperation): operation is RawOperation {
  return typeof operation === 'object';
}

/** Calls a parsed-input operation; the one place where the parsed JSON is taken for the declared input type. */
export function callOperation(operation: Operation, input: unknown, request: EdgeRequest): Promise<object> | object {
  return (operation as unknown as Operation<unknown>)(input, request);
}
