// A certificate authority made fresh for each emulator, and a server certificate for 127.0.0.1,
// localhost and the Blob storage hosts of every cloud (*.blob.<suffix>, served through the
// emulator's proxy) signed by it. Clients trust the CA through NODE_EXTRA_CA_CERTS (real HTTPS: the Azure
// SDKs refuse bearer tokens over http and MSAL needs an https authority).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto, createPrivateKey, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STORAGE_SUFFIX } from './storage.js';

/** A name for 127.0.0.1 that only the emulator's proxy knows (no DNS has it): a client reaches it through the proxy or not at all. */
export const EMULATOR_HOST = 'azure-emulator.test';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface Tls {
  caPem: string;
  caFile: string;
  certPem: string;
  keyPem: string;
  /** The server certificate and key as files (Azurite reads them). */
  certFile: string;
  keyFile: string;
  /** The temp dir to remove on close ('' when the caller chose the dir). */
  dir: string;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** A fresh CA and server certificate; the CA goes to `dir` (a new temp dir by default). */
export async function makeTls(dir?: string): Promise<Tls> {
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 7 * 86_400_000);
  const caKeys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex'),
    name: 'CN=azureml-invoke Azure emulator CA',
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const leafKeys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(8).toString('hex'),
    subject: 'CN=127.0.0.1',
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'dns', value: 'localhost' },
        { type: 'dns', value: EMULATOR_HOST },
        ...Object.values(STORAGE_SUFFIX).map((suffix) => ({ type: 'dns' as const, value: `*.blob.${suffix}` })),
      ]),
    ],
  });
  const where = dir ?? mkdtempSync(join(tmpdir(), 'azure-emulator-'));
  mkdirSync(where, { recursive: true });
  const caPem = ca.toString('pem');
  const caFile = join(where, 'ca.pem');
  writeFileSync(caFile, caPem);
  const certPem = leaf.toString('pem');
  const leafKeyPem = await keyPem(leafKeys.privateKey);
  const certFile = join(where, 'server.pem');
  const keyFile = join(where, 'server-key.pem');
  writeFileSync(certFile, certPem);
  writeFileSync(keyFile, leafKeyPem, { mode: 0o600 });
  return { caPem, caFile, certPem, keyPem: leafKeyPem, certFile, keyFile, dir: dir ? '' : where };
}
