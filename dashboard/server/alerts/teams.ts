// Field teams and their members. A field user sees and acts on the alerts assigned to their teams.
import type { Queryable } from '@cityops/core/database/pool';
import type { Team } from '@cityops/contract/people';
import { notFound } from '@cityops/core/errors';

export interface TeamInput {
  name: string;
  districtId?: string | null;
  phone?: string | null;
  incidentKinds?: string[];
}

const teamSelect = `SELECT t.id, t.name, t.district_id AS "districtId", t.phone, t.incident_kinds AS "incidentKinds",
    COALESCE((SELECT json_agg(json_build_object('userId', u.id, 'username', u.username, 'displayName', u.display_name, 'role', u.role)
                              ORDER BY u.username)
              FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = t.id), '[]') AS members
  FROM teams t`;

const asTeam = (row: Record<string, unknown>): Team => ({ ...(row as unknown as Team), id: Number(row.id) });

export async function listTeams(db: Queryable): Promise<Team[]> {
  return (await db.query(`${teamSelect} ORDER BY t.name`)).rows.map(asTeam);
}

export async function getTeam(db: Queryable, id: number): Promise<Team> {
  const result = await db.query(`${teamSelect} WHERE t.id = $1`, [id]);
  if (!result.rowCount) throw notFound('team', id);
  return asTeam(result.rows[0]);
}

export async function insertTeam(db: Queryable, input: TeamInput): Promise<Team> {
  const result = await db.query(`INSERT INTO teams (name, district_id, phone, incident_kinds) VALUES ($1, $2, $3, $4) RETURNING id`, [
    input.name,
    input.districtId ?? null,
    input.phone ?? null,
    input.incidentKinds ?? [],
  ]);
  return getTeam(db, Number(result.rows[0].id));
}

export async function updateTeam(db: Queryable, id: number, patch: Partial<TeamInput>): Promise<Team> {
  const result = await db.query(
    `UPDATE teams SET name = COALESCE($2, name),
       district_id = CASE WHEN $3::boolean THEN $4 ELSE district_id END,
       phone = CASE WHEN $5::boolean THEN $6 ELSE phone END, incident_kinds = COALESCE($7, incident_kinds), updated_at = now()
     WHERE id = $1`,
    [id, patch.name ?? null, patch.districtId !== undefined, patch.districtId ?? null, patch.phone !== undefined, patch.phone ?? null, patch.incidentKinds ?? null],
  );
  if (!result.rowCount) throw notFound('team', id);
  return getTeam(db, id);
}

export async function deleteTeam(db: Queryable, id: number): Promise<void> {
  const result = await db.query(`DELETE FROM teams WHERE id = $1`, [id]);
  if (!result.rowCount) throw notFound('team', id);
}

/** Adds the user to the team; false when they already were a member. */
export async function addTeamMember(db: Queryable, teamId: number, userId: number): Promise<boolean> {
  const result = await db.query(`INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [teamId, userId]);
  return result.rowCount === 1;
}

export async function removeTeamMember(db: Queryable, teamId: number, userId: number): Promise<boolean> {
  const result = await db.query(`DELETE FROM team_members WHERE team_id = $1 AND user_id = $2`, [teamId, userId]);
  return result.rowCount === 1;
}

/** The teams a user belongs to, with their districts (for live rooms). */
export async function teamsOfUser(db: Queryable, userId: number): Promise<{ teamId: number; districtId: string | null }[]> {
  const result = await db.query(
    `SELECT t.id, t.district_id FROM team_members m JOIN teams t ON t.id = m.team_id WHERE m.user_id = $1 ORDER BY t.id`,
    [userId],
  );
  return result.rows.map((row) => ({ teamId: Number(row.id), districtId: row.district_id }));
}
