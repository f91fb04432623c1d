/**
 * The HTTP bench's client, in a process of its own: a real client is not inside the server, and parsing
 * SSE in the server's process would bill the client's CPU to the HTTP layer. The parent asks for a
 * measurement over IPC and gets the aggregate rate back.
 */
import { httpRate, type Api } from './http-load.ts';

interface Ask {
  api: Api;
  origin: string;
  model: string;
  numStreams: number;
  round: number;
}

process.on('message', (ask: Ask) => {
  void httpRate(ask.api, ask.origin, ask.model, ask.numStreams, ask.round).then((rate) => process.send!({ rate }));
});
process.send!({ ready: true });
