/**
 * One of the local cloud's EdgeHandlers (SQS, EventBridge, the DynamoDB
 * layer...) served alone over HTTP on a free port, as the edge would route its
 * service to it, so a unit test can call it with the real SDK client and prove
 * the protocol as well as the behaviour, without the rest of the local cloud.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EdgeHandler } from '../../src/types';

export interface ServedHandler {
  /** Base URL for the SDK client's `endpoint`, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Stops listening and closes every connection still open. */
  close(): Promise<void>;
}

/**
 * Serves `handler` as service `service` (region us-east-1); a call it does not
 * answer gets an empty 501. `called` hears each X-Amz-Target as soon as the
 * handler has been called with it (before it answers), for a test that must
 * act while a call is pending (a long poll, say).
 */
export async function serveEdgeHandler(
  handler: EdgeHandler,
  service: string,
  called?: (target: string | undefined) => void,
): Promise<ServedHandler> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const header = req.headers['x-amz-target'];
      const target = typeof header === 'string' ? header : undefined;
      const answering = handler({
        method: req.method ?? 'POST',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks),
        service,
        region: 'us-east-1',
        ...(target !== undefined ? { target } : {}),
      });
      called?.(target);
      void answering.then((answer) => {
        res.writeHead(answer?.status ?? 501, answer?.headers ?? {});
        res.end(answer?.body ?? '');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
