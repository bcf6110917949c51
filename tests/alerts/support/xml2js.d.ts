// xml2js ships without types; the tests only parse CAP and Atom documents into plain objects.
declare module 'xml2js' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  export function parseStringPromise(xml: string, options?: { explicitArray?: boolean }): Promise<Record<string, any>>;
}
