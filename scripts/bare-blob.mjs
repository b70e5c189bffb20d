// The yardstick of the data rows of the bench: a bare @azure/storage-blob script moving the same
// files the action moves, the library's own way (uploadFile / downloadToFile, its defaults), eight
// files at a time, through the same proxy. Prints {bytes, seconds}, timed around the transfer only.
// Config in BENCH_CONFIG: {accountUrl, account, key, container, mode: 'upload'|'download', dir, prefix}.
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';

const c = JSON.parse(process.env.BENCH_CONFIG);
const container = new ContainerClient(`${c.accountUrl}/${c.container}`, new StorageSharedKeyCredential(c.account, c.key));

const files = (dir) =>
  readdirSync(dir, { recursive: true })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
async function eachLimited(items, limit, work) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

let bytes = 0;
const started = performance.now();
if (c.mode === 'upload') {
  await eachLimited(files(c.dir), 8, async (f) => {
    await container.getBlockBlobClient(`${c.prefix}${relative(c.dir, f)}`).uploadFile(f);
    bytes += statSync(f).size;
  });
} else {
  const blobs = [];
  for await (const b of container.listBlobsFlat({ prefix: c.prefix })) blobs.push(b);
  await eachLimited(blobs, 8, async (b) => {
    const target = join(c.dir, b.name.slice(c.prefix.length));
    mkdirSync(dirname(target), { recursive: true });
    await container.getBlobClient(b.name).downloadToFile(target);
    bytes += b.properties.contentLength ?? 0;
  });
}
console.log(JSON.stringify({ bytes, seconds: (performance.now() - started) / 1000 }));
