/**
 * `npm start`, the main job: starts the local MariaDB, PostgreSQL and Kafka, then the course service and the
 * relay and the catalog service as child processes, registers the outbox connector, waits until each answers, and prints what to try.
 * Ctrl-C stops the services and the infrastructure this run started (what already ran is left alone).
 *
 * `OUTFLOW_DATABASE=postgres npm start` runs the course service on PostgreSQL instead of MariaDB.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { down, type ServiceName, up } from '@outflow/infra';
import { buildConsole } from '../apps/relay/console/build.ts';

const host = process.env.OUTFLOW_HOST ?? '127.0.0.1';
const database = process.env.OUTFLOW_DATABASE ?? 'mariadb';
if (database !== 'mariadb' && database !== 'postgres') {
  console.error(`start: OUTFLOW_DATABASE must be 'mariadb' or 'postgres', got '${database}'`);
  process.exit(2);
}
const ports = {
  course: process.env.OUTFLOW_COURSE_PORT ?? '8080',
  catalog: process.env.OUTFLOW_CATALOG_PORT ?? '8081',
  relay: process.env.OUTFLOW_RELAY_REST_PORT ?? '8083',
  kafka: process.env.OUTFLOW_KAFKA_PORT ?? '9092',
  mariadb: process.env.OUTFLOW_MARIADB_PORT ?? '3307',
  postgres: process.env.OUTFLOW_POSTGRES_PORT ?? '5433',
};
const databaseUrlOf = (name: string) =>
  database === 'mariadb'
    ? `mysql://outflow:outflow@${host}:${ports.mariadb}/${name}`
    : `postgres://outflow:outflow@${host}:${ports.postgres}/${name}`;

const children: { name: string; child: ChildProcess }[] = [];
let startedInfra: readonly ServiceName[] = [];
let stopping = false;

function log(line: string): void {
  console.log(`start: ${line}`);
}

/** Runs a project service as a child process, its output prefixed with its name. */
function startChild(name: string, script: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream! }).on('line', (line) => console.log(`[${name}] ${line}`));
  }
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`start: ${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping everything`);
    void stop(1);
  });
  children.push({ name, child });
  return child;
}

/** The connector that publishes the course service's outbox, routed by the Outbox Event Router. */
function outboxConnector(): { name: string; config: Record<string, string> } {
  const common = {
    'database.hostname': host,
    'database.user': 'outflow',
    'database.password': 'outflow',
    'topic.prefix': 'dbserver1',
    'snapshot.mode': 'initial',
    // Keys and values as plain text: the key is the course id, the value the course JSON itself.
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    transforms: 'outbox',
    'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
    // The event type travels as a header, so consumers (the catalog's inbox) dispatch without parsing.
    'transforms.outbox.table.fields.additional.placement': 'type:header:eventType',
  };
  if (database === 'postgres') {
    return {
      name: 'outbox-connector-postgres',
      config: {
        'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
        ...common,
        'database.port': ports.postgres,
        'database.dbname': 'course',
        'plugin.name': 'pgoutput',
        'slot.name': 'outflow_course',
        'publication.name': 'outflow_course',
        'publication.autocreate.mode': 'filtered',
        'table.include.list': 'public.outbox',
      },
    };
  }
  return {
    name: 'outbox-connector',
    config: {
      'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
      ...common,
      'database.port': ports.mariadb,
      'database.server.id': '184054',
      'database.include.list': 'course',
      'table.include.list': 'course.outbox',
    },
  };
}

/** Polls `url` until it answers 2xx, for at most `timeoutMs`. */
async function waitForHttp(name: string, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} did not answer on ${url} within ${timeoutMs / 1000} s (see its output above)`);
}

async function stop(code: number): Promise<never> {
  if (stopping) return new Promise<never>(() => {});
  stopping = true;
  log('stopping…');
  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  if (startedInfra.length > 0) {
    log(`stopping the infrastructure this run started: ${startedInfra.join(', ')}`);
    await down({ only: startedInfra });
  }
  log('stopped');
  process.exit(code);
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  log('starting MariaDB, PostgreSQL and Kafka (first run downloads Kafka and initialises the data folders)…');
  const infra = await up({ progress: (line) => log(line) });
  startedInfra = infra.started;
  for (const s of infra.services) {
    log(
      `${s.service.padEnd(8)} ${s.outcome.padEnd(15)} port ${s.port}  log ${s.logFile}  (${s.elapsedMs} ms)`,
    );
  }

  const courseUrl = `http://${host}:${ports.course}`;
  log(`starting the course service on ${database}…`);
  const began = Date.now();
  startChild('course-service', 'apps/course-service/src/server.ts', {
    DATABASE_URL: databaseUrlOf('course'),
    PORT: ports.course,
    HOST: host,
  });
  await waitForHttp('the course service', `${courseUrl}/health`, 60_000);
  log(`course service ready on ${courseUrl} (${Date.now() - began} ms)`);

  const relayUrl = `http://${host}:${ports.relay}`;
  log('starting the relay (binlog / WAL → Kafka, Kafka Connect REST API, web console)…');
  const relayBegan = Date.now();
  // The relay runs from source here; its console is the one bundle that source needs built.
  await buildConsole();
  startChild('relay', 'apps/relay/src/cli.ts', {
    OUTFLOW_RELAY_REST_PORT: ports.relay,
    OUTFLOW_RELAY_BOOTSTRAP_SERVERS: `${host}:${ports.kafka}`,
  });
  await waitForHttp('the relay', `${relayUrl}/`, 60_000);
  log(`relay ready on ${relayUrl} (${Date.now() - relayBegan} ms)`);

  // PUT …/config creates the connector or leaves an identical one as it is, so a restart resumes from the
  // stored offsets instead of failing with 409 as POST would.
  const connector = outboxConnector();
  const res = await fetch(`${relayUrl}/connectors/${connector.name}/config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(connector.config),
  });
  if (!res.ok) throw new Error(`registering ${connector.name} failed: ${res.status} ${await res.text()}`);
  await waitForHttp('the outbox connector', `${relayUrl}/connectors/${connector.name}/status`, 30_000);
  log(`connector ${connector.name} registered (${res.status === 201 ? 'created' : 'config applied'})`);

  const catalogUrl = `http://${host}:${ports.catalog}`;
  log('starting the catalog service (its read model follows the course events through the inbox)…');
  const catalogBegan = Date.now();
  startChild('catalog-service', 'apps/catalog-service/src/server.ts', {
    DATABASE_URL: databaseUrlOf('catalog'),
    PORT: ports.catalog,
    HOST: host,
    KAFKA_BOOTSTRAP_SERVERS: `${host}:${ports.kafka}`,
  });
  await waitForHttp('the catalog service', `${catalogUrl}/health`, 60_000);
  log(`catalog service ready on ${catalogUrl} (${Date.now() - catalogBegan} ms)`);

  const body = JSON.stringify({
    name: 'MSA 파헤치기',
    description: 'MSA의 모든 것을 가르쳐 드립니다.',
    teacherId: '7ead2ed1-77fa-4d70-bdfd-77e67c513bbd',
    thumbnail: 'msa_course.jpeg',
  });
  console.log(`
Outflow is running. Try it:

  curl -s -X POST ${courseUrl}/courses -H 'content-type: application/json' -d '${body}'
  curl -s -X POST ${courseUrl}/courses/<courseId>/post
  curl -s ${courseUrl}/courses/<courseId>
  curl -s ${catalogUrl}/catalog/courses        (posted courses appear here, unposted ones leave)

Watch the events arrive in Kafka (in another terminal):

  npm run consume -- outbox.event.Course --from-beginning

The relay's web console (connectors, rates, live tail, inbox): ${relayUrl}/console/

The relay speaks Kafka Connect's REST API:

  curl -s ${relayUrl}/connectors
  curl -s ${relayUrl}/connectors/${connector.name}/status
  curl -s ${relayUrl}/metrics

  API docs: ${courseUrl}/docs

Press Ctrl-C to stop everything this command started.
`);
} catch (error) {
  console.error(`start: ${(error as Error).message}`);
  await stop(1);
}
