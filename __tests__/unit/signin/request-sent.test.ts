// The entry loads the Azure half only once the first OIDC request has left: nextRequestSent must
// wait for the request's bytes to be handed to the OS, not for the request object to be made.
import { createServer, get, type ClientRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { nextRequestSent } from '../../../src/signin/request-sent.js';

it('resolves once the next request has been handed to the OS, its connection made', async () => {
  const server = createServer((_req, res) => res.writeHead(204, { connection: 'close' }).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sent = nextRequestSent();
  let answered!: Promise<void>;
  const req: ClientRequest = get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, (res) => {
    answered = new Promise((resolve) => res.on('end', resolve).resume());
  });
  await sent;
  // Connected, and nothing left in its buffer: the request is with the OS.
  const socket = req.socket;
  expect(socket?.connecting).toBe(false);
  expect(socket?.writableLength).toBe(0);
  await new Promise((resolve) => req.on('close', resolve));
  await answered;
  await new Promise((resolve) => server.close(resolve));
});

it('resolves when the request fails without being sent', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const sent = nextRequestSent();
  get(`http://127.0.0.1:${port}/`).on('error', () => undefined);
  await expect(sent).resolves.toBeUndefined();
});
