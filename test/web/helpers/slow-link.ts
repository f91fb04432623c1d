/**
 * A slow link between the page and the real server: an HTTP relay that passes requests on unchanged and
 * lets the response through a few hundred bytes at a time. The tiny test model writes a 1,500-token answer
 * in under 2 s, so without it a test that clicks Stop mid-answer can lose the race to the answer's end on a
 * loaded machine. The relay, unlike Chromium's own throttling, hangs up on the server as soon as the page
 * does, so the server sees the cancellation as it would from a real client.
 */
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Transform, pipeline } from 'node:stream';

export interface SlowLink {
  /** `url` of the same path and query on the relay, for `route.continue({ url })`. */
  via(url: string): string;
  close(): Promise<void>;
}

export async function openSlowLink(origin: string, { bytesPerTick = 256, tickMs = 25 } = {}): Promise<SlowLink> {
  const target = new URL(origin);
  const server = http.createServer((request, response) => {
    const upstream = http.request({ host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers }, (reply) => {
      response.writeHead(reply.statusCode ?? 502, reply.headers);
      pipeline(reply, paced(bytesPerTick, tickMs), response, () => upstream.destroy());
    });
    upstream.on('error', () => response.destroy());
    response.on('close', () => upstream.destroy());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    via: (url) => {
      const relayed = new URL(url);
      return `http://127.0.0.1:${port}${relayed.pathname}${relayed.search}`;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function paced(bytesPerTick: number, tickMs: number): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      void (async () => {
        for (let offset = 0; offset < chunk.length; offset += bytesPerTick) {
          this.push(chunk.subarray(offset, offset + bytesPerTick));
          await sleep(tickMs);
        }
        done();
      })();
    },
  });
}
