// Failure is local (shared/STYLE.md): a failure nobody caught costs the component it came from, never the
// process. Every supervised component starts inside its own async scope, so an unhandled rejection or an
// exception thrown later from one of its timers, sockets or promises is attributed to it; the supervisor
// counts it in /metrics, logs it once with context, shows the component as degraded, and restarts that
// component alone (stop, then start with backoff) when it keeps failing.
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { componentHealth } from './health.ts';
import { backoffMs, type Component } from './lifecycle.ts';
import type { Logger } from './logger.ts';
import { counter } from './metrics.ts';

export type FaultKind = 'unhandled_rejection' | 'uncaught_exception';

const faultsTotal = counter('cityops_faults_total', 'Failures nobody caught, by component and kind (the process goes on)', ['component', 'kind']);
const restartsTotal = counter('cityops_component_restarts_total', 'Components restarted by the supervisor after repeated failures', ['component']);

const componentScope = new AsyncLocalStorage<string>();

/** The supervised component whose work is running now, if any. */
export const currentComponent = (): string | undefined => componentScope.getStore();

export interface SupervisorOptions {
  /** This many failures within faultWindowMs restart the component. */
  faultsBeforeRestart: number;
  faultWindowMs: number;
  /** A component shows as degraded until this long has passed without a failure. */
  quietMsBeforeOk: number;
  restartMinMs: number;
  restartMaxMs: number;
  /** Repeated log lines for the same component and kind are folded into one per this interval. */
  logEveryMs: number;
}

const DEFAULT_OPTIONS: SupervisorOptions = {
  faultsBeforeRestart: 3,
  faultWindowMs: 60_000,
  quietMsBeforeOk: 60_000,
  restartMinMs: 1000,
  restartMaxMs: 60_000,
  logEveryMs: 60_000,
};

export class Supervisor {
  private readonly components = new Map<string, SupervisedComponent>();
  private readonly lastLogged = new Map<string, { at: number; suppressed: number }>();
  readonly options: SupervisorOptions;

  constructor(
    private readonly logger: Logger,
    options: Partial<SupervisorOptions> = {},
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
  }

  /** Wraps a component: its work runs in its own scope, its failures restart it alone. */
  supervise(component: Component, name = component.name): Component {
    return this.superviseFactory(name, () => component);
  }

  /**
   * Like supervise, for a component built by `create`: a restart builds a new one, so no state of the
   * failed instance (a stopped engine, a half-closed client) carries over. Roles restart this way.
   */
  superviseFactory(name: string, create: () => Component | Promise<Component>): Component {
    const supervised = new SupervisedComponent(name, create, this.logger, this.options);
    this.components.set(name, supervised);
    return supervised;
  }

  /** A failure that reached the process: counted, logged once with context, charged to its component. */
  reportFault(kind: FaultKind, error: unknown, component = currentComponent()): void {
    const name = component ?? 'process';
    faultsTotal.inc({ component: name, kind });
    this.logOnce(`${name}:${kind}`, () => ({ err: error, component: name, kind }), `${kind.replace('_', ' ')} in ${name}; it goes on`);
    if (component) this.components.get(component)?.fault();
  }

  /**
   * The process never exits on an unhandled rejection or an uncaught exception: it is reported as a
   * fault of the component it came from. While stopping, it is only logged (the stop decides the exit).
   */
  installProcessHandlers(isStopping: () => boolean): void {
    const handle = (kind: FaultKind) => (error: unknown) => {
      if (isStopping()) this.logger.warn({ err: error, kind }, `${kind.replace('_', ' ')} while shutting down`);
      else this.reportFault(kind, error);
    };
    process.on('unhandledRejection', handle('unhandled_rejection'));
    process.on('uncaughtException', handle('uncaught_exception'));
  }

  private logOnce(key: string, context: () => object, message: string): void {
    const now = Date.now();
    const last = this.lastLogged.get(key);
    if (last && now - last.at < this.options.logEveryMs) {
      last.suppressed += 1;
      return;
    }
    this.logger.error({ ...context(), repeatedSinceLastLog: last?.suppressed ?? 0 }, message);
    this.lastLogged.set(key, { at: now, suppressed: 0 });
  }
}

class SupervisedComponent implements Component {
  private inner?: Component;
  private faultTimes: number[] = [];
  private restarting?: Promise<void>;
  private quietTimer?: NodeJS.Timeout;
  private readonly stopped = new AbortController();

  constructor(
    readonly name: string,
    private readonly create: () => Component | Promise<Component>,
    private readonly logger: Logger,
    private readonly options: SupervisorOptions,
  ) {}

  /** The first start is not retried: a component that cannot start at all stops the start, with its error. */
  async start(): Promise<void> {
    try {
      await this.startNewInstance();
    } catch (error) {
      componentHealth.set(this.name, 'down');
      throw error;
    }
    componentHealth.set(this.name, 'ok');
  }

  private async startNewInstance(): Promise<void> {
    await componentScope.run(this.name, async () => {
      const instance = await this.create();
      // Set before start: a start that fails half-way is stopped like a started one.
      this.inner = instance;
      await instance.start();
    });
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    clearTimeout(this.quietTimer);
    await this.restarting;
    await this.inner?.stop();
    componentHealth.remove(this.name);
  }

  fault(): void {
    if (this.stopped.signal.aborted) return;
    const now = Date.now();
    this.faultTimes = [...this.faultTimes.filter((at) => now - at < this.options.faultWindowMs), now];
    if (!this.restarting) componentHealth.set(this.name, 'degraded');
    this.backToOkAfterQuiet();
    if (!this.restarting && this.faultTimes.length >= this.options.faultsBeforeRestart) {
      this.restarting = this.restart().finally(() => (this.restarting = undefined));
    }
  }

  private backToOkAfterQuiet(): void {
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => {
      if (!this.restarting && !this.stopped.signal.aborted) componentHealth.set(this.name, 'ok');
    }, this.options.quietMsBeforeOk);
    this.quietTimer.unref();
  }

  private async restart(): Promise<void> {
    restartsTotal.inc({ component: this.name });
    this.logger.warn({ component: this.name, failures: this.faultTimes.length }, `${this.name} keeps failing; restarting it alone`);
    componentHealth.set(this.name, 'degraded');
    try {
      await this.inner?.stop();
    } catch (error) {
      this.logger.warn({ err: error, component: this.name }, `${this.name} did not stop cleanly before its restart`);
    }
    for (let attempt = 0; !this.stopped.signal.aborted; attempt++) {
      try {
        await sleep(backoffMs(attempt, this.options.restartMinMs, this.options.restartMaxMs), undefined, { signal: this.stopped.signal });
        await this.startNewInstance();
        this.faultTimes = [];
        componentHealth.set(this.name, 'degraded');
        this.logger.info({ component: this.name, attempt }, `${this.name} restarted`);
        this.backToOkAfterQuiet();
        return;
      } catch (error) {
        if (this.stopped.signal.aborted) return;
        componentHealth.set(this.name, 'down');
        this.logger.error({ err: error, component: this.name, attempt }, `${this.name} could not restart; trying again`);
        await this.inner?.stop().catch(() => undefined);
      }
    }
  }
}
