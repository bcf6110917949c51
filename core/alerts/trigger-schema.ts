// What a producer may send: checked at the edge of raise(), so a bad trigger is refused with the
// offending field named and nothing is stored.
import { z } from 'zod';
import { ALERT_KINDS, ALERT_SEVERITIES } from '@cityops/contract/alerts';

export const MAX_TITLE_CHARS = 200;
export const MAX_DESCRIPTION_CHARS = 4000;
export const MAX_EVIDENCE_JSON_BYTES = 64 * 1024;
export const MAX_SNAPSHOT_BYTES = 5 * 1024 * 1024;

export const localisedText = (max: number) =>
  z.object({ vi: z.string().trim().min(1).max(max), en: z.string().trim().min(1).max(max) });

export const alertKeySchema = z.object({
  sourceType: z.enum(['camera', 'sensor', 'system']),
  sourceId: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'letters, digits and . _ : - (1-128)'),
  kind: z.enum(ALERT_KINDS),
  zoneId: z.string().max(128).default(''),
});

export const alertTriggerSchema = alertKeySchema.extend({
  severity: z.enum(ALERT_SEVERITIES),
  title: localisedText(MAX_TITLE_CHARS),
  description: localisedText(MAX_DESCRIPTION_CHARS).optional(),
  lat: z.number().min(-90).max(90).optional(),
  lon: z.number().min(-180).max(180).optional(),
  districtId: z.string().regex(/^[a-z0-9-]{1,64}$/).optional(),
  observedAt: z.date().optional(),
  evidence: z
    .object({
      snapshotJpeg: z
        .instanceof(Buffer)
        .refine((bytes) => bytes.length <= MAX_SNAPSHOT_BYTES, `at most ${MAX_SNAPSHOT_BYTES} bytes`)
        // JPEG files start with the SOI marker and another marker: FF D8 FF.
        .refine((bytes) => bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff, 'not a JPEG image')
        .optional(),
      data: z
        .record(z.string(), z.unknown())
        .refine((data) => Buffer.byteLength(JSON.stringify(data)) <= MAX_EVIDENCE_JSON_BYTES, `at most ${MAX_EVIDENCE_JSON_BYTES} bytes of JSON`)
        .optional(),
    })
    .optional(),
});

export type ValidTrigger = z.infer<typeof alertTriggerSchema>;
