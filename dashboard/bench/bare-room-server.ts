// The dispatch bench's machine limit: a bare HTTP + socket.io server (no session, no database, no
// adapter). A client joins the room named in its handshake; `POST /emit?room=R&n=N` emits `bare:ping`
// {n} to that room and answers 204 — the same shape as "an HTTP request makes one phone's socket
// receive a message", without anything CityOps does in between. Prints `listening on port N`.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const httpServer = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (request.method === 'POST' && url.pathname === '/emit') {
    io.to(url.searchParams.get('room') ?? '').emit('bare:ping', { n: Number(url.searchParams.get('n')) });
    response.statusCode = 204;
  } else {
    response.statusCode = 404;
  }
  request.resume();
  response.end();
});
const io = new Server(httpServer, { serveClient: false });
io.on('connection', (socket) => {
  const room = (socket.handshake.auth as { room?: unknown }).room;
  if (typeof room === 'string') void socket.join(room);
});
httpServer.listen(0, '127.0.0.1', () => {
  const address = httpServer.address();
  process.stdout.write(`listening on port ${typeof address === 'object' && address ? address.port : 0}\n`);
});
const stop = () => {
  void io.close();
  process.exit(0);
};
process.on('disconnect', stop);
process.once('SIGTERM', stop);
