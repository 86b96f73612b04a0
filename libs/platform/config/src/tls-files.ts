import { existsSync, readFileSync } from 'node:fs';

/** PEM files of a TLS connection: the CA to trust and, for client authentication, a certificate and key. */
export interface TlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** Reads the files; with none given, Node's default CA store is trusted. */
export function readTlsFiles(files: TlsFiles): TlsMaterial {
  const read = (path?: string) => (path ? readFileSync(path) : undefined);
  return { ca: read(files.caFile), cert: read(files.certFile), key: read(files.keyFile) };
}

/** Configuration problems of one set of TLS files (named by variable, never by content). */
export function tlsFileProblems(variables: Record<string, string | undefined>, [certVariable, keyVariable]: [string, string]): string[] {
  const problems = Object.entries(variables)
    .filter(([, path]) => path !== undefined && !existsSync(path))
    .map(([variable]) => `${variable}: file not found`);
  if ((variables[certVariable] === undefined) !== (variables[keyVariable] === undefined))
    problems.push(`${certVariable}, ${keyVariable}: give both or neither`);
  return problems;
}
