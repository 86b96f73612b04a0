import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertificateFiles {
  dir: string;
  /** The private CA that signed the server and client certificates. */
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Another CA, which signed nothing here: trusting only it must fail. */
  otherCaCert: string;
}

/**
 * A throw-away CA, a server certificate for `localhost` only (not 127.0.0.1, so a
 * hostname check is observable) and a client certificate, made with openssl.
 */
export async function makeTestCertificates(): Promise<CertificateFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'orders-certs-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = async (name: string) =>
    openssl(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
  const leaf = async (name: string, extensions: string) => {
    await openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name === 'server' ? 'localhost' : name}`);
    await writeFile(file(`${name}.ext`), extensions);
    await openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  };
  await Promise.all([ca('ca'), ca('other-ca')]);
  await leaf('server', 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await leaf('client', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    caCert: file('ca.crt'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
    clientCert: file('client.crt'),
    clientKey: file('client.key'),
    otherCaCert: file('other-ca.crt'),
  };
}
