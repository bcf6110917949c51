// REST routes of the joint rules: the command room reads them, engineers and admins write them (every
// change audited in its transaction), and anyone who reads them may ask what a rule, saved or not, would
// match now (the dry run). A change wakes the evaluator, so it applies within a moment.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CAN_ENGINEER, CAN_VIEW } from '@cityops/contract/roles';
import type { JointRuleInput } from '@cityops/contract/joint-rules';
import { recordAudit } from '@cityops/core/audit';
import { notify } from '@cityops/core/database/notification-bus';
import { withTransaction, type Queryable } from '@cityops/core/database/pool';
import type { RouteContext } from '@cityops/core/http/route-context';
import { jointRulesWake } from './evaluator.ts';
import { matchesOf, sensorsOfRule } from './match.ts';
import { cameraSituations, deleteJointRule, getJointRule, insertJointRule, listJointRules, sensorFacts, updateJointRule } from './repository.ts';
import { checkAgainstRegistry, jointRuleBody, jointRuleMatchSchema, jointRuleSchema, normalizedRule } from './rule-schema.ts';

const idParams = z.object({ id: z.coerce.number().int().positive() });
const tags = ['joint-rules'];

/** What a rule matches now, from the same facts and the same code the evaluator uses. */
async function dryRun(db: Queryable, rule: JointRuleInput, nowMs: number) {
  const sensors = await sensorFacts(db, [rule]);
  const situations = await cameraSituations(db, rule.cameraAlertKinds, nowMs - rule.windowMinutes * 60_000);
  return { matches: matchesOf(rule, sensors, situations, nowMs), sensorsLookedAt: sensorsOfRule(rule, sensors).length };
}

export const jointRuleRoutes: FastifyPluginAsync<RouteContext> = async (plainApp, { db }) => {
  const app = plainApp.withTypeProvider<ZodTypeProvider>();
  const ruleAnswer = z.object({ rule: jointRuleSchema });

  app.get(
    '/api/joint-rules',
    { config: { roles: CAN_VIEW }, schema: { tags, summary: 'The joint rules: a sensor state and camera situations near it, together, raise one alert', response: { 200: z.object({ rules: z.array(jointRuleSchema) }) } } },
    async () => ({ rules: await listJointRules(db) }),
  );

  app.post(
    '/api/joint-rules',
    { config: { roles: CAN_ENGINEER }, schema: { tags, summary: 'Add a joint rule (checked: the sensor exists and is placed, radius 1-5000 m, window 1-1440 min, both conditions set)', body: jointRuleBody, response: { 201: ruleAnswer } } },
    async (request, reply) => {
      const input = normalizedRule(request.body);
      await checkAgainstRegistry(db, input);
      const rule = await withTransaction(db, async (tx) => {
        const created = await insertJointRule(tx, input);
        await recordAudit(tx, request.actor, { action: 'create', entityType: 'joint_rule', entityId: String(created.id), details: { ...created } });
        await notify(tx, jointRulesWake, 'rule created');
        return created;
      });
      return reply.code(201).send({ rule });
    },
  );

  app.put(
    '/api/joint-rules/:id',
    { config: { roles: CAN_ENGINEER }, schema: { tags, summary: 'Change a joint rule (its open alerts follow at the next pass)', params: idParams, body: jointRuleBody, response: { 200: ruleAnswer } } },
    async (request) => {
      const input = normalizedRule(request.body);
      await checkAgainstRegistry(db, input);
      return {
        rule: await withTransaction(db, async (tx) => {
          const before = await getJointRule(tx, request.params.id);
          const after = await updateJointRule(tx, request.params.id, input);
          await recordAudit(tx, request.actor, { action: 'update', entityType: 'joint_rule', entityId: String(after.id), details: { before, after } });
          await notify(tx, jointRulesWake, 'rule changed');
          return after;
        }),
      };
    },
  );

  app.delete(
    '/api/joint-rules/:id',
    { config: { roles: CAN_ENGINEER }, schema: { tags, summary: 'Remove a joint rule (its open alerts are cleared)', params: idParams } },
    async (request, reply) => {
      await withTransaction(db, async (tx) => {
        const before = await getJointRule(tx, request.params.id);
        await deleteJointRule(tx, request.params.id);
        await recordAudit(tx, request.actor, { action: 'delete', entityType: 'joint_rule', entityId: String(before.id), details: { ...before } });
        await notify(tx, jointRulesWake, 'rule deleted');
      });
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/joint-rules/dry-run',
    {
      config: { roles: CAN_VIEW },
      schema: {
        tags,
        summary: 'What a rule (saved or being written) would match now: each sensor whose condition holds with the camera situations near it. Changes nothing.',
        body: jointRuleBody,
        response: { 200: z.object({ matches: z.array(jointRuleMatchSchema), sensorsLookedAt: z.number().int() }) },
      },
    },
    async (request) => {
      const input = normalizedRule(request.body);
      await checkAgainstRegistry(db, input);
      return dryRun(db, input, Date.now());
    },
  );
};
