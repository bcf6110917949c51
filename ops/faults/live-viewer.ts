// An operator watching a camera live, as the dashboard does: logs in to the api role, asks for a signed
// HTTP-FLV URL and reads the stream, asking again whenever it ends. The live relay sits in the
// camera-ingest worker, so a camera whose stream misbehaves is exercised through it only while
// someone watches.
import { randomBytes } from 'node:crypto';
import { createUser } from '@cityops/core/auth/users';
import type { FaultSystem } from './system.ts';

export class LiveViewer {
  bytes = 0;
  sessions = 0;
  private stopped = false;
  private controller?: AbortController;
  private loop?: Promise<void>;

  constructor(
    private readonly system: FaultSystem,
    private readonly cameraId: string,
  ) {}

  async start(): Promise<void> {
    const username = `faults-operator-${randomBytes(3).toString('hex')}`;
    const password = randomBytes(18).toString('base64url');
    await createUser(this.system.db, { username, password, role: 'operator' });
    const login = await fetch(`${this.system.apiUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (login.status !== 200) throw new Error(`operator login failed: ${login.status}`);
    const cookie = login.headers.getSetCookie()[0].split(';')[0];
    this.loop = this.watch(cookie);
  }

  private async watch(cookie: string): Promise<void> {
    while (!this.stopped) {
      try {
        const issued = await fetch(`${this.system.apiUrl}/api/cameras/${this.cameraId}/live`, { method: 'POST', headers: { cookie } });
        if (issued.status !== 200) throw new Error(`live URL ${issued.status}`);
        const { url } = (await issued.json()) as { url: string };
        this.controller = new AbortController();
        const stream = await fetch(url, { signal: this.controller.signal });
        this.sessions++;
        for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) this.bytes += chunk.length;
      } catch {
        // The stream ended or the worker is away: ask again shortly, as the dashboard does.
      }
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.controller?.abort();
    await this.loop;
  }
}
