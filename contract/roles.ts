// The five roles and what each may do. Routes name the roles they allow; this file names the groups
// so a route reads `roles: CAN_OPERATE` rather than a list repeated across files.
export const USER_ROLES = ['admin', 'engineer', 'operator', 'field', 'viewer'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Anyone logged in. */
export const ANY_ROLE: readonly UserRole[] = USER_ROLES;
/** Command-room staff who read everything on the wall. */
export const CAN_VIEW: readonly UserRole[] = ['admin', 'engineer', 'operator', 'viewer'];
/** Act on alerts: acknowledge, assign, resolve. */
export const CAN_OPERATE: readonly UserRole[] = ['admin', 'operator'];
/** Register and tune devices. */
export const CAN_ENGINEER: readonly UserRole[] = ['admin', 'engineer'];
/** Manage users and teams. */
export const ADMIN_ONLY: readonly UserRole[] = ['admin'];
/** Field teams and the operators who dispatch them. */
export const FIELD_WORK: readonly UserRole[] = ['admin', 'operator', 'field'];
/** May (and with REQUIRE_2FA must) use a TOTP second factor; the web offers the enrolment to these only. */
export const SECOND_FACTOR_ROLES: readonly UserRole[] = ['admin', 'engineer'];
