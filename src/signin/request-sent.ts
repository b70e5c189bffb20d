// When the first GitHub OIDC request has left: the entry waits for it before loading the Azure half,
// whose compiling and evaluating hold the main thread for tens of milliseconds and would otherwise
// hold the request's connection and write behind them. Node announces every node:http(s) request
// it starts on the diagnostics channel 'http.client.request.start'; @actions/http-client sends
// through node:http(s).
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';

const START = 'http.client.request.start';

/**
 * Resolves once the next node:http(s) request started after this call has been handed to the
 * operating system (its 'finish'), or has ended without (an error, a closed connection).
 */
export function nextRequestSent(): Promise<void> {
  return new Promise((resolve) => {
    const onStart = (message: unknown) => {
      unsubscribe(START, onStart);
      const request = (message as { request: ClientRequest }).request;
      request.once('finish', () => resolve());
      request.once('close', () => resolve());
    };
    subscribe(START, onStart);
  });
}

/**
 * Starts work whose first step is a request, and resolves once that request has left or the work
 * has ended (it may fail, or send nothing): loading heavy code then does not hold the request back.
 * The work is handed back in a box, so that awaiting this does not await it; its failure is
 * handled here (never an unhandled rejection while it waits) and seen again by whoever awaits it.
 */
export async function afterItsRequest<T>(start: () => Promise<T>): Promise<{ work: Promise<T> }> {
  const sent = nextRequestSent();
  const work = start();
  const settled = work.then(
    () => undefined,
    () => undefined,
  );
  await Promise.race([sent, settled]);
  return { work };
}
