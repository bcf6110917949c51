// NGSI-LD (ETSI GS CIM 009) representation of the open entities: the JSON-LD @context, the normalized
// form (every attribute a Property, GeoProperty or Relationship) and the key-values form (options=keyValues
// or format=simplified: what the Smart Data Models schemas describe), and errors as ProblemDetails.
import type { KeyValuesEntity } from './entity-type.ts';

export const CORE_CONTEXT = 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld';
/** The Smart Data Models' context, which defines every attribute of every model (and links the core). */
export const SMART_DATA_MODELS_CONTEXT = 'https://smartdatamodels.org/context.jsonld';
export const ENTITY_CONTEXT = [SMART_DATA_MODELS_CONTEXT, CORE_CONTEXT];

/** RFC 8288 Link header pointing application/json readers at the context (NGSI-LD 6.3.5). */
export const CONTEXT_LINK = `<${SMART_DATA_MODELS_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`;

const TEMPORAL = new Set(['observationDateTime', 'dateObserved', 'dateObservedFrom', 'dateObservedTo', 'dateIssued', 'validFrom', 'validTo', 'dateModified', 'dateCreated', 'dateResolved']);

/** The normalized form: `intensity: 12` becomes `intensity: { type: 'Property', value: 12 }`, and so on. */
export function normalized(entity: KeyValuesEntity): Record<string, unknown> {
  const result: Record<string, unknown> = { id: entity.id, type: entity.type };
  for (const [name, value] of Object.entries(entity)) {
    if (name === 'id' || name === 'type' || value === undefined) continue;
    if (name === 'location') result[name] = { type: 'GeoProperty', value };
    else if (/^ref[A-Z]/.test(name)) result[name] = { type: 'Relationship', object: value };
    else if (TEMPORAL.has(name)) result[name] = { type: 'Property', value: { '@type': 'DateTime', '@value': value } };
    else result[name] = { type: 'Property', value };
  }
  return result;
}

/** Back from the normalized form (what a client does with it; the tests check the round trip). */
export function simplified(entity: Record<string, unknown>): KeyValuesEntity {
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(entity)) {
    if (name === '@context') continue;
    if (name === 'id' || name === 'type') result[name] = value;
    else {
      const attribute = value as { type: string; value?: unknown; object?: unknown };
      const inner = attribute.type === 'Relationship' ? attribute.object : attribute.value;
      result[name] = inner && typeof inner === 'object' && '@value' in inner ? (inner as { '@value': unknown })['@value'] : inner;
    }
  }
  return result as KeyValuesEntity;
}

export type ProblemType = 'BadRequestData' | 'InvalidRequest' | 'ResourceNotFound' | 'OperationNotSupported' | 'TooManyRequests';

/** An NGSI-LD error body (RFC 7807 ProblemDetails with the NGSI-LD error type URIs). */
export const problem = (type: ProblemType, title: string, detail?: string) => ({
  // TooManyRequests is not an NGSI-LD error type; it keeps the same shape for clients.
  type: type === 'TooManyRequests' ? 'https://uri.etsi.org/ngsi-ld/errors/TooManyRequests' : `https://uri.etsi.org/ngsi-ld/errors/${type}`,
  title,
  ...(detail ? { detail } : {}),
});
