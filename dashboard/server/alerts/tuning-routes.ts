// Engineers' rule tuning from false alarms (#16 part 7): the proposals, a preview of any change, and
// applying one. Nothing changes a rule without an engineer's request; each change is audited with what it
// would have done to the period's alerts.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '@cityops/core/audit';
import { CAN_ENGINEER } from '@cityops/contract/roles';
import { withTransaction } from '@cityops/core/database/pool';
import type { RouteContext } from '@cityops/core/http/route-context';
import { announceDeviceChange } from '@cityops/devices/change-notices';
import { updateCamera } from '@cityops/devices/camera-repository';
import { previewRuleChange, ruleChanged, ruleProposals } from './rule-tuning.ts';
import { ruleChangePreviewSchema, ruleChangeSchema, ruleProposalSchema } from './schemas.ts';

const days = z.number().int().min(1).max(365).default(30);
const changeBody = z.object({ change: ruleChangeSchema, days });

export const ruleTuningRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, context) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const { db, config, secretBox } = context;
  const timeZone = config.CITY_TIME_ZONE;

  app.get(
    '/api/alerts/rule-proposals',
    {
      config: { roles: CAN_ENGINEER },
      schema: {
        tags: ['alerts'],
        summary: 'Threshold changes proposed from the false alarms of the last `days`, with what each would have done to those alerts',
        querystring: z.object({ days: z.coerce.number().int().min(1).max(365).default(30) }),
        response: { 200: z.object({ days: z.number().int(), timeZone: z.string(), proposals: z.array(ruleProposalSchema) }) },
      },
    },
    async (request) => ({ days: request.query.days, timeZone, proposals: await ruleProposals(db, request.query.days, timeZone) }),
  );

  app.post(
    '/api/alerts/rule-changes/preview',
    {
      config: { roles: CAN_ENGINEER },
      schema: { tags: ['alerts'], summary: 'What a rule change would have done to the alerts judged in the last `days`', body: changeBody, response: { 200: z.object({ preview: ruleChangePreviewSchema }) } },
    },
    async (request) => ({ preview: await previewRuleChange(db, request.body.change, request.body.days, timeZone) }),
  );

  app.post(
    '/api/alerts/rule-changes',
    {
      config: { roles: CAN_ENGINEER },
      schema: {
        tags: ['alerts'],
        summary: "Apply a rule change an engineer approved: the camera's analysis restarts with it; audited with its preview",
        body: changeBody,
        response: { 200: z.object({ before: z.record(z.string(), z.unknown()), after: z.record(z.string(), z.unknown()), preview: ruleChangePreviewSchema }) },
      },
    },
    async (request) => {
      const { change } = request.body;
      const preview = await previewRuleChange(db, change, request.body.days, timeZone);
      return withTransaction(db, async (tx) => {
        const { before, after, analysis } = await ruleChanged(tx, change);
        await updateCamera(tx, secretBox, change.cameraId, { analysis: analysis as never });
        await recordAudit(tx, request.actor, {
          action: 'tune_rule',
          entityType: 'camera',
          entityId: change.cameraId,
          details: { zoneId: change.zoneId, kind: change.kind, from: change.from, to: change.to, threshold: change.threshold, before, after, days: request.body.days, preview },
        });
        await announceDeviceChange(tx, { type: 'camera', id: change.cameraId, change: 'updated' });
        return { before, after, preview };
      });
    },
  );
};
