// The HTTP side: listeners (behind the simulated network of wire.ts when the world asks for a
// round trip), routing by path, the request log (secrets redacted) and faults. Every listener serves every route; the route says which service a request was for.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { wire } from './wire.js';
import type { Faults } from './faults.js';
import type { FaultKind, RequestLogEntry, Service } from './types.js';

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  url: URL;
  /** Path with repeated slashes folded (an empty parentResourcePath makes '//'). */
  path: string;
  query: URLSearchParams;
  body: Buffer;
  service: Service;
  params: Record<string, string>;
  entry: RequestLogEntry;
  header(name: string): string | undefined;
  json(status: number, body: unknown, headers?: Record<string, string>): void;
  text(status: number, body: string | Buffer, headers?: Record<string, string>): void;
  empty(status: number, headers?: Record<string, string>): void;
  /** Drops the connection without an answer (status 0 in the log). */
  reset(): void;
}

export type Handler = (ctx: Ctx) => void | Promise<void>;

export interface Route {
  service: Service;
  method: string;
  /** Matched against the folded path, case-insensitively; named groups become params. */
  path: RegExp;
  handler: Handler;
  /** The model of its successful answers (models.ts), for the shapes a world asks for (shapes.ts). */
  model?: string;
}

export interface ServerOptions {
  routes: Route[];
  log: RequestLogEntry[];
  now: () => number;
  faults: () => Faults | undefined;
  /** Error body for a fault on this service. */
  faultBody: (service: Service, status: number) => { body: unknown; headers?: Record<string, string> };
  /** A successful answer of a route that names its model, in the shape the world asks for. */
  reshape?: (model: string, body: unknown, ctx: Ctx) => unknown;
}

const SECRET_FIELDS = new Set(['client_assertion', 'client_secret', 'assertion', 'access_token', 'refresh_token', 'password']);

function redactHeaders(h: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    const value = Array.isArray(v) ? v.join(', ') : v;
    out[k] = k === 'authorization' ? `${value.split(' ')[0]} <redacted>` : /key|secret|token|cookie/i.test(k) ? '<redacted>' : value;
  }
  return out;
}

function redactBody(body: Buffer, contentType: string | undefined): unknown {
  if (body.length === 0) return undefined;
  const text = body.toString('utf8');
  if (/x-www-form-urlencoded/i.test(contentType ?? '')) {
    const form: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(text)) form[k] = SECRET_FIELDS.has(k) ? '<redacted>' : v;
    return form;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function makeHandler(o: ServerOptions) {
  let seq = 0;
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void dispatch(req, res, Buffer.concat(chunks)));
  };

  async function dispatch(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const started = performance.now();
    // A leading '//' (a client joining a scope that starts with '/') would read as a host.
    const url = new URL((req.url ?? '/').replace(/^\/{2,}/, '/'), 'https://emulator.invalid');
    const path = url.pathname.replace(/\/{2,}/g, '/');
    const method = (req.method ?? 'GET').toUpperCase();
    let route: Route | undefined;
    let match: RegExpExecArray | null = null;
    for (const r of o.routes) {
      if (r.method !== method) continue;
      match = r.path.exec(path);
      if (match) {
        route = r;
        break;
      }
    }
    const service: Service = route?.service ?? 'management';
    const entry: RequestLogEntry = {
      seq: ++seq,
      time: o.now(),
      service,
      method,
      url: `${path}${url.search}`,
      status: 0,
      headers: redactHeaders(req.headers),
      body: redactBody(body, req.headers['content-type']),
      durationMs: 0,
    };
    let lost = false;
    const finish = (status: number) => {
      entry.status = status;
      entry.durationMs = performance.now() - started;
      o.log.push(entry);
    };
    const write = (status: number, payload: string | Buffer, headers: Record<string, string>) => {
      if (res.headersSent || res.destroyed) return;
      if (lost) {
        // The work is done (a create is committed) but the answer never arrives.
        finish(status);
        req.socket.destroy();
        return;
      }
      res.writeHead(status, { 'x-ms-request-id': crypto.randomUUID(), date: new Date().toUTCString(), ...headers });
      res.end(payload);
      finish(status);
    };
    const ctx: Ctx = {
      req,
      res,
      method,
      url,
      path,
      query: url.searchParams,
      body,
      service,
      params: { ...(match?.groups ?? {}) },
      entry,
      header: (name) => {
        const v = req.headers[name.toLowerCase()];
        return Array.isArray(v) ? v[0] : v;
      },
      json: (status, payload, headers = {}) => {
        const body = route?.model && o.reshape && status >= 200 && status < 300 ? o.reshape(route.model, payload, ctx) : payload;
        write(status, body === undefined ? '' : JSON.stringify(body), { 'content-type': 'application/json; charset=utf-8', ...headers });
      },
      text: (status, payload, headers = {}) => write(status, payload, { 'content-type': 'text/plain; charset=utf-8', ...headers }),
      empty: (status, headers = {}) => write(status, '', { 'content-length': '0', ...headers }),
      reset: () => {
        lost = true;
        finish(0);
        req.socket.destroy();
      },
    };

    // Read once: nothing awaits between the draw and the fault's answer, so setFaults cannot swap it.
    const faults = o.faults();
    const fault: FaultKind | undefined = faults?.draw(service, method, path);
    if (fault) entry.fault = fault;
    try {
      switch (fault) {
        case 'reset':
          finish(0);
          req.socket.destroy();
          return;
        case 'slow':
          await sleep(faults!.delayMs());
          break;
        case 'lost-response':
          lost = true;
          break;
        case '429':
        case '429-no-retry-after':
        case '500':
        case '502':
        case '503':
        case '504': {
          const status = Number(fault.slice(0, 3));
          const { body: fb, headers } = o.faultBody(service, status);
          const extra: Record<string, string> = fault === '429' ? { 'retry-after': String(faults!.retryAfterSeconds()) } : {};
          ctx.json(status, fb, { ...headers, ...extra });
          return;
        }
      }
      if (!route) {
        ctx.json(404, { error: { code: 'NoRouteFound', message: `The emulator has no route for ${method} ${path}.` } });
        return;
      }
      await route.handler(ctx);
      if (!res.headersSent && !res.destroyed && !lost) ctx.json(500, { error: { code: 'InternalServerError', message: 'The emulator route gave no answer.' } });
    } catch (err) {
      ctx.json(500, { error: { code: 'InternalServerError', message: `Emulator error: ${(err as Error).message}` } });
    }
  }
}

export interface Listener {
  url: string;
  close(): Promise<void>;
}

export interface ListenOptions {
  tls?: { key: string; cert: string };
  /** Port on 127.0.0.1 (0: any free one). */
  port: number;
  /** Round trip of the simulated network in front of the listener (0: none). */
  roundTripMs: number;
  /** Told of each new TCP connection a client opens. */
  onConnection: () => void;
}

async function bind(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return (server.address() as AddressInfo).port;
}

export async function listen(handler: ReturnType<typeof makeHandler>, o: ListenOptions): Promise<Listener> {
  const server = o.tls ? createHttpsServer({ key: o.tls.key, cert: o.tls.cert }, handler) : createHttpServer(handler);
  server.keepAliveTimeout = 5_000;
  const scheme = o.tls ? 'https' : 'http';
  const closeServer = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  if (o.roundTripMs <= 0) {
    server.on('connection', o.onConnection);
    return { url: `${scheme}://127.0.0.1:${await bind(server, o.port)}`, close: closeServer };
  }
  const link = await wire(await bind(server, 0), o.port, o.roundTripMs, o.onConnection);
  return {
    url: `${scheme}://127.0.0.1:${(link.server.address() as AddressInfo).port}`,
    close: async () => {
      link.close();
      await closeServer();
    },
  };
}

/** A JSON value from a request or a token as text: strings as they are, anything else as JSON, absent as ''. */
export function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
