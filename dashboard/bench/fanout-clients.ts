// A child process of the alerts bench holding a share of its socket.io clients (real socket.io-client,
// as the dashboard runs it). Driven by its parent over IPC:
//   { type: 'connect', url, cookies }  one client per cookie (each its own session)  → { type: 'connected' }
//   { type: 'report', step, expected, final } what each client received of step `step` → { type: 'report', … }
//                                      (asked again until complete; only the `final` report carries the
//                                      latencies, and forgets the step)
//   { type: 'close' }                  closes every client                             → { type: 'closed' }
// Each benchmark alert's zone is `<step>-<n>-<ms since epoch at raise>`: the client keeps a Set of the
// n it received per step (so a copy is counted as a duplicate, not as a delivery) and the latency of
// each first receipt, as a histogram (0.1 ms buckets up to 1 s; later receipts kept as they are), so
// a report is small whatever the rate.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import type { AlertEventMessage } from '@cityops/contract/alerts';

export type FanoutCommand =
  | { type: 'connect'; url: string; cookies: string[] }
  | { type: 'report'; step: string; expected: number; final: boolean }
  | { type: 'close' };

export interface FanoutReport {
  type: 'report';
  /** Distinct (client, alert) pairs received. */
  delivered: number;
  /** Receipts of an alert a client had already received. */
  duplicates: number;
  /** Clients that missed at least one of the step's `expected` alerts. */
  clientsMissing: number;
  /** Clients of this process that lost their connection since it connected. */
  disconnects: number;
  histogram: number[];
  slowLatenciesMs: number[];
  lastReceiptAt: number;
}

export const HISTOGRAM_BUCKET_MS = 0.1;
export const HISTOGRAM_BUCKETS = 10_000;

const now = () => performance.timeOrigin + performance.now();

interface StepRecord {
  receivedPerClient: Set<number>[];
  duplicates: number;
  histogram: number[];
  slowLatenciesMs: number[];
  lastReceiptAt: number;
}

const steps = new Map<string, StepRecord>();
let sockets: Socket[] = [];
let disconnects = 0;

function recordFor(step: string): StepRecord {
  let record = steps.get(step);
  if (!record) {
    record = { receivedPerClient: sockets.map(() => new Set()), duplicates: 0, histogram: new Array<number>(HISTOGRAM_BUCKETS).fill(0), slowLatenciesMs: [], lastReceiptAt: 0 };
    steps.set(step, record);
  }
  return record;
}

function received(clientIndex: number, zoneId: string) {
  const at = now();
  const [step, n, raisedAt] = zoneId.split('-');
  const record = recordFor(step);
  const seen = record.receivedPerClient[clientIndex];
  if (seen.has(Number(n))) {
    record.duplicates++;
    return;
  }
  seen.add(Number(n));
  const latencyMs = at - Number(raisedAt);
  const bucket = Math.floor(latencyMs / HISTOGRAM_BUCKET_MS);
  if (bucket < HISTOGRAM_BUCKETS) record.histogram[Math.max(0, bucket)]++;
  else record.slowLatenciesMs.push(latencyMs);
  record.lastReceiptAt = at;
}

async function connect(url: string, cookies: string[]) {
  sockets = cookies.map((cookie) => io(url, { transports: ['websocket'], extraHeaders: { cookie }, reconnection: false, forceNew: true }));
  await Promise.all(
    sockets.map(
      (socket, index) =>
        new Promise<void>((resolve, reject) => {
          socket.on('alert:event', (event: AlertEventMessage) => {
            if (event.type === 'raised') received(index, event.alert.source.zoneId);
          });
          socket.once('connect', () => resolve());
          socket.once('connect_error', (error) => reject(error));
        }),
    ),
  );
  // A disconnect during a step shows as missing deliveries; counted, so the report says why.
  disconnects = 0;
  for (const socket of sockets) socket.on('disconnect', () => disconnects++);
}

function report(step: string, expected: number, final: boolean): FanoutReport {
  const record = recordFor(step);
  if (final) steps.delete(step);
  const delivered = record.receivedPerClient.reduce((sum, seen) => sum + seen.size, 0);
  const clientsMissing = record.receivedPerClient.filter((seen) => seen.size < expected).length;
  const latencies = final ? { histogram: record.histogram, slowLatenciesMs: record.slowLatenciesMs } : { histogram: [], slowLatenciesMs: [] };
  return { type: 'report', delivered, duplicates: record.duplicates, clientsMissing, disconnects, ...latencies, lastReceiptAt: record.lastReceiptAt };
}

function serveParent() {
  process.on('message', (command: FanoutCommand) => {
    const send = (message: unknown) => process.send!(message);
    if (command.type === 'connect') {
      connect(command.url, command.cookies).then(
        () => send({ type: 'connected' }),
        (error: Error) => send({ type: 'error', message: error.message }),
      );
    } else if (command.type === 'report') {
      send(report(command.step, command.expected, command.final));
    } else {
      for (const socket of sockets) {
        socket.removeAllListeners('disconnect');
        socket.close();
      }
      sockets = [];
      send({ type: 'closed' });
    }
  });
  // Ends with its parent's IPC channel, so a bench stopped midway leaves no client process behind.
  process.on('disconnect', () => process.exit(0));
}

// The bench imports this module for its types and constants: only a process started on it serves.
const runDirectly = process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url;
if (runDirectly) serveParent();
