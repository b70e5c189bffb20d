// The entry loads the Azure half only once the first OIDC request has left: nextRequestSent must
// wait for the request's bytes to be handed to the OS, not for the request object to be made.
import { createServer, get, type ClientRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { afterItsRequest, nextRequestSent } from '../../../src/signin/request-sent.js';

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

it('afterItsRequest goes on when the work fails before any request, and hands the failure to whoever awaits the work', async () => {
  const { work } = await afterItsRequest(() => Promise.reject(new Error('no request made')));
  await expect(work).rejects.toThrow('no request made');
});

it('afterItsRequest does not wait for the work to end once its request has left', async () => {
  const server = createServer((_req, res) => setTimeout(() => res.writeHead(204, { connection: 'close' }).end(), 200));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  let answered = false;
  const { work } = await afterItsRequest(
    () =>
      new Promise<void>((resolve) =>
        get(url, (res) =>
          res
            .on('end', () => {
              answered = true;
              resolve();
            })
            .resume(),
        ),
      ),
  );
  expect(answered).toBe(false);
  await work;
  expect(answered).toBe(true);
  await new Promise((resolve) => server.close(resolve));
});
