// Downloads a file whose sha256 is known in advance (a model, a demo video, a boundary file): streamed
// to `<target>.part`, hashed on the way, and renamed into place only when the hash is the expected one,
// so a cut connection or a changed upstream never leaves a wrong file where a good one is looked for.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Why a verified download failed: no answer or a bad status (`unreachable`), or other bytes (`checksum`). */
export class DownloadFailure extends Error {
  constructor(
    readonly reason: 'unreachable' | 'checksum',
    message: string,
    readonly actualSha256?: string,
  ) {
    super(message);
    this.name = 'DownloadFailure';
  }
}

export async function downloadVerified(url: string, sha256: string, target: string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const partial = `${target}.part`;
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow' });
  } catch (error) {
    // undici hides the network reason (ENOTFOUND, ECONNREFUSED...) in `cause`
    const cause = (error as Error & { cause?: Error }).cause;
    throw new DownloadFailure('unreachable', cause ? `${(error as Error).message} (${cause.message})` : (error as Error).message);
  }
  if (!response.ok || !response.body) throw new DownloadFailure('unreachable', `HTTP ${response.status}`);
  const hash = createHash('sha256');
  try {
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => hash.update(chunk));
    await pipeline(body, createWriteStream(partial));
  } catch (error) {
    await rm(partial, { force: true });
    throw new DownloadFailure('unreachable', (error as Error).message);
  }
  const actual = hash.digest('hex');
  if (actual !== sha256) {
    await rm(partial, { force: true });
    throw new DownloadFailure('checksum', `expected sha256 ${sha256}, got ${actual}`, actual);
  }
  await rename(partial, target);
}
