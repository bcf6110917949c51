// The house rules as a lint rule (`npm run lint`, so every CI run): which folder may import which,
// that production code never imports tests/, and that a workspace declares every package it imports.
// ARCHITECTURE.md explains the order; this file is the machine's copy of it.
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Lowest first: a folder imports only folders before it. A strict order, so no folder cycle can form. */
export const LAYERS = ['contract', 'core', 'models', 'devices', 'ingest', 'analytics', 'dashboard', 'apps'];
const ORDER = LAYERS.join(' → ');

/** Entry points that drive a whole system (benchmarks, command-line tools) may import any layer. */
const isTool = (relative) => /(^|\/)(bench|cli)\//.test(relative) || /-cli\.ts$/.test(relative);
/** Unit specs and tools may also use the root's development packages (vitest, pglite, ...). */
const usesDevPackages = (relative) => isTool(relative) || /\.spec\.tsx?$/.test(relative);
const isWeb = (relative) => relative.startsWith('dashboard/web/');

const builtins = new Set(builtinModules);
const packageCache = new Map();

/** Package names a folder's package.json declares; `dev` adds its devDependencies. */
function declaredPackages(folder, dev) {
  const key = `${folder}:${dev}`;
  if (!packageCache.has(key)) {
    const file = path.join(ROOT, folder, 'package.json');
    const manifest = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
    packageCache.set(key, new Set(Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies, ...(dev ? manifest.devDependencies : {}) })));
  }
  return packageCache.get(key);
}

function isDeclared(relative, name, typeOnly) {
  const from = relative.split('/')[0];
  const names = typeOnly ? [name, `@types/${name}`] : [name];
  const sets = [declaredPackages(from, typeOnly)];
  if (usesDevPackages(relative)) sets.push(declaredPackages('.', true));
  return names.some((candidate) => sets.some((set) => set.has(candidate)));
}

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * The problem with importing `specifier` from the file at `relative` (to the repository root), if any.
 * `typeOnly`: an `import type`, which may be satisfied by a declared `@types/` package.
 */
export function boundaryProblem(relative, specifier, typeOnly = false) {
  const from = relative.split('/')[0];
  if (specifier.startsWith('node:') || builtins.has(specifier)) return undefined;
  let target;
  let targetPath;
  if (specifier.startsWith('.')) {
    targetPath = path.posix.normalize(path.posix.join(path.posix.dirname(relative), specifier));
    target = targetPath.split('/')[0];
  } else if (specifier.startsWith('@cityops/')) {
    target = specifier.split('/')[1];
    targetPath = specifier.slice('@cityops/'.length);
  }
  if (!LAYERS.includes(from)) return undefined; // tests/, ops/ (benchmarks, fault runs) and root files: anything
  if (target === 'tests') return 'production code never imports tests/ (move what it needs beside the code)';

  if (isWeb(relative)) {
    if (target && target !== 'contract' && target !== 'dashboard') return `the web imports only @cityops/contract from the project, not ${target}/`;
    if (targetPath?.startsWith('dashboard/server/')) return 'the web imports only @cityops/contract from the project, not dashboard/server/';
  }
  if (target && LAYERS.includes(target) && target !== from && !isTool(relative) && LAYERS.indexOf(target) > LAYERS.indexOf(from)) {
    return `${from}/ may not import ${target}/: imports run down the layers ${ORDER} (ARCHITECTURE.md)`;
  }
  if (!specifier.startsWith('.')) {
    const name = packageName(specifier);
    if (name === `@cityops/${from}`) return `import your own folder by a relative path, not ${name}`;
    // A tool reaching up the layers would make its workspace depend on one above it: tools are exempt.
    if (isTool(relative) && name.startsWith('@cityops/')) return undefined;
    if (!isDeclared(relative, name, typeOnly)) return `${name} is imported but not declared in ${from}/package.json dependencies`;
  }
  return undefined;
}

const rule = {
  meta: { type: 'problem', schema: [], docs: { description: 'folder import directions and declared workspace dependencies' } },
  create(context) {
    const relative = path.relative(ROOT, context.filename).split(path.sep).join('/');
    if (relative.startsWith('..')) return {};
    const check = (node, typeOnly = false) => {
      if (!node || node.type !== 'Literal' || typeof node.value !== 'string') return;
      const problem = boundaryProblem(relative, node.value, typeOnly);
      if (problem) context.report({ node, message: problem });
    };
    return {
      ImportDeclaration: (node) => check(node.source, node.importKind === 'type'),
      ExportNamedDeclaration: (node) => check(node.source, node.exportKind === 'type'),
      ExportAllDeclaration: (node) => check(node.source, node.exportKind === 'type'),
      ImportExpression: (node) => check(node.source),
    };
  },
};

export default { rules: { boundaries: rule } };
