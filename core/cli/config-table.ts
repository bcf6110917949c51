// npm run docs:config — rewrites the configuration table in README.md from core/config.ts, so the
// documentation cannot drift from the code (a test checks that every key is in the README).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { configSchema } from '../config.ts';

export function configTableMarkdown(): string {
  const rows = ['| Key | Default | Meaning |', '| --- | --- | --- |'];
  for (const [key, schema] of Object.entries(configSchema.shape)) {
    const field = schema as z.ZodType;
    let fallback = '—';
    const parsed = field.safeParse(undefined);
    if (parsed.success && parsed.data !== undefined) fallback = `\`${String(parsed.data)}\``;
    rows.push(`| \`${key}\` | ${fallback} | ${(field.description ?? '').replaceAll('|', '\\|')} |`);
  }
  return rows.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readme = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md');
  const text = readFileSync(readme, 'utf8');
  const updated = text.replace(
    /<!-- config:start -->[\s\S]*<!-- config:end -->/,
    `<!-- config:start -->\n${configTableMarkdown()}\n<!-- config:end -->`,
  );
  writeFileSync(readme, updated);
  console.log('README.md configuration table updated');
}
