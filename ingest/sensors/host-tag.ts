// This machine's name as it may appear in a client id or a file name: anything but letters, digits,
// '.', '_' and '-' becomes '-'.
import os from 'node:os';

/** The sanitized host name, cut to `maxLength` (the ids and file names built from it have limits). */
export function hostTag(maxLength: number): string {
  return os.hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, maxLength);
}
