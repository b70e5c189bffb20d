// The HTTP CONNECT proxy clients are pointed at with HTTPS_PROXY. Azure's blob host names
// (<account>.blob.<suffix>) need no DNS this way: the proxy ends their TLS itself, with a
// certificate for *.blob.<suffix> from the emulator's CA, and serves them as Blob storage. A
// CONNECT to one of the emulator's own listeners (127.0.0.1, localhost, or the name
// azure-emulator.test, which only this proxy resolves) is tunnelled as it is, so a test can send
// every request of a run through the proxy; anything else is refused: nothing here reaches the internet.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createSecureContext, TLSSocket } from 'node:tls';
import { EMULATOR_HOST } from './tls.js';
import type { ProxyLogEntry } from './types.js';

export interface Proxy {
  url: string;
  close(): Promise<void>;
}

export async function startProxy(o: {
  tls: { key: string; cert: string };
  isStorageHost(host: string): boolean;
  /** Ports of the emulator's own listeners on 127.0.0.1. */
  ownPorts(): number[];
  storage: (req: IncomingMessage, res: ServerResponse) => void;
  log: ProxyLogEntry[];
  now(): number;
}): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const context = createSecureContext({ key: o.tls.key, cert: o.tls.cert });
  // Never listens: it is handed the TLS sockets of the tunnels.
  const blob = createServer(o.storage);
  blob.keepAliveTimeout = 5_000;

  const server = createServer((_req, res) => {
    // A plain-http proxy request: nothing here is served over http.
    res.writeHead(405, { 'content-type': 'text/plain' }).end('This proxy only tunnels (CONNECT).');
  });
  server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    track(socket);
    const target = req.url ?? '';
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
    const host = (m?.[1] ?? target).toLowerCase();
    const port = Number(m?.[2] ?? 443);
    const entry: ProxyLogEntry = { host, port, outcome: 'refused', time: o.now() };
    o.log.push(entry);
    if (port === 443 && o.isStorageHost(host)) {
      entry.outcome = 'storage';
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) socket.unshift(head);
      const secure = new TLSSocket(socket, { isServer: true, secureContext: context });
      track(secure);
      blob.emit('connection', secure);
      return;
    }
    if ((host === '127.0.0.1' || host === 'localhost' || host === EMULATOR_HOST) && o.ownPorts().includes(port)) {
      entry.outcome = 'tunnel';
      const upstream = connect(port, '127.0.0.1', () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      track(upstream);
      upstream.on('close', () => socket.destroy());
      socket.on('close', () => upstream.destroy());
      return;
    }
    socket.end(
      'HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\n\r\nThe emulator proxy reaches only Azure Blob storage hosts of its world and its own listeners.',
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
        blob.closeAllConnections();
      }),
  };
}
