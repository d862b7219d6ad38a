/**
 * Ports of the local cloud: free ones for the embedded emulators, and one clean
 * line instead of a stack trace when a port the user asked for is taken.
 */
import { createServer, type Server as NetServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A server that can listen like `http.Server` and `net.Server` do. */
export type Listenable = Pick<NetServer, 'listen' | 'once' | 'off' | 'address'>;

/**
 * A port could not be opened. Its message is one line meant for the terminal
 * as is; the stack is that same line, so printing the error never shows a trace.
 */
export class PortError extends Error {
  constructor(
    message: string,
    readonly port: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'PortError';
    this.stack = message;
  }
}

/**
 * A port that was free on `host` a moment ago. The OS may give it to someone
 * else before the caller binds it; prefer listening on port 0 when the server
 * is yours, and use this for ports handed to other processes.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  const port = await listenOrExplain(server, 0, host, 'free port probe');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts `server` on `port` (0 for any free one) and resolves with the port
 * it got. EADDRINUSE, EACCES and EADDRNOTAVAIL reject with a `PortError` whose
 * message is one actionable line, e.g.
 * `Port 3000 is already in use (API Gateway); stop what uses it or pass --api-port`.
 *
 * @param what   what the port is for, as the user knows it ("API Gateway", "edge")
 * @param option the CLI option that chooses this port, named in the advice
 */
export function listenOrExplain(server: Listenable, port: number, host: string, what: string, option?: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(explain(error, port, host, what, option));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function explain(error: NodeJS.ErrnoException, port: number, host: string, what: string, option?: string): Error {
  const advice = option ? `pass ${option}` : 'choose another port';
  switch (error.code) {
    case 'EADDRINUSE':
      return new PortError(`Port ${port} is already in use (${what}); stop what uses it or ${advice}`, port, error.code);
    case 'EACCES':
      return new PortError(
        `Port ${port} needs privileges this process does not have (${what}); use a port above 1023 or ${advice}`,
        port,
        error.code,
      );
    case 'EADDRNOTAVAIL':
      return new PortError(`Address ${host} is not available on this machine (${what}); use 127.0.0.1 or 0.0.0.0`, port, error.code);
    default:
      return error;
  }
}
