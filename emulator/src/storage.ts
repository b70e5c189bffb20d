// Azure Blob Storage: Azurite (Microsoft's own storage emulator) does the storing, started as a
// child process over HTTPS with this emulator's certificate, OAuth at its 'basic' level, in memory
// and with telemetry off, only once something needs it (it takes about a second to start). Azurite
// has no RBAC, network rules or key policy: the front door here decides those, as Azure does, and
// streams everything else through unchanged (same Host, path, query and headers, so Shared Key
// signatures hold; bodies are piped, never held).
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { decodeJwt, signJwt } from './jwt.js';
import { findIdentity, type StorageAccountRec, type World } from './world.js';
import { isAuthorized, isDataAuthorized } from './rbac.js';
import { accessTokenExpired, type Keys } from './identity.js';
import type { RequestLogEntry } from './types.js';

/** Blob host suffix per cloud (the storage endpoint suffix Azure builds account URLs with). */
export const STORAGE_SUFFIX = {
  AzureCloud: 'core.windows.net',
  AzureUSGovernment: 'core.usgovcloudapi.net',
  AzureChinaCloud: 'core.chinacloudapi.cn',
} as const;
/** Audiences a storage token may carry (Azurite's basic OAuth level accepts these too). */
export const STORAGE_AUDIENCES = ['https://storage.azure.com', 'https://storage.azure.com/'];
/** The service version of the emulator's own requests to Azurite. */
const VERSION = '2021-12-02';
const DATA = 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs';

export interface BlobAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface BlobStore {
  /** The account a blob host names, if it is one of the world's. */
  accountOf(host: string): StorageAccountRec | undefined;
  /** A request that came through the proxy for <account>.blob.<suffix>. */
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  /** The emulator's own requests, straight to Azurite (no RBAC: this is the service itself). */
  call(
    method: string,
    account: string,
    path: string,
    o?: { query?: Record<string, string>; headers?: Record<string, string>; body?: Buffer | string },
  ): Promise<BlobAnswer>;
  list(account: string, container: string, prefix?: string): Promise<{ name: string; size: number; metadata: Record<string, string> }[]>;
  close(): Promise<void>;
}

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const unxml = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

/** The data action (or, for containers, the action) Azure checks for a Blob request (Learn, "Authorize with Microsoft Entra ID", permissions for Blob service operations). */
export function blobAction(
  method: string,
  query: URLSearchParams,
  headers: IncomingMessage['headers'],
): { action: string; data: boolean; alternative?: string } {
  const comp = query.get('comp');
  if (query.get('restype') === 'container' && comp !== 'list') {
    if (method === 'GET' || method === 'HEAD') return { action: 'Microsoft.Storage/storageAccounts/blobServices/containers/read', data: false };
    return { action: `Microsoft.Storage/storageAccounts/blobServices/containers/${method === 'DELETE' ? 'delete' : 'write'}`, data: false };
  }
  if (method === 'GET' || method === 'HEAD') return { action: `${DATA}/read`, data: true };
  if (method === 'DELETE') return { action: `${DATA}/delete`, data: true };
  // Put Blob that may only create (If-None-Match: *) is allowed by blobs/add/action as well.
  if (method === 'PUT' && !comp && headers['if-none-match'] === '*') return { action: `${DATA}/write`, data: true, alternative: `${DATA}/add/action` };
  return { action: `${DATA}/write`, data: true };
}

function newRequestId(): string {
  return crypto.randomUUID();
}

/** Azure Storage's error answer: XML, x-ms-error-code, and no body for HEAD. */
function storageError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
  headers: Record<string, string> = {},
): void {
  const id = newRequestId();
  const more = Object.entries(extra)
    .map(([k, v]) => `<${k}>${xmlText(v)}</${k}>`)
    .join('');
  const body = `\uFEFF<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${xmlText(`${message}\nRequestId:${id}\nTime:${new Date().toISOString().replace('Z', '0000Z')}`)}</Message>${more}</Error>`;
  res.writeHead(status, {
    'content-type': 'application/xml',
    'x-ms-error-code': code,
    'x-ms-request-id': id,
    'x-ms-version': String(req.headers['x-ms-version'] ?? VERSION),
    server: 'Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0',
    date: new Date().toUTCString(),
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function rfc1123(ms: number): string {
  return new Date(ms).toUTCString();
}

export function createBlobStore(o: {
  w: World;
  keys: Keys;
  tls: { caPem: string; certFile: string; keyFile: string };
  log: RequestLogEntry[];
  now: () => number;
}): BlobStore {
  const { w, keys } = o;
  let child: ChildProcess | undefined;
  let started: Promise<number> | undefined;
  let closed = false;
  const agent = new Agent({ keepAlive: true, ca: o.tls.caPem, maxSockets: 64 });
  const suffix = STORAGE_SUFFIX[w.cloud];
  let seq = 0;

  const start = (): Promise<number> => {
    if (closed) return Promise.reject(new Error('the emulator is closed'));
    started ??= new Promise<number>((resolve, reject) => {
      const bin = join(dirname(createRequire(import.meta.url).resolve('azurite/package.json')), 'dist', 'src', 'blob', 'main.js');
      const args = [bin, '--blobHost', '127.0.0.1', '--blobPort', '0', '--cert', o.tls.certFile, '--key', o.tls.keyFile];
      args.push('--oauth', 'basic', '--inMemoryPersistence', '--disableTelemetry');
      child = spawn(process.execPath, args, {
        env: { PATH: process.env.PATH, AZURITE_ACCOUNTS: w.storageAccounts.map((a) => `${a.name}:${a.key}`).join(';') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = /successfully listens on https:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        if (m) {
          child!.stdout!.off('data', onData);
          child!.stdout!.resume();
          resolve(Number(m[1]));
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) => reject(new Error(`Azurite exited (${code}): ${out.slice(-500)}`)));
      process.once('exit', () => child?.kill());
    }).then(async (port) => {
      // Every datastore's container exists, unless the world says it does not.
      for (const d of w.datastores.filter((x) => !x.containerMissing)) {
        const r = await send(port, 'PUT', d.account, `/${d.container}`, { query: { restype: 'container' } });
        if (r.status !== 201 && r.status !== 409) throw new Error(`Azurite: creating container ${d.container}: ${r.status} ${r.body.toString()}`);
      }
      return port;
    });
    return started;
  };

  /** A storage token for the emulator itself (Azurite checks issuer, audience and lifetime only). */
  const serviceToken = () => {
    const iat = Math.floor(Date.now() / 1000);
    return signJwt(keys.entra, {
      aud: STORAGE_AUDIENCES[0],
      iss: `https://sts.windows.net/${w.tenantId}/`,
      iat,
      nbf: iat,
      exp: iat + 3600,
      oid: 'emulator',
      tid: w.tenantId,
    });
  };

  const send = (
    port: number,
    method: string,
    account: string,
    path: string,
    p: { query?: Record<string, string>; headers?: Record<string, string>; body?: Buffer | string } = {},
    again = true,
  ) =>
    new Promise<BlobAnswer>((resolve, reject) => {
      const q = new URLSearchParams(p.query ?? {}).toString();
      const body = p.body === undefined ? undefined : Buffer.from(p.body);
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method,
          path: `${encodeURI(path)}${q ? `?${q}` : ''}`,
          agent,
          headers: {
            host: `${account}.blob.${suffix}`,
            authorization: `Bearer ${serviceToken()}`,
            'x-ms-version': VERSION,
            'x-ms-date': new Date().toUTCString(),
            ...(body ? { 'content-length': String(body.length) } : {}),
            ...p.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        },
      );
      // Azurite closes a kept-alive socket after 5 s idle; a request sent on it just then is reset
      // before Azurite read it, so it is sent once more on a fresh socket (as Node's docs advise).
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (again && req.reusedSocket && err.code === 'ECONNRESET') send(port, method, account, path, p, false).then(resolve, reject);
        else reject(err);
      });
      req.end(body);
    });

  const call: BlobStore['call'] = async (method, account, path, p) => send(await start(), method, account, path, p);

  const list: BlobStore['list'] = async (account, container, prefix = '') => {
    const out: { name: string; size: number; metadata: Record<string, string> }[] = [];
    let marker = '';
    do {
      const r = await call('GET', account, `/${container}`, {
        query: { restype: 'container', comp: 'list', prefix, include: 'metadata', ...(marker ? { marker } : {}) },
      });
      if (r.status !== 200) throw new Error(`listing ${account}/${container}/${prefix}: ${r.status} ${r.body.toString().slice(0, 300)}`);
      const xml = r.body.toString('utf8');
      for (const [, blob] of xml.matchAll(/<Blob>([\s\S]*?)<\/Blob>/g)) {
        const metadata: Record<string, string> = {};
        for (const [, k, v] of (/<Metadata>([\s\S]*?)<\/Metadata>/.exec(blob)?.[1] ?? '').matchAll(/<([^/>\s]+)>([^<]*)<\/\1>/g)) metadata[k] = unxml(v);
        out.push({
          name: unxml(/<Name>([^<]*)<\/Name>/.exec(blob)![1]),
          size: Number(/<Content-Length>(\d+)<\/Content-Length>/.exec(blob)?.[1] ?? 0),
          metadata,
        });
      }
      marker = /<NextMarker>([^<]+)<\/NextMarker>/.exec(xml)?.[1] ?? '';
    } while (marker);
    return out;
  };

  const accountOf = (host: string) => {
    const m = new RegExp(`^([a-z0-9]{3,24})\\.blob\\.${suffix.replace(/\./g, '\\.')}$`, 'i').exec(host.replace(/:\d+$/, ''));
    return m ? w.storageAccounts.find((a) => a.name === m[1].toLowerCase()) : undefined;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const begun = performance.now();
    const url = new URL(req.url ?? '/', 'https://blob.invalid');
    const host = String(req.headers.host ?? '');
    const entry: RequestLogEntry = {
      seq: ++seq,
      time: o.now(),
      service: 'storage',
      method: req.method ?? 'GET',
      url: `//${host}${url.pathname}${url.search.replace(/([?&]sig=)[^&]*/, '$1<redacted>')}`,
      status: 0,
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [
          k,
          k === 'authorization' ? `${String(v).split(' ')[0]} <redacted>` : Array.isArray(v) ? v.join(', ') : String(v),
        ]),
      ),
      durationMs: 0,
    };
    res.on('finish', () => {
      entry.status = res.statusCode;
      entry.durationMs = performance.now() - begun;
      o.log.push(entry);
    });
    const account = accountOf(host);
    if (!account) return storageError(req, res, 400, 'InvalidUri', 'The requested URI does not represent any resource on the server.');
    // The firewall answers first, whatever the credential (Storage Explorer's hint for this code).
    if (account.networkDefaultAction === 'Deny')
      return storageError(req, res, 403, 'AuthorizationFailure', 'This request is not authorized to perform this operation.');

    const auth = String(req.headers.authorization ?? '');
    const bearer = /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
    if (bearer) {
      const decoded = decodeJwt(bearer, [keys.entra]);
      const claims = decoded?.claims ?? {};
      if (decoded)
        entry.token = {
          kind: decoded.valid ? 'entra' : 'invalid',
          aud: String(claims.aud),
          oid: String(claims.oid),
          appid: String(claims.appid),
          tid: String(claims.tid),
        };
      const challenge = {
        'www-authenticate': `Bearer authorization_uri=${w.urls.login}/${w.tenantId}/oauth2/authorize resource_uri=https://storage.azure.com`,
      };
      const invalid = (detail: string) =>
        storageError(
          req,
          res,
          401,
          'InvalidAuthenticationInfo',
          'Server failed to authenticate the request. Please refer to the information in the www-authenticate header.',
          { AuthenticationErrorDetail: detail },
          challenge,
        );
      if (!decoded?.valid) return invalid('Signature validation failed.');
      if (accessTokenExpired(w, claims.exp)) return invalid('Lifetime validation failed. The token is expired.');
      if (!STORAGE_AUDIENCES.includes(String(claims.aud))) return invalid('Audience validation failed. Audience did not match.');
      const need = blobAction(entry.method, url.searchParams, req.headers);
      entry.action = need.action;
      const oid = String(claims.oid);
      const allowed = (a: string) => (need.data ? isDataAuthorized(w.assignments, oid, a, account.id) : isAuthorized(w.assignments, oid, a, account.id));
      const known = findIdentity(w, oid) ?? w.computes.find((c) => c.principalId === oid);
      if (!known || !(allowed(need.action) || (need.alternative !== undefined && allowed(need.alternative)))) {
        return storageError(
          req,
          res,
          403,
          'AuthorizationPermissionMismatch',
          'This request is not authorized to perform this operation using this permission.',
        );
      }
    } else if (/^SharedKey /i.test(auth) || url.searchParams.has('sig')) {
      entry.token = { kind: 'key' };
      if (!account.allowSharedKeyAccess)
        return storageError(req, res, 403, 'KeyBasedAuthenticationNotPermitted', 'Key based authentication is not permitted on this storage account.');
      const st = url.searchParams.get('st');
      const se = url.searchParams.get('se');
      const now = Date.now();
      if (se && (Date.parse(se) < now || (st && Date.parse(st) > now))) {
        return storageError(
          req,
          res,
          403,
          'AuthenticationFailed',
          'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.',
          {
            AuthenticationErrorDetail: `Signature not valid in the specified time frame: Start [${rfc1123(st ? Date.parse(st) : now)}] - Expiry [${rfc1123(Date.parse(se))}] - Current [${rfc1123(now)}]`,
          },
        );
      }
    }
    req.pause();
    start().then(
      (port) => {
        const up = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        up.on('error', (err) => {
          if (!res.headersSent) storageError(req, res, 503, 'ServerBusy', `The emulator could not reach Azurite: ${err.message}`);
          else res.destroy();
        });
        req.pipe(up);
        req.resume();
      },
      (err: Error) => storageError(req, res, 503, 'ServerBusy', `Azurite did not start: ${err.message}`),
    );
  };

  return {
    accountOf,
    handle,
    call,
    list,
    close: async () => {
      closed = true;
      agent.destroy();
      if (!child || child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child!.once('exit', () => resolve());
        child!.kill();
      });
    },
  };
}
