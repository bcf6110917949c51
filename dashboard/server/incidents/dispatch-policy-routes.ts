// REST routes of the dispatch policies (dispatch-policies.ts): read by the command room, changed by the
// roles that change the link rules. Every change is audited (entity `dispatch_policy`).
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { recordAudit } from '@cityops/core/audit';
import { withTransaction } from '@cityops/core/database/pool';
import type { RouteContext } from '@cityops/core/http/route-context';
import { CAN_ENGINEER, CAN_VIEW } from '@cityops/contract/roles';
import { deleteDispatchPolicy, findDispatchPolicy, listDispatchPolicies, upsertDispatchPolicy } from './dispatch-policies.ts';
import { dispatchPolicyBody, dispatchPolicyRuleSchema, idParams } from './schemas.ts';

export const dispatchPolicyRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, { db }) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const tags = ['incidents'];

  app.get(
    '/api/dispatch-policies',
    { config: { roles: CAN_VIEW }, schema: { tags, summary: 'Deadlines and escalation ladder per incident kind and severity (* and null: any)', response: { 200: z.object({ policies: z.array(dispatchPolicyRuleSchema) }) } } },
    async () => ({ policies: await listDispatchPolicies(db) }),
  );

  app.put(
    '/api/dispatch-policies',
    {
      config: { roles: CAN_ENGINEER },
      schema: { tags, summary: 'Create or change the policy of one (kind, severity); applies to teams assigned from now on', body: dispatchPolicyBody, response: { 200: z.object({ policy: dispatchPolicyRuleSchema, created: z.boolean() }) } },
    },
    async (request) =>
      withTransaction(db, async (tx) => {
        const before = await findDispatchPolicy(tx, request.body.kind, request.body.severity);
        const after = await upsertDispatchPolicy(tx, request.body);
        await recordAudit(tx, request.actor, { action: before ? 'update' : 'create', entityType: 'dispatch_policy', entityId: String(after.id), details: before ? { before, after } : { ...after } });
        return { policy: after, created: !before };
      }),
  );

  app.delete(
    '/api/dispatch-policies/:id',
    { config: { roles: CAN_ENGINEER }, schema: { tags, summary: 'Remove a policy (not the default: any kind, any severity)', params: idParams } },
    async (request, reply) => {
      await withTransaction(db, async (tx) => {
        const removed = await deleteDispatchPolicy(tx, request.params.id);
        await recordAudit(tx, request.actor, { action: 'delete', entityType: 'dispatch_policy', entityId: String(removed.id), details: { ...removed } });
      });
      return reply.code(204).send();
    },
  );
};
