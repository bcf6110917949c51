// Users and field teams as the API returns them (/api/auth/me, /api/users, /api/teams).
import type { UserRole } from './roles.ts';

export interface User {
  id: number;
  username: string;
  displayName: string;
  role: UserRole;
  mustChangePassword: boolean;
  disabled: boolean;
  language: 'vi' | 'en';
  /** A TOTP second factor is enrolled and confirmed: every login asks its code. */
  totpEnabled: boolean;
}

/** The logged-in user (/api/auth/me, /api/auth/login). */
export interface SessionUser extends User {
  teamIds?: number[];
  /** The password was right; the authenticator code is still to come. */
  secondFactorPending?: boolean;
  /** REQUIRE_2FA is set and this admin or engineer has no authenticator yet: enrol before anything else. */
  totpEnrolmentRequired?: boolean;
}

export interface Team {
  id: number;
  name: string;
  districtId: string | null;
  phone: string | null;
  /** Incident kinds the team handles (empty: any); dispatch proposes teams that handle the kind first. */
  incidentKinds: string[];
  members: { userId: number; username: string; displayName: string; role: string }[];
}
