// Just enough XML writing for CAP (alerts, incidents) and Atom: escaped text, no dependency.
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

// Characters XML 1.0 cannot carry at all (control characters other than tab, newline, return).
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

export const escapeXml = (text: string) => text.replace(NOT_XML, '').replace(/[&<>"']/g, (char) => ESCAPES[char]);

/** `<name>text</name>`, or nothing when the value is undefined or null. */
export function element(name: string, value: string | number | undefined | null, attributes: Record<string, string> = {}): string {
  if (value === undefined || value === null) return '';
  return `<${name}${attributesOf(attributes)}>${escapeXml(String(value))}</${name}>`;
}

/** `<name>children</name>` with already-built children. */
export function parent(name: string, children: string[], attributes: Record<string, string> = {}): string {
  return `<${name}${attributesOf(attributes)}>${children.join('')}</${name}>`;
}

export const emptyElement = (name: string, attributes: Record<string, string>) => `<${name}${attributesOf(attributes)}/>`;

const attributesOf = (attributes: Record<string, string>) =>
  Object.entries(attributes)
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join('');
