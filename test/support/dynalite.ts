/**
 * dynalite in this process with the local cloud's DynamoDB layer in front of
 * it (transactions, streams), served on a free port: what the unit tests of
 * the layer call with the real DynamoDB and DynamoDB Streams clients.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { DynamoDbLayer, type DynamoDbLayerOptions } from '../../local/dynamodb/transactions';
import { serveEdgeHandler } from './edge-handler';

export interface LayeredDynalite {
  /** Client configuration for the layer's endpoint (us-east-1, dummy credentials). */
  readonly config: { readonly endpoint: string; readonly region: string; readonly credentials: { accessKeyId: string; secretAccessKey: string } };
  /** Stops the layer's endpoint, the layer and dynalite (destroy clients first). */
  stop(): Promise<void>;
}

/**
 * Starts dynalite (tables ACTIVE at once) and the layer over it, the layer
 * reaching dynalite over a loopback socket; `options` are the layer's, e.g.
 * its streamed tables.
 */
export async function startLayeredDynalite(options: Omit<DynamoDbLayerOptions, 'endpoint' | 'listener'> = {}): Promise<LayeredDynalite> {
  const dynamo: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => dynamo.listen(0, '127.0.0.1', resolve));
  const layer = new DynamoDbLayer({ ...options, endpoint: `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}` });
  const served = await serveEdgeHandler(layer.handler, 'dynamodb');
  return {
    config: { endpoint: served.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
    async stop() {
      await served.close();
      await layer.stop();
      await new Promise<void>((resolve) => {
        dynamo.close(() => resolve());
        dynamo.closeAllConnections();
      });
    },
  };
}
