// The hotline form's fields as the server names them: which field an error stands beside, and typed
// coordinates. Pure, so hotline-fields.spec.ts checks them without a browser.

/** The fields an error can stand beside; the server's `error.field` is mapped onto them. */
export type FieldName = 'line' | 'callerName' | 'callerNumber' | 'kind' | 'place' | 'districtId' | 'address' | 'coordinates' | 'said' | 'incidentId' | 'form';

export function fieldOf(serverField: string | undefined): FieldName {
  if (serverField === 'lat' || serverField === 'lon' || serverField === 'place') return 'place';
  const known: FieldName[] = ['line', 'callerName', 'callerNumber', 'kind', 'districtId', 'address', 'said', 'incidentId'];
  return known.includes(serverField as FieldName) ? (serverField as FieldName) : 'form';
}

/** "10.7769, 106.7009" (or with spaces) → a point; undefined when it is not one. */
export function parseCoordinates(text: string): { lat: number; lon: number } | undefined {
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*[,; ]\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!match) return undefined;
  const lat = Number(match[1]);
  const lon = Number(match[2]);
  return Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? { lat, lon } : undefined;
}
