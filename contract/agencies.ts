// Responding agencies and the handoffs of incidents to them, as the API answers (the server's
// dashboard/server/incidents/agencies.ts and handoffs.ts) and the web shows them.
import type { IncidentKind } from './incidents.ts';

export const AGENCY_KINDS = ['police_ward', 'fire_brigade', 'ambulance_station', 'drainage_company', 'traffic_police', 'district_committee', 'power_company', 'other'] as const;
export type AgencyKind = (typeof AGENCY_KINDS)[number];
/** team: its field teams in CityOps; webhook: a JSON POST; mqtt: a QoS 1 message on its topic; cap: an
 *  OASIS CAP 1.2 message (XML) POSTed to its URL. */
export const AGENCY_DELIVERIES = ['team', 'webhook', 'mqtt', 'cap'] as const;
export type AgencyDelivery = (typeof AGENCY_DELIVERIES)[number];

export interface Agency {
  id: number;
  name: string;
  kind: AgencyKind;
  districtIds: string[];
  incidentKinds: IncidentKind[];
  delivery: AgencyDelivery;
  /** Only the host of the URL a webhook or CAP agency is POSTed to: the URL itself is a secret. */
  webhookHost: string | null;
  mqttTopic: string | null;
  phone: string | null;
  enabled: boolean;
  teamIds: number[];
}

export interface RoutingProposal {
  agency: Agency;
  coversDistrict: boolean;
  handlesKind: boolean;
}

export interface HandoffView {
  id: number;
  incidentId: number;
  agencyId: number | null;
  agencyName: string;
  delivery: string;
  at: string;
  by: string;
  attempts: number;
  deliveredAt: string | null;
  lastError: string | null;
  gaveUpAt: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
}
