/**
 * The Prisma adapter against the real PostgreSQL and MariaDB, with Prisma 7's engine-free client on the driver
 * adapters users install (`@prisma/adapter-pg`, `@prisma/adapter-mariadb`). The client is generated here from
 * `test/prisma/<provider>/schema.prisma`, as a user's `prisma generate` would.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { PrismaPg } from '@prisma/adapter-pg';
import * as prismaAdapter from '../src/prisma.ts';
import { adapterContract } from './adapter.contract.ts';
import { mariadbDatabase, postgresDatabase } from './checker.ts';

/** What the suite uses of a generated client's transaction: the raw statements and the `business` model. */
interface Tx extends prismaAdapter.PrismaTransactionClient {
  business: { create(args: { data: { id: string } }): Promise<unknown> };
}

interface Client extends prismaAdapter.PrismaClientLike<Tx> {
  $disconnect(): Promise<void>;
}

type ClientClass = new (options: { adapter: unknown }) => Client;

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Runs `prisma generate` for `provider`'s schema and imports the client. Prisma 7's client needs no engine, but
 * its CLI looks for the schema engine binary and would download it unless told where one is; any file will do.
 */
async function generatedClient(provider: 'mysql' | 'postgresql'): Promise<ClientClass> {
  const schema = join(here, 'prisma', provider, 'schema.prisma');
  const cli = createRequire(import.meta.url).resolve('prisma/build/index.js');
  const engine = ['/bin/true', '/usr/bin/true'].find((file) => existsSync(file)) ?? process.execPath;
  await promisify(execFile)(process.execPath, [cli, 'generate', '--schema', schema], {
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: engine, PRISMA_HIDE_UPDATE_MESSAGE: '1' },
  });
  const module = (await import(pathToFileURL(join(dirname(schema), 'generated', 'client.ts')).href)) as {
    PrismaClient: ClientClass;
  };
  return module.PrismaClient;
}

const databases = {
  PostgreSQL: {
    dialect: 'postgres',
    provider: 'postgresql',
    open: postgresDatabase,
    driverAdapter: (url: URL) => new PrismaPg({ connectionString: url.href }),
  },
  MariaDB: {
    dialect: 'mysql',
    provider: 'mysql',
    open: mariadbDatabase,
    driverAdapter: (url: URL) =>
      new PrismaMariaDb({
        host: url.hostname,
        port: Number(url.port),
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        database: url.pathname.slice(1),
      }),
  },
} as const;

for (const [name, { dialect, provider, open, driverAdapter }] of Object.entries(databases)) {
  adapterContract<Tx>(`Prisma on ${name}`, async () => {
    const PrismaClient = await generatedClient(provider);
    const checked = await open('adapter_prisma');
    const prisma = new PrismaClient({ adapter: driverAdapter(new URL(checked.db.url)) });
    return {
      dialect,
      count: checked.count,
      backdateInbox: checked.backdateInbox,
      transaction: (fn) => prisma.$transaction(fn),
      executor: prismaAdapter.sqlExecutor,
      inboxDatabase: prismaAdapter.inboxDatabase(prisma, { dialect }),
      inboxHandler: prismaAdapter.inboxHandler,
      insertBusiness: async (tx, id) => {
        await tx.business.create({ data: { id } });
      },
      // Prisma's migrations need its native schema engine; the schema's models are the tables this DDL makes.
      migrate: async (outbox, inbox) => {
        for (const sql of [...outbox.ddl(), ...inbox.ddl()]) await prisma.$executeRawUnsafe(sql);
      },
      close: async () => {
        await prisma.$disconnect();
        await checked.close();
      },
    };
  });
}
