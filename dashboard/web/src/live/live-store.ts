// Everything live on screen, in one place: the socket connection and its state, the open alerts, the
// device registry and each device's health. Pages read it through hooks (live-context.tsx); nothing
// else opens a socket. Changes are coalesced so a burst of 100 alerts costs one render, not 100.
// The alerts themselves are kept by the protocol's one client, AlertSyncClient (@cityops/contract).
import { io, type Socket } from 'socket.io-client';
import { AlertSyncClient, type AlertFeedChange } from '@cityops/contract/alert-sync-client';
import { nameIn, type Camera, type District, type Sensor } from '@cityops/contract/devices';
import type { IncidentView } from '@cityops/contract/incidents';
import type { ClientToServerEvents, ServerToClientEvents } from '@cityops/contract/socket-events';
import { api, apiOptional, refreshSessionUser } from '../api.ts';
import { isActiveIncident, isOpen, sortAlerts, sortIncidents, type Alert, type DeviceHealth } from './types.ts';

/** What the camera feature reports (ingest/camera/api.ts, camera:status). */
interface CameraStatus {
  cameraId: string;
  state: 'online' | 'degraded' | 'offline';
  reason?: string | null;
  message?: string | null;
  lastFrameAt?: string | null;
  updatedAt?: string | null;
  decode?: 'all' | 'keyframes' | null;
}

/** What the sensor feature reports (ingest/sensors/api.ts /api/sensors/latest, sensor:status). */
interface SensorLatest {
  id: string;
  state: string;
  lastValue?: number | null;
  lastSeenAt?: string | null;
}

const CAMERA_STATES: Record<CameraStatus['state'], DeviceHealth['state']> = { online: 'ok', degraded: 'degraded', offline: 'offline' };
const SENSOR_STATES = new Set(['ok', 'level1', 'level2', 'level3', 'offline', 'disabled', 'unknown']);

function cameraHealth(status: CameraStatus): DeviceHealth {
  return {
    state: CAMERA_STATES[status.state] ?? 'unknown',
    lastSeenAt: status.lastFrameAt ?? null,
    // The reason an offline or degraded camera gives (wrong password, no frames, H.265...).
    error: status.state === 'online' ? null : (status.message ?? status.reason ?? null),
    reason: status.state === 'online' ? null : (status.reason ?? null),
    decode: status.decode ?? null,
  };
}

function sensorHealth(status: SensorLatest): DeviceHealth {
  return {
    state: (SENSOR_STATES.has(status.state) ? status.state : 'unknown') as DeviceHealth['state'],
    lastSeenAt: status.lastSeenAt ?? null,
    lastValue: status.lastValue ?? null,
  };
}

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'unavailable';

export interface LiveStoreOptions {
  /** Command-room roles read the whole registry; a field user gets only their team's alerts. */
  loadRegistry: boolean;
}

const NOTIFY_DELAY_MS = 150;
const REGISTRY_REFRESH_MS = 60_000;
/** After a `devices:changed`: long enough to take a bulk import's burst in one reload. */
const REGISTRY_RELOAD_DELAY_MS = 500;
const HEALTH_REFRESH_MS = 15_000;
const SYNC_FALLBACK_MS = 2500;
const OPEN_STATES_QUERY = 'new,acknowledged,assigned';
const ACTIVE_INCIDENTS_QUERY = 'state=open,dispatched,on_scene&limit=500';

export class LiveStore {
  status: LiveStatus = 'connecting';
  /** false when the alerts feature is not deployed on this server. */
  alertsAvailable = true;
  /** The alerts, the cursor and the sync state (REALTIME.md "Never missing an alert"). */
  readonly alertFeed = new AlertSyncClient();
  cameras: Camera[] = [];
  sensors: Sensor[] = [];
  districts: District[] = [];
  cameraHealth = new Map<string, DeviceHealth>();
  sensorHealth = new Map<string, DeviceHealth>();
  healthAvailable = { cameras: false, sensors: false };
  /** Bumped on every change; what useSyncExternalStore compares. */
  version = 0;
  /** When the last full resync finished (ms), shown by the wall display. */
  syncedAt = 0;
  /** Incidents this screen knows: the active ones (loaded at start and on reconnection), those a page
   *  loaded, and every one changed since (`incident:changed`). Command-room roles only. */
  incidents = new Map<number, IncidentView>();
  /** false when the incidents feature is not deployed on this server. */
  incidentsAvailable = true;

  private socket?: Socket<ServerToClientEvents, ClientToServerEvents>;
  private listeners = new Set<() => void>();
  private raisedListeners = new Set<(alert: Alert, previous: Alert | undefined) => void>();
  private notifyTimer?: ReturnType<typeof setTimeout>;
  private timers: ReturnType<typeof setInterval>[] = [];
  private sortedCache?: { version: number; list: Alert[] };
  private activeIncidentsCache?: { version: number; list: IncidentView[] };
  private stopped = false;
  private syncFallbackTimer?: ReturnType<typeof setTimeout>;
  /** Pages' own listeners for events this store does not keep (e.g. `slots:changed`). */
  private eventHandlers = new Map<string, Set<(payload: unknown) => void>>();
  /** Health maps already replaced since the last notification. */
  private healthCopied = new Set<'cameraHealth' | 'sensorHealth'>();

  constructor(private readonly options: LiveStoreOptions) {
    this.alertFeed.onChange((change) => this.onAlertChange(change));
  }

  get alerts(): ReadonlyMap<number, Alert> {
    return this.alertFeed.alerts;
  }

  start(): void {
    // Started again after stop() (React StrictMode mounts effects twice in development builds):
    // without this, every registry and health load would be dropped as if the store were gone.
    this.stopped = false;
    this.connectedBefore = false;
    // The cursor goes with every (re)connect, so the server replays exactly what this screen missed.
    this.socket = io({
      path: '/socket.io',
      transports: ['websocket', 'polling'],
      reconnectionDelayMax: 5000,
      withCredentials: true,
      auth: this.alertFeed.auth,
    });
    // Registered before the store's own `connect` listener: the feed marks the connection unsynced first.
    this.alertFeed.attach(this.socket);
    this.socket.on('connect', () => {
      // A recovered connection had its missed packets replayed by socket.io; otherwise the server
      // sends alerts:sync, and the feed holds live events until it has been applied.
      if (!this.socket?.recovered) {
        // A server without the socket sync (older or partial deployment) still gets a full list.
        clearTimeout(this.syncFallbackTimer);
        this.syncFallbackTimer = setTimeout(() => void (this.alertFeed.synced || this.snapshotOverRest()), SYNC_FALLBACK_MS);
      }
      this.setStatus('live');
      // The first connection's registry was asked for at start; a reconnection reloads it.
      if (this.options.loadRegistry && this.connectedBefore) {
        void this.loadRegistry();
        void this.loadHealth();
        // Changes made while the socket was down were not sent to this screen.
        void this.loadIncidents();
      }
      this.connectedBefore = true;
    });
    this.socket.on('disconnect', (reason) => {
      this.setStatus('reconnecting');
      // The server closed it (the user was disabled, or their role changed): socket.io does not
      // reconnect by itself then. Reconnect, and ask REST who we are: the page follows a new role at
      // once, and a 401 brings up the login.
      if (reason === 'io server disconnect') {
        void refreshSessionUser().catch(() => {});
        this.socket?.connect();
      }
    });
    this.socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
      this.setStatus(this.status === 'connecting' ? 'connecting' : 'reconnecting');
      // A refused handshake because the session is gone: this REST call brings up the login.
      if (error.data?.code === 'unauthenticated') void api('/api/auth/me').catch(() => {});
    });
    this.socket.io.on('reconnect_attempt', () => this.setStatus('reconnecting'));
    this.socket.onAny((event: string, payload: unknown) => this.eventHandlers.get(event)?.forEach((handler) => handler(payload)));
    this.socket.on('camera:status', (status) => this.applyHealth('cameraHealth', status.cameraId, cameraHealth(status)));
    // A device added, changed or deleted anywhere: reload the registry, once for a burst (bulk import).
    this.socket.on('devices:changed', () => this.reloadRegistrySoon());
    this.socket.on('sensor:status', (status) => this.applyHealth('sensorHealth', status.sensorId ?? status.id, sensorHealth(status)));
    this.socket.on('incident:changed', (incident) => this.upsertIncidents([incident]));

    if (this.options.loadRegistry) {
      // Over REST, without waiting for the socket's handshake: the map draws nothing before it.
      void this.loadRegistry();
      void this.loadHealth();
      void this.loadIncidents();
      this.timers.push(setInterval(() => void this.loadRegistry(), REGISTRY_REFRESH_MS));
      this.timers.push(setInterval(() => void this.loadHealth(), HEALTH_REFRESH_MS));
    }
  }

  /** Calls `handler` for every `event` from the server until the returned function is called. */
  onServerEvent(event: string, handler: (payload: unknown) => void): () => void {
    const handlers = this.eventHandlers.get(event) ?? new Set();
    handlers.add(handler);
    this.eventHandlers.set(event, handlers);
    return () => handlers.delete(handler);
  }

  stop(): void {
    this.stopped = true;
    this.alertFeed.stop();
    this.socket?.close();
    this.timers.forEach(clearInterval);
    clearTimeout(this.notifyTimer);
    clearTimeout(this.syncFallbackTimer);
    clearTimeout(this.registryReload);
    this.registryReload = undefined;
    this.listeners.clear();
    this.raisedListeners.clear();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = () => this.version;

  /** Fires for an alert raised (or escalated) after this screen's first sync: the wall alarm. */
  onAlertRaised(listener: (alert: Alert, previous: Alert | undefined) => void): () => void {
    this.raisedListeners.add(listener);
    return () => this.raisedListeners.delete(listener);
  }

  /** Open alerts, most severe first, newest first within a severity. */
  openAlerts(): Alert[] {
    if (this.sortedCache?.version !== this.version) {
      const list = [...this.alerts.values()].filter(isOpen).sort(sortAlerts);
      this.sortedCache = { version: this.version, list };
    }
    return this.sortedCache.list;
  }

  camera(id: string) {
    return this.cameras.find((camera) => camera.id === id);
  }

  sensor(id: string) {
    return this.sensors.find((sensor) => sensor.id === id);
  }

  district(id: string | null | undefined) {
    return id ? this.districts.find((district) => district.id === id) : undefined;
  }

  /** The district's name in the language; its id when it is not (or no longer) registered; undefined for none. */
  districtName(id: string | null | undefined, language: 'vi' | 'en'): string | undefined {
    const district = this.district(id);
    return district ? nameIn(district, language) : (id ?? undefined);
  }

  /** Active incidents (open, dispatched, on scene): most severe first, newest first within a severity. */
  activeIncidents(): IncidentView[] {
    if (this.activeIncidentsCache?.version !== this.version) {
      const list = [...this.incidents.values()].filter(isActiveIncident).sort(sortIncidents);
      this.activeIncidentsCache = { version: this.version, list };
    }
    return this.activeIncidentsCache.list;
  }

  /** Applies incidents a page loaded or an action answered with; a copy older than the one held is
   *  ignored (the live event of a later change may have arrived before the answer of an earlier one). */
  upsertIncidents(incidents: readonly IncidentView[]): void {
    let changed = false;
    for (const incident of incidents) {
      const held = this.incidents.get(incident.id);
      if (held && held.updatedAt > incident.updatedAt) continue;
      this.incidents.set(incident.id, incident);
      changed = true;
    }
    if (changed) this.changed();
  }

  /** The active incidents over REST (a field user never asks: the route is the command room's). */
  async loadIncidents(): Promise<void> {
    try {
      const page = await apiOptional<{ incidents: IncidentView[] }>(`/api/incidents?${ACTIVE_INCIDENTS_QUERY}`);
      if (this.stopped) return;
      this.incidentsAvailable = Boolean(page);
      if (page) {
        // An incident held as active but absent now ended while this screen was away: ask for it again.
        const active = new Set(page.incidents.map((incident) => incident.id));
        const ended = [...this.incidents.values()].filter((incident) => isActiveIncident(incident) && !active.has(incident.id));
        for (const incident of ended) this.incidents.delete(incident.id);
        this.upsertIncidents(page.incidents);
      }
      this.changed();
    } catch {}
  }

  /** Applies an alert an action answered with. The cursor is not moved: events of other alerts
   *  before this one may still be on their way. A copy older than the one held is ignored. */
  upsertAlert(alert: Alert): void {
    if (this.alertFeed.upsert(alert)) this.changed();
  }

  /** The open alerts over REST, applied as a snapshot; used when no alerts:sync came over the socket. */
  private async snapshotOverRest(): Promise<void> {
    try {
      const alerts: Alert[] = [];
      let before: number | null = null;
      do {
        const page: { alerts: Alert[]; nextBefore: number | null } | undefined = await apiOptional(
          `/api/alerts?state=${OPEN_STATES_QUERY}&limit=500${before ? `&before=${before}` : ''}`,
        );
        if (!page) {
          this.alertsAvailable = false;
          this.changed();
          return;
        }
        alerts.push(...page.alerts);
        before = page.nextBefore;
      } while (before && alerts.length < 5000);
      if (this.alertFeed.synced) return;
      const cursor = alerts.reduce((highest, alert) => Math.max(highest, alert.lastEventId), this.alertFeed.cursor);
      this.alertFeed.applySync({ mode: 'snapshot', cursor, alerts, truncated: false });
    } catch {}
  }

  private onAlertChange(change: AlertFeedChange) {
    if (change.type === 'sync') {
      // Alerts raised while this screen was away still sound the wall alarm once.
      if (change.sync.mode === 'snapshot' && this.syncedAt) {
        for (const alert of this.alerts.values()) if (!change.previous.has(alert.id)) this.announce(alert, undefined);
      }
      this.alertsAvailable = true;
      this.syncedAt = Date.now();
    } else if (change.type === 'event' && isOpen(change.event.alert)) {
      this.announce(change.event.alert, change.previous);
    }
    this.changed();
  }

  /** New alerts, and alerts that escalated, for the wall's audible alarm. */
  private announce(alert: Alert, previous: Alert | undefined) {
    if (previous && previous.severity === alert.severity) return;
    this.raisedListeners.forEach((listener) => listener(alert, previous));
  }

  private applyHealth(kind: 'cameraHealth' | 'sensorHealth', id: string | undefined, health: DeviceHealth) {
    if (!id) return;
    // A state change (what the map colours) gives a new Map, copied once per notification, not per
    // message: the map redraws devices when it is handed a new Map. Value-only updates (thousands a
    // second with 5,000 sensors) change the held one in place, as the map does not draw values.
    if (this[kind].get(id)?.state !== health.state && !this.healthCopied.has(kind)) {
      this[kind] = new Map(this[kind]);
      this.healthCopied.add(kind);
    }
    const target = this[kind];
    const previous = target.get(id);
    // A partial live update (no lastSeenAt / lastValue in it) keeps what the last full load said.
    target.set(id, { ...previous, ...Object.fromEntries(Object.entries(health).filter(([, value]) => value !== undefined && value !== null)), state: health.state });
    this.changed();
  }

  private registryReload?: ReturnType<typeof setTimeout>;
  private connectedBefore = false;

  private reloadRegistrySoon() {
    if (!this.options.loadRegistry || this.registryReload) return;
    this.registryReload = setTimeout(() => {
      this.registryReload = undefined;
      void this.loadRegistry();
    }, REGISTRY_RELOAD_DELAY_MS);
  }

  async loadRegistry(): Promise<void> {
    try {
      const [cameras, sensors, districts] = await Promise.all([
        api<{ cameras: Camera[] }>('/api/cameras'),
        api<{ sensors: Sensor[] }>('/api/sensors'),
        api<{ districts: District[] }>('/api/districts'),
      ]);
      if (this.stopped) return;
      this.cameras = cameras.cameras;
      this.sensors = sensors.sensors;
      this.districts = districts.districts;
      // Now, not after the coalescing delay: a registry load is rare, and the first map render waits on it.
      this.changed(true);
    } catch {}
  }

  async loadHealth(): Promise<void> {
    const [cameraStates, sensorStates] = await Promise.all([
      apiOptional<{ cameras: CameraStatus[] }>('/api/cameras/status').catch(() => undefined),
      apiOptional<{ sensors: SensorLatest[] }>('/api/sensors/latest').catch(() => undefined),
    ]);
    if (this.stopped) return;
    this.healthAvailable = { cameras: Boolean(cameraStates), sensors: Boolean(sensorStates) };
    if (cameraStates) this.cameraHealth = new Map(cameraStates.cameras.map((status) => [status.cameraId, cameraHealth(status)]));
    if (sensorStates) this.sensorHealth = new Map(sensorStates.sensors.map((status) => [status.id, sensorHealth(status)]));
    this.changed();
  }

  private setStatus(status: LiveStatus) {
    if (this.status === status) return;
    this.status = status;
    this.changed(true);
  }

  private changed(now = false) {
    this.version++;
    if (now) {
      clearTimeout(this.notifyTimer);
      this.notifyTimer = undefined;
      this.notify();
      return;
    }
    this.notifyTimer ??= setTimeout(() => {
      this.notifyTimer = undefined;
      this.notify();
    }, NOTIFY_DELAY_MS);
  }

  private notify() {
    this.healthCopied.clear();
    this.listeners.forEach((listener) => listener());
  }
}
