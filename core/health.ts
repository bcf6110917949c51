// The health of this process's components (roles, periodic jobs, the embedded database and broker), as
// /readyz and the dashboard's system health show it. Only a state, a name and a time: never error text,
// which could reveal addresses, SQL or credentials to whoever can reach the public /readyz.
import { counter, gauge } from './metrics.ts';

export type ComponentState = 'ok' | 'degraded' | 'down';

export interface ComponentHealth {
  name: string;
  state: ComponentState;
  /** When the component entered this state (ISO 8601). */
  since: string;
}

const STATE_VALUE: Record<ComponentState, number> = { ok: 0, degraded: 1, down: 2 };
/** Counted by both embedded parts (core/database/embedded.ts, core/mqtt/embedded-broker.ts), by component. */
export const embeddedRestarts = counter('cityops_embedded_restarts_total', 'Embedded PostgreSQL or broker started again after it died', ['component']);
const componentStateGauge = gauge('cityops_component_state', 'State of each component of this process: 0 ok, 1 degraded, 2 down', ['component']);

class HealthRegistry {
  private readonly components = new Map<string, ComponentHealth>();

  /** Records a state; the time changes only when the state does. */
  set(name: string, state: ComponentState): void {
    const current = this.components.get(name);
    if (current?.state === state) return;
    this.components.set(name, { name, state, since: new Date().toISOString() });
    componentStateGauge.set({ component: name }, STATE_VALUE[state]);
  }

  get(name: string): ComponentHealth | undefined {
    return this.components.get(name);
  }

  remove(name: string): void {
    this.components.delete(name);
    componentStateGauge.remove({ component: name });
  }

  list(): ComponentHealth[] {
    return [...this.components.values()].sort((a, b) => STATE_VALUE[b.state] - STATE_VALUE[a.state] || a.name.localeCompare(b.name));
  }
}

/** One registry per process, like the metrics registry. */
export const componentHealth = new HealthRegistry();
