// A child process of the dispatch bench holding a share of the field phones: real socket.io clients
// with a field user's session each (the phone's own connection). Driven over IPC:
//   { type: 'connect', url, cookies }   one client per cookie        → { type: 'connected' }
//   { type: 'close' }                   closes every client          → { type: 'closed' }
// and reports each assignment and reminder as it arrives:
//   { type: 'received', event: 'assignment' | 'reminder', incidentId, at }  (at: ms since epoch)
// For the bare machine limit, `connect` with `bare: true` joins the bare server's room `phone:<index>`
// and reports `bare:ping` messages the same way (event 'bare', incidentId = the ping's number).
import { io, type Socket } from 'socket.io-client';

export type PhonesCommand = { type: 'connect'; url: string; cookies: string[]; bare?: boolean; firstIndex?: number } | { type: 'close' };
export interface PhoneReceipt {
  type: 'received';
  event: 'assignment' | 'reminder' | 'bare';
  incidentId: number;
  at: number;
}

const now = () => performance.timeOrigin + performance.now();
let sockets: Socket[] = [];
const send = (receipt: PhoneReceipt) => process.send!(receipt);

async function connect(command: Extract<PhonesCommand, { type: 'connect' }>): Promise<void> {
  sockets = await Promise.all(
    command.cookies.map(
      (cookie, index) =>
        new Promise<Socket>((resolve, reject) => {
          const socket = io(command.url, {
            transports: ['websocket'],
            extraHeaders: { cookie },
            reconnection: false,
            forceNew: true,
            ...(command.bare ? { auth: { room: `phone:${(command.firstIndex ?? 0) + index}` } } : {}),
          });
          socket.on('incident:assignment', (message: { incident: { id: number }; assignment: { acknowledgedAt: string | null } }) => {
            // Only the first message of an assignment (later ones carry its answers).
            if (!message.assignment.acknowledgedAt) send({ type: 'received', event: 'assignment', incidentId: message.incident.id, at: now() });
          });
          socket.on('incident:escalation', (notice: { step: string; incidentId: number }) => {
            if (notice.step === 'remind') send({ type: 'received', event: 'reminder', incidentId: notice.incidentId, at: now() });
          });
          socket.on('bare:ping', (ping: { n: number }) => send({ type: 'received', event: 'bare', incidentId: ping.n, at: now() }));
          socket.once('connect', () => resolve(socket));
          socket.once('connect_error', reject);
        }),
    ),
  );
}

process.on('message', (command: PhonesCommand) => {
  if (command.type === 'connect') void connect(command).then(() => process.send!({ type: 'connected' }), (error: Error) => process.send!({ type: 'error', message: error.message }));
  if (command.type === 'close') {
    for (const socket of sockets) socket.close();
    sockets = [];
    process.send!({ type: 'closed' });
  }
});
process.on('disconnect', () => process.exit(0));
