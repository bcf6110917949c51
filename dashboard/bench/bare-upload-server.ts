// The reports bench's machine limit: a bare fastify server with the same multipart parser as the api
// role (no session, no database, no photo cleaning). `POST /upload` reads every part into memory,
// emits `bare:report` {n} to every socket.io client and answers 201: "a phone uploads a report and the
// command room's screen hears of it", without anything CityOps does in between. Prints `listening on port N`.
import multipart from '@fastify/multipart';
import Fastify from 'fastify';
import { Server } from 'socket.io';

const app = Fastify({ bodyLimit: 10 * 1024 * 1024 });
await app.register(multipart, { limits: { fileSize: 40 * 1024 * 1024, files: 4 } });
const io = new Server(app.server, { serveClient: false });
app.post('/upload', async (request, reply) => {
  let n = -1;
  for await (const part of request.parts()) {
    if (part.type === 'file') await part.toBuffer();
    else if (part.fieldname === 'description') n = Number(part.value);
  }
  io.emit('bare:report', { n });
  return reply.code(201).send({ n });
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`listening on port ${typeof address === 'object' && address ? address.port : 0}\n`);
const stop = () => {
  void io.close();
  process.exit(0);
};
process.on('disconnect', stop);
process.once('SIGTERM', stop);
