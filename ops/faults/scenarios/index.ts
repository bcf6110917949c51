// Every fault scenario, in the order the suite runs them.
import type { Scenario } from '../scenario.ts';
import { brokerCrash, brokerRestart } from './broker-restart.ts';
import { cameraFlap } from './camera-flap.ts';
import { cameraTimestamps } from './camera-timestamps.ts';
import { databaseOutage } from './database-outage.ts';
import { killRoles } from './kill-roles.ts';
import { poison } from './poison.ts';
import { soak } from './soak.ts';

export const SCENARIOS: Scenario[] = [poison, databaseOutage, brokerRestart, brokerCrash, killRoles, cameraFlap, cameraTimestamps, soak];
