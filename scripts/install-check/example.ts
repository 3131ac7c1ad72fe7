import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPostgresDatabase, host, kafkaBootstrap, postgresPort, uniqueName } from '@outflow/testing';
import pg from 'pg';
import { freePort, relayEnv } from './relay-start.ts';
import { run, spawnLogged } from './shell.ts';

/** The examples, each copied out of the repository and installed from the tarballs; the first runs end to end. */
export const EXAMPLES = [
  'kysely-postgres',
  'fastify-drizzle-mariadb',
  'knex-postgres-worker',
  'prisma-postgres',
];

/** Copies `examples/<name>` to `scratch`, points its `@outflow/*` dependencies at the tarballs, installs it. */
export async function installExample(
  name: string,
  options: { root: string; scratch: string; tarballs: Record<string, string>; env: NodeJS.ProcessEnv },
): Promise<string> {
  const dir = join(options.scratch, 'examples', name);
  cpSync(join(options.root, 'examples', name), dir, {
    recursive: true,
    filter: (source) => !source.includes('node_modules'),
  });
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    scripts?: Record<string, string>;
  };
  for (const dep of Object.keys(manifest.dependencies)) {
    if (!dep.startsWith('@outflow/')) continue;
    const tarball = options.tarballs[dep];
    if (tarball === undefined) throw new Error(`examples/${name} depends on ${dep}, which is not packed`);
    manifest.dependencies[dep] = tarball;
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  await run('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, env: options.env });
  if (manifest.scripts?.generate !== undefined) {
    // `prisma generate` needs no engine (Prisma 7's client is engine-free) but insists on finding the schema
    // engine binary, which it downloads from binaries.prisma.sh unless told where one is.
    const engine = existsSync('/bin/true') ? '/bin/true' : '/usr/bin/true';
    const env = { PRISMA_SCHEMA_ENGINE_BINARY: engine, ...options.env };
    await run('npm', ['run', 'generate'], { cwd: dir, env });
  }
  await run('npm', ['run', 'typecheck'], { cwd: dir, env: options.env });
  return dir;
}

/**
 * examples/kysely-postgres end to end: its migration on a fresh database, the installed relay streaming its
 * outbox (Event Router, event type in a header, string converters as `npm start` uses) to a topic of this run, the service placing an order over
 * HTTP, and its shipping consumer recording the shipment through the inbox.
 */
export async function runKyselyPostgres(
  dir: string,
  relayBin: string,
  env: NodeJS.ProcessEnv,
  scratch: string,
) {
  const database = await createPostgresDatabase('example');
  const slot = uniqueName('example_slot');
  const topicPrefix = uniqueName('example');
  const processes: { stop(): Promise<void>; output(): string }[] = [];
  try {
    const appEnv = { ...env, DATABASE_URL: database.url, KAFKA_BOOTSTRAP: kafkaBootstrap };
    await run('npm', ['run', 'migrate'], { cwd: dir, env: appEnv });

    const restPort = await freePort();
    const worker = join(scratch, 'example-worker.properties');
    writeFileSync(
      worker,
      [
        `bootstrap.servers=${kafkaBootstrap}`,
        'rest.host.name=127.0.0.1',
        `rest.port=${restPort}`,
        `config.storage.file.filename=${join(scratch, 'example-configs.json')}`,
        `offset.storage.file.filename=${join(scratch, 'example-offsets.json')}`,
      ].join('\n'),
    );
    const connector = join(scratch, 'example-connector.json');
    writeFileSync(
      connector,
      JSON.stringify({
        name: 'orders-outbox',
        config: {
          'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
          'database.hostname': host,
          'database.port': String(postgresPort),
          'database.user': 'outflow',
          'database.password': 'outflow',
          'database.dbname': database.name,
          'plugin.name': 'pgoutput',
          'slot.name': slot,
          'publication.name': `${slot}_pub`,
          'publication.autocreate.mode': 'filtered',
          'table.include.list': 'public.outbox',
          'snapshot.mode': 'no_data',
          'topic.prefix': topicPrefix,
          'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
          'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
          transforms: 'outbox',
          'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
          'transforms.outbox.route.topic.replacement': `${topicPrefix}.\${routedByValue}`,
          'transforms.outbox.table.fields.additional.placement': 'type:header:eventType',
        },
      }),
    );
    const relay = spawnLogged(relayBin, [worker, connector], { cwd: dir, env: relayEnv(env) });
    processes.push(relay);
    const relayUrl = `http://127.0.0.1:${restPort}`;
    await until('the connector is RUNNING', relay, async () => {
      const status = (await (await fetch(`${relayUrl}/connectors/orders-outbox/status`)).json()) as {
        tasks?: { state: string }[];
      };
      return status.tasks?.[0]?.state === 'RUNNING';
    });

    const port = await freePort();
    const app = spawnLogged('node', ['src/main.ts'], {
      cwd: dir,
      env: { ...appEnv, PORT: String(port), ORDERS_TOPIC: `${topicPrefix}.Order` },
    });
    processes.push(app);
    const appUrl = `http://127.0.0.1:${port}`;
    let order: { id: string } | undefined;
    await until('the service accepts an order', app, async () => {
      const response = await fetch(`${appUrl}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ customer: 'Ada', totalCents: 4200 }),
      });
      if (response.status !== 201) return false;
      order = (await response.json()) as { id: string };
      return true;
    });
    await until('the shipment exists', app, async () => (await fetch(`${appUrl}/shipments/${order!.id}`)).ok);
    const check = new pg.Client({ connectionString: database.url });
    await check.connect();
    try {
      const inbox = await check.query('SELECT event_type, aggregate_id FROM inbox');
      const row = inbox.rows[0] as { event_type: string; aggregate_id: string } | undefined;
      if (inbox.rowCount !== 1 || row?.event_type !== 'OrderPlaced' || row.aggregate_id !== order!.id) {
        throw new Error(
          `expected one OrderPlaced inbox row for ${order!.id}, found ${JSON.stringify(inbox.rows)}`,
        );
      }
    } finally {
      await check.end();
    }
    console.log(`  order ${order!.id} → outbox → installed relay → Kafka → inbox → shipment`);
  } finally {
    for (const p of processes.reverse()) await p.stop();
    const admin = new pg.Client({ connectionString: database.url.replace(/\/[^/]+$/, '/outflow') });
    await admin.connect();
    await admin
      .query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [
        slot,
      ])
      .catch(() => undefined);
    await admin.end();
    await database.drop();
  }
}

/** Polls `ready` (errors count as not ready) until it is true; fails after 90 s with the process's output. */
async function until(what: string, process: { output(): string }, ready: () => Promise<boolean>) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      if (await ready()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}:\n${process.output()}`);
    await sleep(250);
  }
}

/** An example's own `npm run verify` against a fresh PostgreSQL database. */
async function runVerify(dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const database = await createPostgresDatabase('example_verify');
  try {
    process.stdout.write(
      `  ${await run('npm', ['run', '--silent', 'verify'], { cwd: dir, env: { ...env, DATABASE_URL: database.url } })}`,
    );
  } finally {
    await database.drop();
  }
}

/** Installs every example from the tarballs and type-checks it; runs kysely-postgres end to end, prisma-postgres's verify. */
export async function runExamples(options: {
  root: string;
  scratch: string;
  tarballs: Record<string, string>;
  env: NodeJS.ProcessEnv;
  relayBin: string;
}): Promise<void> {
  for (const name of EXAMPLES) {
    const dir = await installExample(name, options);
    console.log(`  examples/${name}: installed from the tarballs, tsc --strict passed`);
    if (name === 'kysely-postgres')
      await runKyselyPostgres(dir, options.relayBin, options.env, options.scratch);
    if (name === 'prisma-postgres') await runVerify(dir, options.env);
  }
}
