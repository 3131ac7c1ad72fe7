/**
 * The real Debezium for the parity run: Kafka Connect standalone with one Debezium connector, from Maven
 * Central jars (`connect/pom.xml`, fetched once into `<data>/parity/<target>-libs`, as `infra/` fetches Kafka).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A Debezium connector and the Kafka Connect release it runs on. */
export interface ConnectRelease {
  readonly connectVersion: string;
  readonly debeziumArtifact: string;
  readonly debeziumVersion: string;
}

/**
 * The Debezium releases Outflow is compared with (parity and `npm run bench -- --against debezium`): Debezium
 * 3.6's MySQL connector refuses MariaDB, hence the MariaDB connector of 3.5 on Connect 4.1.
 */
export const DEBEZIUM_RELEASES: Record<'mariadb' | 'postgres', ConnectRelease> = {
  mariadb: {
    connectVersion: '4.1.1',
    debeziumArtifact: 'debezium-connector-mariadb',
    debeziumVersion: '3.5.0.Final',
  },
  postgres: {
    connectVersion: '4.3.0',
    debeziumArtifact: 'debezium-connector-postgres',
    debeziumVersion: '3.6.1.Final',
  },
};

const POM = new URL('./connect/pom.xml', import.meta.url).pathname;

/** Fetches the jars of `release` into `libs` unless they are there; throws with Maven's reason. */
export function fetchConnect(release: ConnectRelease, libs: string, log: (line: string) => void): void {
  const marker = join(libs, `${release.debeziumArtifact}-${release.debeziumVersion}.jar`);
  if (existsSync(marker)) return;
  log(
    `fetching Kafka Connect ${release.connectVersion} and ${release.debeziumArtifact} ${release.debeziumVersion} with Maven…`,
  );
  const staging = `${libs}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  const r = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-Dstyle.color=never',
      '-f',
      POM,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${staging}`,
      `-Dconnect.version=${release.connectVersion}`,
      `-Ddebezium.artifact=${release.debeziumArtifact}`,
      `-Ddebezium.version=${release.debeziumVersion}`,
    ],
    { encoding: 'utf8', timeout: 900_000 },
  );
  if (
    r.status !== 0 ||
    !existsSync(join(staging, `${release.debeziumArtifact}-${release.debeziumVersion}.jar`))
  ) {
    throw new Error(`Maven could not fetch the Connect jars: ${(r.stdout + r.stderr).slice(-2000)}`);
  }
  rmSync(libs, { recursive: true, force: true });
  renameSync(staging, libs);
}

/** A running Connect standalone worker. */
export interface ConnectWorker {
  readonly url: string;
  /** The JVM's process id (for its RSS). */
  readonly pid: number;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `ConnectStandalone` with JsonConverter for keys and values and the given connectors (flat property
 * maps with `name`). Resolves once its REST API answers.
 */
export async function startConnect(options: {
  libs: string;
  dir: string;
  bootstrap: string;
  restPort: number;
  connectors: readonly Record<string, string>[];
}): Promise<ConnectWorker> {
  mkdirSync(options.dir, { recursive: true });
  const props = (entries: Record<string, string>) =>
    Object.entries(entries)
      .map(([k, v]) => `${k}=${v.replace(/\\/g, '\\\\')}`)
      .join('\n');
  const worker = join(options.dir, 'worker.properties');
  writeFileSync(
    worker,
    props({
      'bootstrap.servers': options.bootstrap,
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'offset.storage.file.filename': join(options.dir, 'offsets.dat'),
      'offset.flush.interval.ms': '1000',
      listeners: `http://127.0.0.1:${options.restPort}`,
    }),
  );
  const files = options.connectors.map((c) => {
    const file = join(options.dir, `${c.name}.properties`);
    writeFileSync(file, props(c));
    return file;
  });
  const log4j = join(options.dir, 'log4j2.properties');
  writeFileSync(
    log4j,
    [
      'rootLogger.level=WARN',
      'rootLogger.appenderRef.out.ref=out',
      'appender.out.type=Console',
      'appender.out.name=out',
      'appender.out.layout.type=PatternLayout',
      'appender.out.layout.pattern=[%d] %p %m (%c)%n',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    'java',
    [
      '-Xmx512m',
      `-Dlog4j2.configurationFile=${log4j}`,
      '-cp',
      `${options.libs}/*`,
      'org.apache.kafka.connect.cli.ConnectStandalone',
      worker,
      ...files,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${options.restPort}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Kafka Connect exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Kafka Connect did not answer on ${url} within 180 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    url,
    pid: child.pid!,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
