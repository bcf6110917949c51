// `npm run bench -- dispatch [--phones 500] [--assignments 200] [--rate 10] [--reminders 200] [--phone-processes N]`
// Quick try: `npm run bench -- dispatch --phones 100 --assignments 40 --reminders 40`.
//
// Dispatch to field phones, end to end, beside the machine's own limit, in one run:
// - the real api role in its own process; `--phones` field users, each alone in a team and each with
//   its own session, connected as real socket.io clients in `--phone-processes` child processes;
// - `dispatch.assignment_to_phone_p95_ms`: an operator's `POST /api/incidents/:id/assign` (over HTTP,
//   `--rate` per second, each to another phone's team) → that phone receives `incident:assignment`;
// - `dispatch.escalation_lag_p95_ms`: `--reminders` assignments whose acknowledgement deadlines fall
//   due spread over 5 s → the phone receives the reminder (`incident:escalation`, step remind);
// - `dispatch.bare_request_to_socket_p95_ms`: the same phones on a bare HTTP + socket.io server that
//   emits to one phone's room per request (no session, no database), at the same rate, and
//   `dispatch.assignment_ratio` = assignment p95 ÷ bare p95.
// Needs PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres);
// creates and drops a scratch database.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSession, SESSION_COOKIE } from '@cityops/core/auth/sessions';
import { createUser } from '@cityops/core/auth/users';
import { migrate } from '@cityops/core/database/migrate';
import { createDatabase } from '@cityops/core/database/pool';
import { paced } from './paced.ts';
import { quantile, startServer } from './child-server.ts';
import { createScratchDatabase, databaseUrl, option } from './bench-options.ts';
import type { PhoneReceipt, PhonesCommand } from './dispatch-phones.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const now = () => performance.timeOrigin + performance.now();
const ASSIGNMENT_GOAL_MS = 2000;
const ESCALATION_GOAL_MS = 5000;
/** How long to wait for the last receipts before calling them missing. */
const DRAIN_MS = 10_000;


function ask<T>(child: ChildProcess, command: PhonesCommand): Promise<T> {
  return new Promise((resolve, reject) => {
    const listener = (message: { type: string; message?: string }) => {
      if (message.type === 'received') return;
      child.off('message', listener);
      if (message.type === 'error') reject(new Error(message.message));
      else resolve(message as T);
    };
    child.on('message', listener);
    child.send(command);
  });
}


/** Waits until `expected` receipts of `event` arrived (or DRAIN_MS without a new one). */
async function receipts(received: Map<string, number>, event: string, keys: number[]): Promise<Map<number, number>> {
  let lastCount = -1;
  let lastChange = Date.now();
  for (;;) {
    const found = keys.filter((key) => received.has(`${event}:${key}`));
    if (found.length === keys.length) break;
    if (found.length !== lastCount) [lastCount, lastChange] = [found.length, Date.now()];
    if (Date.now() - lastChange > DRAIN_MS) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return new Map(keys.filter((key) => received.has(`${event}:${key}`)).map((key) => [key, received.get(`${event}:${key}`)!]));
}

export async function run(args: string[]): Promise<void> {
  const phoneCount = option(args, 'phones', 500);
  const assignmentCount = Math.min(phoneCount, option(args, 'assignments', 200));
  const reminderCount = Math.min(phoneCount - assignmentCount, option(args, 'reminders', 200));
  const rate = option(args, 'rate', 10);
  const processCount = option(args, 'phone-processes', Math.min(8, Math.ceil(phoneCount / 125)));
  const name = `cityops_bench_dispatch_${process.pid}`;
  const admin = await createScratchDatabase(name);
  const db = createDatabase(databaseUrl(name), 4);
  const children: ChildProcess[] = [];
  try {
    await migrate(db);
    // One password hash for everyone (a login's scrypt is not what this measures), one session each.
    const operator = await createUser(db, { username: 'bench-operator', password: 'bench-password-not-secret', role: 'operator' });
    const operatorCookie = `${SESSION_COOKIE}=${(await openSession(db, operator.id, '127.0.0.1')).token}`;
    const phones = await db.query(
      `WITH users AS (
         INSERT INTO users (username, role, password_hash) SELECT 'phone-' || g, 'field', (SELECT password_hash FROM users WHERE id = $1) FROM generate_series(1, $2) g RETURNING id, username),
       teams AS (INSERT INTO teams (name) SELECT 'team-' || username FROM users RETURNING id, name)
       INSERT INTO team_members (team_id, user_id) SELECT t.id, u.id FROM users u JOIN teams t ON t.name = 'team-' || u.username RETURNING team_id, user_id`,
      [operator.id, phoneCount],
    );
    const cookies: string[] = [];
    for (const row of phones.rows) cookies.push(`${SESSION_COOKIE}=${(await openSession(db, Number(row.user_id), '127.0.0.1')).token}`);
    const teamIds = phones.rows.map((row) => Number(row.team_id));
    // The incidents to assign: one per phone that gets one (made in SQL: not what is measured).
    const incidents = await db.query(
      `INSERT INTO incidents (kind, kind_set_by, severity, lat, lon) SELECT 'traffic_accident', 'person', 'major', 10.77 + g * 0.0001, 106.70 FROM generate_series(1, $1) g RETURNING id`,
      [assignmentCount + reminderCount],
    );
    const incidentIds = incidents.rows.map((row) => Number(row.id));

    const api = await startServer(path.join(HERE, 'bench-api.ts'), [databaseUrl(name)]);
    children.push(api.child);
    const received = new Map<string, number>();
    const phoneProcesses = Array.from({ length: processCount }, () => spawn(process.execPath, ['--import', 'tsx', path.join(HERE, 'dispatch-phones.ts')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    children.push(...phoneProcesses);
    for (const child of phoneProcesses) {
      child.on('message', (message: PhoneReceipt) => {
        if (message.type === 'received' && !received.has(`${message.event}:${message.incidentId}`)) received.set(`${message.event}:${message.incidentId}`, message.at);
      });
    }
    const shareOf = (list: string[], index: number) => list.filter((_, i) => i % processCount === index);
    await Promise.all(phoneProcesses.map((child, index) => ask(child, { type: 'connect', url: api.url, cookies: shareOf(cookies, index) })));

    // 1. Assignments at `rate` per second, each to the next phone's team.
    const assignedAt = new Map<number, number>();
    const failures: string[] = [];
    const pending: Promise<void>[] = [];
    await paced(rate, assignmentCount / rate, (n) => {
      if (n >= assignmentCount) return;
      const incidentId = incidentIds[n];
      assignedAt.set(incidentId, now());
      pending.push(
        fetch(`${api.url}/api/incidents/${incidentId}/assign`, { method: 'POST', headers: { cookie: operatorCookie, 'content-type': 'application/json' }, body: JSON.stringify({ teamId: teamIds[n] }) }).then(async (response) => {
          if (response.status !== 200) failures.push(`${response.status} ${await response.text()}`);
        }),
      );
    });
    await Promise.all(pending);
    const assignmentIds = incidentIds.slice(0, assignmentCount);
    const assignmentReceipts = await receipts(received, 'assignment', assignmentIds);
    const assignmentLatencies = [...assignmentReceipts].map(([incidentId, at]) => at - assignedAt.get(incidentId)!);

    // 2. Reminders: assignments made at once, their acknowledgement deadlines then set to fall due
    // spread over the next 5 s (the default policy's 5 minutes would make a long bench).
    const reminderIds = incidentIds.slice(assignmentCount, assignmentCount + reminderCount);
    await db.query(
      `INSERT INTO incident_assignments (incident_id, team_id, team_name, assigned_by_name, acknowledge_by, arrive_by, step_seconds, ladder)
       SELECT i, t, 'team', 'bench', now() + interval '1 hour', now() + interval '2 hours', 3600, '{remind,supervisor,next_team}'
       FROM unnest($1::bigint[], $2::bigint[]) AS x(i, t)`,
      [reminderIds, teamIds.slice(assignmentCount, assignmentCount + reminderCount)],
    );
    const due = await db.query(
      `UPDATE incident_assignments a SET acknowledge_by = clock_timestamp() + interval '1 second' + make_interval(secs => 5.0 * x.n / $2)
       FROM unnest($1::bigint[]) WITH ORDINALITY AS x(incident_id, n) WHERE a.incident_id = x.incident_id RETURNING a.incident_id, a.acknowledge_by`,
      [reminderIds, reminderCount],
    );
    const dueAt = new Map(due.rows.map((row) => [Number(row.incident_id), (row.acknowledge_by as Date).getTime()]));
    await new Promise((resolve) => setTimeout(resolve, 6500));
    const reminderReceipts = await receipts(received, 'reminder', reminderIds);
    const escalationLags = [...reminderReceipts].map(([incidentId, at]) => at - dueAt.get(incidentId)!);

    // 3. The machine's limit: the same phones on a bare server, one emit per request, at the same rate.
    await Promise.all(phoneProcesses.map((child) => ask(child, { type: 'close' })));
    const bare = await startServer(path.join(HERE, 'bare-room-server.ts'), []);
    children.push(bare.child);
    let firstIndex = 0;
    for (const [index, child] of phoneProcesses.entries()) {
      const share = shareOf(cookies, index);
      await ask(child, { type: 'connect', url: bare.url, cookies: share, bare: true, firstIndex });
      firstIndex += share.length;
    }
    // Phone k of process p has room index (start of p's share) + k; requests go to the same phones as above.
    const roomOf: number[] = [];
    let start = 0;
    for (let p = 0; p < processCount; p++) {
      const share = shareOf(cookies, p).length;
      for (let k = 0; k < share; k++) roomOf[p + k * processCount] = start + k;
      start += share;
    }
    const sentAt = new Map<number, number>();
    const barePending: Promise<unknown>[] = [];
    await paced(rate, assignmentCount / rate, (n) => {
      if (n >= assignmentCount) return;
      sentAt.set(n, now());
      barePending.push(fetch(`${bare.url}/emit?room=phone:${roomOf[n]}&n=${n}`, { method: 'POST' }));
    });
    await Promise.all(barePending);
    const bareReceipts = await receipts(received, 'bare', [...sentAt.keys()]);
    const bareLatencies = [...bareReceipts].map(([n, at]) => at - sentAt.get(n)!);

    const machine = `${cpus().length} cores, load ${loadavg()[0].toFixed(1)}`;
    const conditions = `${phoneCount} phones connected (socket.io clients in ${processCount} processes), real api role in its own process`;
    const assignmentP95 = quantile(assignmentLatencies, 0.95);
    const bareP95 = quantile(bareLatencies, 0.95);
    console.log(
      `dispatch.assignment_to_phone_p95_ms: ${assignmentP95.toFixed(1)} (POST assign → the team's phone receives incident:assignment; p50 ${quantile(assignmentLatencies, 0.5).toFixed(1)}, max ${Math.max(...assignmentLatencies).toFixed(1)}; ` +
        `${assignmentReceipts.size}/${assignmentCount} received, ${failures.length} refused${failures.length ? ` (${failures[0]})` : ''}; ${rate}/s; ${conditions}; goal < ${ASSIGNMENT_GOAL_MS} ${assignmentP95 < ASSIGNMENT_GOAL_MS ? 'met' : 'missed'}; ${machine})`,
    );
    const escalationP95 = quantile(escalationLags, 0.95);
    console.log(
      `dispatch.escalation_lag_p95_ms: ${escalationP95.toFixed(1)} (acknowledgement deadline → the phone receives the reminder; p50 ${quantile(escalationLags, 0.5).toFixed(1)}, max ${Math.max(...escalationLags).toFixed(1)}; ` +
        `${reminderReceipts.size}/${reminderCount} received; deadlines spread over 5 s; escalation worker woken by NOTIFY and a timer for the next due step, 1 s poll behind them; goal < ${ESCALATION_GOAL_MS} ${escalationP95 < ESCALATION_GOAL_MS ? 'met' : 'missed'})`,
    );
    console.log(
      `dispatch.bare_request_to_socket_p95_ms: ${bareP95.toFixed(1)} (bare HTTP + socket.io server, no session or database: POST → that phone's room receives a message; p50 ${quantile(bareLatencies, 0.5).toFixed(1)}; ${bareReceipts.size}/${assignmentCount} received; same phones, ${rate}/s)`,
    );
    console.log(`dispatch.assignment_ratio: ${(assignmentP95 / bareP95).toFixed(1)} (assignment_to_phone_p95_ms ÷ bare_request_to_socket_p95_ms, same run)`);
  } finally {
    // The API first stops (its database connections closed), then the scratch database goes.
    await Promise.all(
      children.map((child) => {
        if (child.exitCode !== null) return undefined;
        child.kill('SIGTERM');
        return Promise.race([once(child, 'exit'), new Promise((resolve) => setTimeout(resolve, 10_000))]);
      }),
    );
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}
