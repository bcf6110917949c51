// Anything that opens a socket, a process or a timer is a Component: the constructor only stores
// dependencies, start() opens, stop() leaves nothing behind (see shared/STYLE.md, rule 4).
export interface Component {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts components in order and stops them in reverse; a failed start stops what already started. */
export class ComponentGroup implements Component {
  readonly name = 'group';
  private started: Component[] = [];
  constructor(private readonly components: Component[]) {}

  async start(): Promise<void> {
    for (const component of this.components) {
      try {
        await component.start();
      } catch (error) {
        await this.stop();
        throw error;
      }
      this.started.push(component);
    }
  }

  async stop(): Promise<void> {
    const started = this.started.reverse();
    this.started = [];
    for (const component of started) {
      try {
        await component.stop();
      } catch {
        // keep stopping the rest: a leaked child process is worse than a noisy shutdown
      }
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Exponential backoff: 1 s, 2 s, 4 s … capped. */
export function backoffMs(attempt: number, minMs = 1000, maxMs = 60_000): number {
  return Math.min(maxMs, minMs * 2 ** Math.max(0, attempt));
}
