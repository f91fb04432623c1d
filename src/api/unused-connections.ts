/**
 * Connections that never sent a request are closed when the server closes. Node counts such a connection
 * (a browser's preconnect, a client that opened the port and went quiet) neither idle nor busy:
 * closeIdleConnections() leaves it open, and server.close() waits for it until the client gives up, which
 * held a SIGTERM's drain for its whole --drain-timeout with no request in flight.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

export function closeUnusedConnectionsOnClose(app: FastifyInstance): void {
  const unused = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
  });
  app.server.on('request', (request: IncomingMessage) => unused.delete(request.socket as Socket));
  app.addHook('preClose', (done) => {
    for (const socket of unused) socket.destroy();
    done();
  });
}
