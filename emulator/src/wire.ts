// The network between a client and a listener, when the world asks for a round trip (latencyMs):
// a TCP relay in front of the listener that holds every chunk for half the round trip in each
// direction. The TCP handshake, which the kernel completes at once on 127.0.0.1, is paid by the
// client's first chunk: it reaches the server no sooner than one and a half round trips after the
// client connected (connected after one, then half a round trip on the way), however early or
// late the client wrote it. Through it a request on a kept-alive
// connection costs one round trip and the first request of a new HTTPS connection three (TCP,
// TLS 1.3, the request), as across a real link. Bytes keep their order; bandwidth is not limited.
import { connect, createServer, type Server, type Socket } from 'node:net';

/** A chunk to pass on, or the end of the stream ('end': a clean close, 'destroy': a reset). */
interface Item {
  at: number;
  chunk?: Buffer;
  close?: 'end' | 'destroy';
}

/** Relays from → to, each chunk delayMs later, none before notBefore (performance.now()), in order. */
function relay(from: Socket, to: Socket, delayMs: number, notBefore = 0): void {
  const queue: Item[] = [];
  let timer: NodeJS.Timeout | undefined;
  const push = (item: Omit<Item, 'at'>) => {
    // Never before the item ahead of it: a later chunk must not overtake an earlier one.
    queue.push({ ...item, at: Math.max(performance.now() + delayMs, notBefore, queue.at(-1)?.at ?? 0) });
    schedule();
  };
  const schedule = () => {
    if (timer || queue.length === 0) return;
    // A timer can fire a little before performance.now() says it is due: pump checks again.
    timer = setTimeout(pump, Math.max(0, Math.ceil(queue[0].at - performance.now())));
  };
  const pump = () => {
    timer = undefined;
    while (queue.length > 0 && queue[0].at <= performance.now()) {
      const { chunk, close } = queue.shift()!;
      if (to.destroyed) continue;
      if (chunk) to.write(chunk);
      else if (close === 'end') to.end();
      else to.destroy();
    }
    schedule();
  };
  from.on('data', (chunk: Buffer) => push({ chunk }));
  from.on('end', () => push({ close: 'end' }));
  // A side that closes without ending (a reset, a destroyed socket) closes the other side too,
  // once what it sent before has arrived.
  from.on('close', () => {
    if (!from.readableEnded) push({ close: 'destroy' });
  });
  from.on('error', () => undefined);
}

export interface Wire {
  server: Server;
  close(): void;
}

/**
 * Listens on `port` (0: any free one) of 127.0.0.1 and relays each connection to targetPort with
 * the round trip added; onConnection is told of each new connection.
 */
export async function wire(targetPort: number, port: number, roundTripMs: number, onConnection: () => void): Promise<Wire> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    onConnection();
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    relay(client, upstream, roundTripMs / 2, performance.now() + 1.5 * roundTripMs);
    relay(upstream, client, roundTripMs / 2);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    server,
    close: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}
