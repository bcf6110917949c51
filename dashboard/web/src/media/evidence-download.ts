// The police download of an evidence clip: the file, the SHA-256 the server recorded in the audit log
// (its header), and whether the bytes received here hash to it. The file is saved under the server's
// name. Only ever run on a tap: a clip is megabytes a field phone should not fetch by itself.
import { EVIDENCE_SHA256_HEADER } from '@cityops/contract/evidence';
import { ApiError, UNAUTHENTICATED_EVENT } from '../api.ts';

export interface EvidenceExport {
  fileName: string;
  /** What the server hashed and audited (hex). */
  sha256: string;
  /** The hash of the bytes received, when the browser can compute it (crypto.subtle needs HTTPS or localhost). */
  receivedSha256?: string;
}

const hex = (buffer: ArrayBuffer) => Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, '0')).join('');

export async function downloadEvidence(url: string): Promise<EvidenceExport> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'same-origin' });
  } catch (error) {
    throw new ApiError(0, 'network', (error as Error).message || 'network error');
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
    if (response.status === 401) window.dispatchEvent(new CustomEvent(UNAUTHENTICATED_EVENT));
    throw new ApiError(response.status, body?.error?.code ?? 'unknown', body?.error?.message ?? `${response.status} ${response.statusText}`);
  }
  const bytes = await response.arrayBuffer();
  const fileName = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? 'evidence.mp4';
  const sha256 = response.headers.get(EVIDENCE_SHA256_HEADER) ?? '';
  const receivedSha256 = globalThis.crypto?.subtle ? hex(await crypto.subtle.digest('SHA-256', bytes)) : undefined;

  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([bytes], { type: 'video/mp4' }));
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // The save has started from the object URL; give it a moment before letting the bytes go.
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  return { fileName, sha256, receivedSha256 };
}
