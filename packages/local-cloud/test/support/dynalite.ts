/**
 * dynalite in this process with the local cloud's DynamoDB layer in front of
 * it (transactions, streams), served on a free port: what the unit tests of
 * the layer call with the real DynamoDB and DynamoDB Streams clients.
 */
import type { Server } from 'node:http';
import dynalite from 'dynalite';
import { DynamoDbLayer, type DynamoDbLayerOptions } from '../../src/dynamodb/layer';
import { requestListener } from '../../src/emulators';
import { serveEdgeHandler } from './edge-handler';

export interface LayeredDynalite {
  /** Client configuration for the layer's endpoint (us-east-1, dummy credentials). */
  readonly config: {
    readonly endpoint: string;
    readonly region: string;
    readonly credentials: { accessKeyId: string; secretAccessKey: string };
  };
  /** Stops the layer's endpoint (destroy clients first). */
  stop(): Promise<void>;
}

/**
 * Starts dynalite (tables ACTIVE at once) and the layer over it, handing calls
 * to dynalite's listener as the local cloud does; `options` are the layer's,
 * e.g. its streamed tables.
 */
export async function startLayeredDynalite(options: Omit<DynamoDbLayerOptions, 'dynalite'> = {}): Promise<LayeredDynalite> {
  const dynamo: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const layer = new DynamoDbLayer({ ...options, dynalite: requestListener(dynamo) });
  const served = await serveEdgeHandler(layer.handler, 'dynamodb');
  return {
    config: { endpoint: served.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
    stop: () => served.close(),
  };
}
