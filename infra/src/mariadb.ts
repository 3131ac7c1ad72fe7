import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { InfraConfig } from './config.ts';
import { InfraError, missing } from './errors.ts';
import { localCaFile, localServerCertificate } from './kafka-sasl.ts';
import {
  currentUser,
  rotateLog,
  run,
  socketPath,
  spawnDetached,
  tail,
  waitFor,
  which,
  writePid,
} from './process.ts';
import type { Progress, Service } from './service.ts';

const READY_TIMEOUT_MS = 30_000;

/** Programs of Debian's mariadb-server (and the client it pulls in). */
function programs(): { mariadbd: string; installDb: string; client: string; admin: string } {
  const find = (name: string) => {
    const path = which(name);
    if (path === undefined) throw missing(name, 'mariadb-server');
    return path;
  };
  return {
    mariadbd: find('mariadbd'),
    installDb: find('mariadb-install-db'),
    client: find('mariadb'),
    admin: find('mariadb-admin'),
  };
}

/** SQL run as the socket-authenticated admin on every start: the project user, idempotently. */
const CREATE_USERS = `
CREATE USER IF NOT EXISTS 'outflow'@'%' IDENTIFIED BY 'outflow';
CREATE USER IF NOT EXISTS 'outflow'@'localhost' IDENTIFIED BY 'outflow';
GRANT ALL PRIVILEGES ON *.* TO 'outflow'@'%' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'outflow'@'localhost' WITH GRANT OPTION;
`;

/**
 * A dedicated MariaDB in `<data>/mariadb`: row-based binlog with full images and metadata (what the CDC
 * relay reads), utf8mb4, TCP on 127.0.0.1 only. The OS user running `up` is the socket-authenticated admin
 * (`root` when run as root); applications use `outflow`/`outflow`.
 */
export function mariadbService(config: InfraConfig): Service {
  const dir = join(config.dataDir, 'mariadb');
  const dataDir = join(dir, 'data');
  const binlogDir = join(dir, 'binlog');
  const logFile = join(dir, 'mariadb.log');
  const pidFile = join(dir, 'mariadbd.pid');
  const socket = socketPath(join(dir, 'mariadb.sock'), `/tmp/outflow-mariadb-${config.mariadbPort}.sock`);
  const osUser = currentUser();
  const asRoot = process.getuid?.() === 0;

  const ping = async (): Promise<boolean> => {
    const { admin } = programs();
    const r = await run(admin, ['--no-defaults', `--socket=${socket}`, `--user=${osUser}`, 'ping'], {
      timeoutMs: 5000,
    });
    return r.code === 0;
  };

  async function install(installDb: string, progress: Progress): Promise<void> {
    progress(`mariadb: initialising a new data directory in ${dataDir}`);
    const staging = `${dataDir}.init`;
    rmSync(staging, { recursive: true, force: true });
    const r = await run(installDb, [
      '--no-defaults',
      `--datadir=${staging}`,
      ...(asRoot ? ['--user=root'] : []),
      '--auth-root-authentication-method=socket',
      `--auth-root-socket-user=${osUser}`,
      '--skip-test-db',
      '--skip-name-resolve',
    ]);
    if (r.code !== 0) {
      throw new InfraError(
        'INFRA_START_FAILED',
        `mariadb: mariadb-install-db failed:\n${r.stdout}${r.stderr}`,
        {
          details: { service: 'mariadb' },
        },
      );
    }
    renameSync(staging, dataDir);
  }

  return {
    name: 'mariadb',
    port: config.mariadbPort,
    listens: [{ port: config.mariadbPort, variable: 'OUTFLOW_MARIADB_PORT' }],
    dataDir: dir,
    logFile,
    pidFile,
    processMarkers: ['mariadbd', `--datadir=${dataDir}`],
    program: 'mariadbd',
    stopSignal: 'SIGTERM',
    async checkPrerequisites() {
      programs();
    },
    async start(progress) {
      const { mariadbd, installDb, client } = programs();
      mkdirSync(binlogDir, { recursive: true });
      if (!existsSync(join(dataDir, 'mysql'))) await install(installDb, progress);
      // TLS with the local CA (the one of Kafka's SASL_SSL listener), so clients can verify the server.
      const tls = await localServerCertificate(config, 'mariadb');
      rotateLog(logFile);
      const proc = spawnDetached(
        mariadbd,
        [
          '--no-defaults',
          ...(asRoot ? ['--user=root'] : []),
          `--datadir=${dataDir}`,
          `--port=${config.mariadbPort}`,
          '--bind-address=127.0.0.1',
          `--socket=${socket}`,
          `--pid-file=${pidFile}`,
          `--log-error=${logFile}`,
          `--log-bin=${join(binlogDir, 'mariadb-bin')}`,
          `--log-bin-index=${join(binlogDir, 'mariadb-bin.index')}`,
          '--binlog-format=ROW',
          '--binlog-row-image=FULL',
          '--binlog-row-metadata=FULL',
          '--server-id=1',
          '--gtid-strict-mode=ON',
          '--binlog-expire-logs-seconds=259200',
          '--character-set-server=utf8mb4',
          '--collation-server=utf8mb4_unicode_ci',
          '--skip-name-resolve',
          '--max-connections=500',
          `--ssl-ca=${localCaFile(config)}`,
          `--ssl-cert=${tls.certFile}`,
          `--ssl-key=${tls.keyFile}`,
        ],
        { logFile },
      );
      writePid(pidFile, proc.pid);
      const ready = await waitFor(ping, {
        timeoutMs: READY_TIMEOUT_MS,
        giveUp: () =>
          proc.exited && `mariadb: mariadbd exited during start-up; see ${logFile}:\n${tail(logFile)}`,
      });
      if (!ready) {
        throw new InfraError(
          'INFRA_START_TIMEOUT',
          `mariadb: not ready after ${READY_TIMEOUT_MS / 1000} s; see ${logFile}`,
          { details: { service: 'mariadb', logFile }, retriable: true },
        );
      }
      const r = await run(client, ['--no-defaults', `--socket=${socket}`, `--user=${osUser}`], {
        input: CREATE_USERS,
        timeoutMs: 10_000,
      });
      if (r.code !== 0) {
        throw new InfraError(
          'INFRA_START_FAILED',
          `mariadb: could not create the outflow user: ${r.stderr}`,
          {
            details: { service: 'mariadb' },
          },
        );
      }
      return proc.pid;
    },
    isReady: ping,
  };
}
