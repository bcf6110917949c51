// A structural look at JSON text before JSON.parse sees it, for what JSON.parse accepts but the sensor
// contract must not:
// - nesting deeper than a reading could need: V8 parses `[[[[…]]]]` iteratively, but everything that walks
//   the result afterwards (JSON.stringify, zod, logging) recurses and overflows the stack;
// - duplicate keys (`{"value":1,"value":99}`): JSON.parse keeps the last, other parsers the first, so the
//   device, a gateway and CityOps could each believe a different value;
// - keys that mean something to JavaScript objects (`__proto__`, `constructor`, `prototype`): harmless to
//   this code today, refused so no later spread or merge can turn them into prototype pollution.
// One pass, no recursion, whatever the input; grammar errors are left for JSON.parse to report.

export interface JsonShapeProblem {
  reason: 'too_deep' | 'duplicate_key' | 'unsafe_key';
  detail: string;
}

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export function findJsonShapeProblem(text: string, maxDepth: number): JsonShapeProblem | undefined {
  // One entry per open container: the keys seen so far for an object, null for an array.
  const open: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i++;
      let escaped = false;
      while (i < text.length && text.charCodeAt(i) !== QUOTE) {
        if (text.charCodeAt(i) === BACKSLASH) {
          escaped = true;
          i += 2;
        } else i++;
      }
      if (!expectKey) continue;
      expectKey = false;
      let key: unknown = text.slice(start + 1, i);
      if (escaped) {
        try {
          key = JSON.parse(text.slice(start, i + 1)); // decodes escapes: "\u005f_proto__" is __proto__ too
        } catch {
          return undefined; // not a valid string: JSON.parse refuses the whole text with a better message
        }
      }
      const keys = open[open.length - 1];
      if (typeof key !== 'string' || !keys) return undefined;
      if (UNSAFE_KEYS.has(key)) return { reason: 'unsafe_key', detail: `key "${key}" is not allowed` };
      if (keys.has(key)) return { reason: 'duplicate_key', detail: `key "${key.slice(0, 64)}" appears twice in one object` };
      keys.add(key);
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (open.length >= maxDepth) return { reason: 'too_deep', detail: `JSON nested deeper than ${maxDepth} levels` };
      open.push(c === 0x7b ? new Set() : null);
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      open.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = open.length > 0 && open[open.length - 1] !== null;
    }
  }
  return undefined;
}
