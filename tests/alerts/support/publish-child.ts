// A separate OS process publishing one live event, as camera or sensor workers do.
// argv: <databaseUrl> <room,room> <event> <json payload>
import { createDatabase } from '../../../core/database/pool.ts';
import { createLivePublisher } from '../../../core/live/publisher.ts';

const [url, rooms, event, payload] = process.argv.slice(2);
const db = createDatabase(url, 2);
await createLivePublisher(db).publish(rooms.split(','), event, JSON.parse(payload));
await db.end();
