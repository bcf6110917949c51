// A private Mosquitto for one scenario, configured as production is: the project's own
// core/deploy/mosquitto/mosquitto.conf (persistence, queue limits, no anonymous access, per-device
// passwords and ACL from `npm run broker:export`'s builder), with only the listener and the paths
// changed to a loopback port and a temporary directory. The machine's Mosquitto on 1883 is never used.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { ManagedProcess, sleep } from './processes.ts';

const DEPLOY_CONFIG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../core/deploy/mosquitto/mosquitto.conf');

export interface MosquittoOptions {
  directory: string;
  port: number;
  passwd: string;
  acl: string;
  service: { username: string; password: string };
}

export class MosquittoBroker {
  private process?: ManagedProcess;
  private readonly configFile: string;

  constructor(private readonly options: MosquittoOptions) {
    this.configFile = path.join(options.directory, 'generated.conf');
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.options.port}`;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** The production configuration, rewritten for this run; returns the settings that came from it. */
  private writeConfig(): void {
    const { directory, port } = this.options;
    const data = path.join(directory, 'data');
    mkdirSync(data, { recursive: true });
    // As root, mosquitto drops to its own user, which must read these files and write its store.
    chmodSync(directory, 0o755);
    chmodSync(data, 0o777);
    writeFileSync(path.join(directory, 'passwd'), this.options.passwd, { mode: 0o644 });
    writeFileSync(path.join(directory, 'acl'), this.options.acl, { mode: 0o644 });
    const kept = readFileSync(DEPLOY_CONFIG, 'utf8')
      .split('\n')
      // The device TLS listener and its per-listener settings go too: scenarios publish in plaintext on loopback.
      .filter((line) => !/^\s*(listener|persistence_location|password_file|acl_file|log_dest|certfile|keyfile|tls_version|use_username_as_clientid)\b/.test(line));
    const lines = [
      ...kept,
      `listener ${port} 127.0.0.1`,
      `persistence_location ${data}/`,
      `password_file ${path.join(directory, 'passwd')}`,
      `acl_file ${path.join(directory, 'acl')}`,
      'log_dest stdout',
    ];
    writeFileSync(this.configFile, lines.join('\n') + '\n', { mode: 0o644 });
  }

  async start(): Promise<void> {
    if (!this.process) this.writeConfig();
    this.process = new ManagedProcess('mosquitto', 'mosquitto', ['-c', this.configFile], { logFile: path.join(this.options.directory, 'mosquitto.log') });
    // Ready when the service account can connect.
    for (let attempt = 0; attempt < 100; attempt++) {
      if (!this.process.running) throw new Error(`mosquitto exited: ${this.process.lastOutput()}`);
      try {
        const client = await mqtt.connectAsync(this.url, { ...this.options.service, clientId: `faults-probe-${process.pid}`, reconnectPeriod: 0, connectTimeout: 2000 });
        await client.endAsync(true);
        return;
      } catch {
        await sleep(100);
      }
    }
    throw new Error(`mosquitto did not accept connections on ${this.url}: ${this.process.lastOutput()}`);
  }

  /** SIGTERM: Mosquitto writes its store and exits (a restart). SIGKILL: a crash, nothing written. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.process?.stop(signal);
  }
}
