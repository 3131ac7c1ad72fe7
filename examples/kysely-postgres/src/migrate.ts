import { connect, migrate } from './db.ts';

const db = connect();
await migrate(db);
await db.destroy();
console.log('migrated: orders, shipments, outbox, inbox');
