import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { InfraConfig } from './config.ts';
import { InfraError, missing } from './errors.ts';
import { localServerCertificate } from './kafka-sasl.ts';
import { readPid, rotateLog, run, socketPath, tail, which } from './process.ts';
import type { Service } from './service.ts';

const READY_TIMEOUT_S = 30;
/** Unprivileged account the cluster runs as when `up` runs as root (PostgreSQL refuses to run as root). */
const SERVICE_USER = 'postgres';

/** Folder of the newest PostgreSQL server binaries (Debian keeps each major under /usr/lib/postgresql). */
export function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] !== undefined) return join(root, versions[0], 'bin');
  const initdb = which('initdb');
  if (initdb === undefined || which('pg_ctl') === undefined) throw missing('initdb', 'postgresql');
  return dirname(initdb);
}

async function ids(user: string): Promise<{ uid: number; gid: number }> {
  const [u, g] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
  if (u.code !== 0 || g.code !== 0) {
    throw new InfraError(
      'INFRA_PREREQUISITE_MISSING',
      `postgres: running as root needs the unprivileged system user "${user}"; install it with: apt-get install -y postgresql`,
      { details: { user } },
    );
  }
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/**
 * A dedicated PostgreSQL cluster in `<data>/postgres`: logical decoding enabled (`wal_level=logical`),
 * superuser `outflow`/`outflow`, database `outflow`, scram-sha-256 over TCP (127.0.0.1 only) including
 * replication connections, trust over its own Unix socket. Durability settings are left at their defaults.
 * As root, every server program runs as the `postgres` system user, which owns `<data>/postgres`.
 */
export function postgresService(config: InfraConfig): Service {
  const dir = join(config.dataDir, 'postgres');
  const dataDir = join(dir, 'data');
  const socketDir = join(dir, 'run');
  const socketName = `.s.PGSQL.${config.postgresPort}`;
  // The socket directory falls back to /tmp when the socket path would be too long for a Unix address.
  const sockets = dirname(socketPath(join(socketDir, socketName), join('/tmp', socketName)));
  const logFile = join(dir, 'postgres.log');
  const asRoot = process.getuid?.() === 0;

  /** Runs a server program as the service user (directly when not root). */
  const runServer = (program: string, args: readonly string[]) =>
    asRoot ? run('runuser', ['-u', SERVICE_USER, '--', program, ...args]) : run(program, args);

  /** Gives `path` to the service user when running as root. */
  const own = async (path: string) => {
    if (!asRoot) return;
    const { uid, gid } = await ids(SERVICE_USER);
    chownSync(path, uid, gid);
  };

  async function prepareDirs(): Promise<void> {
    mkdirSync(socketDir, { recursive: true });
    await own(dir);
    await own(socketDir);
    if (asRoot) {
      const reach = await run('runuser', ['-u', SERVICE_USER, '--', 'test', '-w', dir]);
      if (reach.code !== 0) {
        throw new InfraError(
          'INFRA_START_FAILED',
          `postgres: the "${SERVICE_USER}" user cannot write ${dir}; make its parent folders traversable (chmod o+x) or set OUTFLOW_DATA_DIR`,
          { details: { service: 'postgres', dir } },
        );
      }
    }
  }

  async function initialise(bin: string, progress: (m: string) => void): Promise<void> {
    progress(`postgres: initialising a new cluster in ${dataDir}`);
    const staging = `${dataDir}.init`;
    const pwfile = join(dir, 'initdb.pw');
    rmSync(staging, { recursive: true, force: true });
    writeFileSync(pwfile, 'outflow\n', { mode: 0o600 });
    await own(pwfile);
    try {
      const r = await runServer(join(bin, 'initdb'), [
        '-D',
        staging,
        '-U',
        'outflow',
        `--pwfile=${pwfile}`,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C.UTF-8',
        '--no-instructions',
      ]);
      if (r.code !== 0) {
        throw new InfraError('INFRA_START_FAILED', `postgres: initdb failed:\n${r.stdout}${r.stderr}`, {
          details: { service: 'postgres' },
        });
      }
    } finally {
      rmSync(pwfile, { force: true });
    }
    writeFileSync(join(staging, 'postgresql.conf'), "\n# Outflow\ninclude_if_exists = 'outflow.conf'\n", {
      flag: 'a',
    });
    renameSync(staging, dataDir);
  }

  /** Settings and access rules, rewritten on every start so port changes take effect. */
  async function writeConfig(): Promise<void> {
    // TLS with the local CA; PostgreSQL wants its key owned by the server user and private (0600).
    const tls = await localServerCertificate(config, 'postgres');
    const serverCert = join(dataDir, 'outflow-server.crt');
    const serverKey = join(dataDir, 'outflow-server.key');
    copyFileSync(tls.certFile, serverCert);
    copyFileSync(tls.keyFile, serverKey);
    chmodSync(serverKey, 0o600);
    await own(serverCert);
    await own(serverKey);
    const conf = join(dataDir, 'outflow.conf');
    writeFileSync(
      conf,
      [
        '# Written by `npm run infra -- up` on every start; edit infra/src/postgres.ts instead.',
        `port = ${config.postgresPort}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${sockets}'`,
        'wal_level = logical',
        // The test suites run replication clients in parallel (sources, contract, crash, standby, faults).
        'max_replication_slots = 32',
        'max_wal_senders = 32',
        'max_connections = 200',
        "password_encryption = 'scram-sha-256'",
        'ssl = on',
        "ssl_cert_file = 'outflow-server.crt'",
        "ssl_key_file = 'outflow-server.key'",
        '',
      ].join('\n'),
    );
    const hba = join(dataDir, 'pg_hba.conf');
    writeFileSync(
      hba,
      [
        '# Written by `npm run infra -- up` on every start; edit infra/src/postgres.ts instead.',
        '# TYPE  DATABASE     USER     ADDRESS        METHOD',
        'local   all          all                     trust',
        'local   replication  all                     trust',
        'host    replication  outflow  127.0.0.1/32   scram-sha-256',
        'host    all          all      127.0.0.1/32   scram-sha-256',
        '',
      ].join('\n'),
    );
    await own(conf);
    await own(hba);
  }

  const psql = (bin: string, sql: string) =>
    run(join(bin, 'psql'), [
      '-X',
      '-q',
      '-t',
      '-A',
      '-h',
      sockets,
      '-p',
      String(config.postgresPort),
      '-U',
      'outflow',
      '-d',
      'postgres',
      '-c',
      sql,
    ]);

  return {
    name: 'postgres',
    port: config.postgresPort,
    listens: [{ port: config.postgresPort, variable: 'OUTFLOW_POSTGRES_PORT' }],
    dataDir: dir,
    logFile,
    pidFile: join(dataDir, 'postmaster.pid'),
    processMarkers: ['postgres', dataDir],
    program: 'postgres',
    // SIGINT is PostgreSQL's "fast" shutdown: SIGTERM ("smart") would wait for every client to disconnect.
    // A fast shutdown still waits for each walsender to send its client all WAL up to the shutdown
    // checkpoint, which never ends when a replication client stops reading; SIGQUIT ("immediate") then ends
    // every backend at once (the next start recovers from the WAL).
    stopSignal: 'SIGINT',
    immediateSignal: 'SIGQUIT',
    async checkPrerequisites() {
      binDir();
      if (asRoot) {
        if (which('runuser') === undefined) throw missing('runuser', 'util-linux');
        await ids(SERVICE_USER);
      }
    },
    async start(progress) {
      const bin = binDir();
      await prepareDirs();
      if (!existsSync(join(dataDir, 'PG_VERSION'))) await initialise(bin, progress);
      await writeConfig();
      rotateLog(logFile);
      const r = await runServer(join(bin, 'pg_ctl'), [
        '-D',
        dataDir,
        '-l',
        logFile,
        '-w',
        '-t',
        String(READY_TIMEOUT_S),
        '-s',
        'start',
      ]);
      if (r.code !== 0) {
        throw new InfraError(
          'INFRA_START_FAILED',
          `postgres: pg_ctl start failed (${(r.stderr || r.stdout).trim()}); see ${logFile}:\n${tail(logFile)}`,
          { details: { service: 'postgres', logFile } },
        );
      }
      const exists = await psql(bin, "SELECT 1 FROM pg_database WHERE datname = 'outflow'");
      if (exists.code !== 0) {
        throw new InfraError(
          'INFRA_START_FAILED',
          `postgres: cannot connect through ${sockets}: ${exists.stderr}`,
          {
            details: { service: 'postgres' },
          },
        );
      }
      if (exists.stdout.trim() !== '1') {
        const created = await psql(bin, 'CREATE DATABASE outflow');
        if (created.code !== 0) {
          throw new InfraError(
            'INFRA_START_FAILED',
            `postgres: could not create database outflow: ${created.stderr}`,
            {
              details: { service: 'postgres' },
            },
          );
        }
      }
      const pid = readPid(join(dataDir, 'postmaster.pid'));
      if (pid === undefined) {
        throw new InfraError(
          'INFRA_START_FAILED',
          `postgres: started but wrote no postmaster.pid; see ${logFile}`,
          {
            details: { service: 'postgres', logFile },
          },
        );
      }
      return pid;
    },
    async isReady() {
      const r = await run(
        join(binDir(), 'pg_isready'),
        ['-q', '-h', '127.0.0.1', '-p', String(config.postgresPort)],
        {
          timeoutMs: 5000,
        },
      );
      return r.code === 0;
    },
  };
}
