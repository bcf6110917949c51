// The machine's own limit for the alerts bench: a bare socket.io server (no session check, no
// database, no adapter) in its own process, broadcasting the same alert message the API sends to the
// same socket.io clients. Driven by its parent over IPC:
//   (at start)                                                → { type: 'listening', port }
//   { type: 'broadcast', step, rate, seconds, message }       → { type: 'done', count, seconds }
// Each copy's zone is stamped `<step>-<n>-<ms since epoch>` just before it is emitted, as the
// producer stamps its triggers, so the clients measure both servers the same way.
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import type { AlertEventMessage } from '@cityops/contract/alerts';
import { paced } from './paced.ts';

export type BareServerCommand = { type: 'broadcast'; step: string; rate: number; seconds: number; message: AlertEventMessage };

const now = () => performance.timeOrigin + performance.now();

const httpServer = createServer();
const io = new Server(httpServer, { serveClient: false });
httpServer.listen(0, '127.0.0.1', () => {
  const address = httpServer.address();
  process.send!({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
});

process.on('message', (command: BareServerCommand) => {
  const { message, step } = command;
  void paced(command.rate, command.seconds, (n) => {
    io.emit('alert:event', { ...message, alert: { ...message.alert, source: { ...message.alert.source, zoneId: `${step}-${n}-${now()}` } } });
  }).then((result) => process.send!({ type: 'done', ...result }));
});
// Ends with its parent's IPC channel, so a bench stopped midway leaves no server behind; and on
// SIGTERM by exiting normally, so that `node --cpu-prof` writes its profile.
const stop = () => {
  void io.close();
  process.exit(0);
};
process.on('disconnect', stop);
process.once('SIGTERM', stop);
