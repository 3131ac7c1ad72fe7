import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createAdmin, ensureTopic } from '@outflow/kafka';
import type { InfraConfig } from './config.ts';
import { InfraError, missing } from './errors.ts';
import {
  localServerCertificate,
  saslClientProperties,
  saslListenerProperties,
  upsertScramUser,
} from './kafka-sasl.ts';
import { rotateLog, run, spawnDetached, tail, waitFor, which, writePid } from './process.ts';
import type { Progress, Service } from './service.ts';

const READY_TIMEOUT_MS = 60_000;
/** Topic created to prove the broker serves clients. */
const READY_TOPIC = '__outflow_ready';
/** Maven project that resolves the broker and a logging backend from Maven Central. */
const POM = resolve(import.meta.dirname, '..', 'kafka', 'pom.xml');

/** Path of `java` if it is Java 17 or newer (what Kafka 4 brokers need); throws a clear message otherwise. */
async function java(): Promise<string> {
  const path = which('java');
  if (path === undefined) throw missing('java', 'default-jre-headless');
  const r = await run(path, ['-version']);
  const major = Number(/version "(?:1\.)?(\d+)/.exec(r.stderr + r.stdout)?.[1] ?? 0);
  if (major < 17) {
    throw new InfraError(
      'INFRA_PREREQUISITE_MISSING',
      `kafka: Kafka 4 needs Java 17 or newer (found ${major || 'unknown'}); install it with: apt-get install -y openjdk-17-jre-headless`,
      { details: { program: 'java', aptPackage: 'openjdk-17-jre-headless' } },
    );
  }
  return path;
}

/** The first `[ERROR]` line of Maven's output (the reason), or its last lines. */
function mavenError(output: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
  const lines = output.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
  const first = lines.find((l) => l.startsWith('[ERROR]') && l.length > 8);
  return first?.slice(8) ?? lines.slice(-10).join('\n');
}

/** A KRaft cluster id: 16 random bytes in URL-safe base64 (as Kafka's `Uuid`), never starting with "-". */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * A single-node Apache Kafka 4 (KRaft, broker and controller in one JVM) from Maven Central jars, in
 * `<data>/kafka`. PLAINTEXT on 127.0.0.1, topics auto-created, internal topics with one replica.
 */
export function kafkaService(config: InfraConfig): Service {
  const dir = join(config.dataDir, 'kafka');
  const libs = join(dir, 'libs');
  const logDirs = join(dir, 'data');
  const logFile = join(dir, 'kafka.log');
  const pidFile = join(dir, 'kafka.pid');
  const serverProperties = join(dir, 'server.properties');
  const log4jConfig = join(dir, 'log4j2.properties');
  const bootstrap = `127.0.0.1:${config.kafkaPort}`;
  const brokerJar = join(libs, `kafka_2.13-${config.kafkaVersion}.jar`);

  async function fetchJars(progress: Progress): Promise<void> {
    if (existsSync(brokerJar)) return;
    const mvn = which('mvn');
    if (mvn === undefined) throw missing('mvn', 'maven');
    progress(`kafka: fetching Kafka ${config.kafkaVersion} jars from Maven Central (first run only)…`);
    const staging = `${libs}.tmp`;
    rmSync(staging, { recursive: true, force: true });
    const r = await run(
      mvn,
      [
        '-q',
        '-B',
        '-Dstyle.color=never',
        '-f',
        POM,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${staging}`,
        `-Dkafka.version=${config.kafkaVersion}`,
      ],
      { timeoutMs: 600_000 },
    );
    if (r.code !== 0 || !existsSync(join(staging, `kafka_2.13-${config.kafkaVersion}.jar`))) {
      throw new InfraError(
        'INFRA_START_FAILED',
        `kafka: could not fetch Kafka ${config.kafkaVersion} with Maven: ${mavenError(r.stdout + r.stderr)}`,
        { details: { service: 'kafka', version: config.kafkaVersion }, retriable: true },
      );
    }
    rmSync(libs, { recursive: true, force: true });
    renameSync(staging, libs);
  }

  function writeConfig(keystoreFile: string): void {
    const controller = `127.0.0.1:${config.kafkaControllerPort}`;
    const sasl = `127.0.0.1:${config.kafkaSaslPort}`;
    writeFileSync(
      serverProperties,
      [
        '# Written by `npm run infra -- up` on every start; edit infra/src/kafka.ts instead.',
        'process.roles=broker,controller',
        'node.id=1',
        // A static voter set (rather than a formatted dynamic quorum) lets the controller port change later.
        `controller.quorum.voters=1@${controller}`,
        `listeners=PLAINTEXT://${bootstrap},CONTROLLER://${controller},SASL_SSL://${sasl}`,
        `advertised.listeners=PLAINTEXT://${bootstrap},SASL_SSL://${sasl}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL',
        // The second listener: SASL_SSL with SCRAM-SHA-512, the usual setup of managed clusters.
        ...saslListenerProperties(keystoreFile),
        `log.dirs=${logDirs}`,
        'num.partitions=1',
        'default.replication.factor=1',
        'min.insync.replicas=1',
        'auto.create.topics.enable=true',
        'offsets.topic.replication.factor=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        // Transactions left open past their timeout are aborted within a second instead of ten, so the tests of
        // a coordinator-aborted transaction do not have to keep one open for ten seconds.
        'transaction.abort.timed.out.transaction.cleanup.interval.ms=1000',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        // After a crash the restarted broker waits for its old session to expire (default 9 s) before it is
        // let back in; on one node a short session makes that wait short.
        'broker.heartbeat.interval.ms=500',
        'broker.session.timeout.ms=3000',
        '',
      ].join('\n'),
    );
    writeFileSync(
      log4jConfig,
      [
        'status = warn',
        'appender.stdout.type = Console',
        'appender.stdout.name = STDOUT',
        'appender.stdout.layout.type = PatternLayout',
        'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
        'rootLogger.level = INFO',
        'rootLogger.appenderRef.stdout.ref = STDOUT',
        // The full configuration dump on every start buries what matters.
        'logger.config.name = org.apache.kafka.common.config.AbstractConfig',
        'logger.config.level = WARN',
        '',
      ].join('\n'),
    );
  }

  async function format(javaPath: string, progress: Progress): Promise<void> {
    if (existsSync(join(logDirs, 'meta.properties'))) return;
    const idFile = join(dir, 'cluster.id');
    const id = existsSync(idFile) ? readFileSync(idFile, 'utf8').trim() : clusterId();
    writeFileSync(idFile, `${id}\n`);
    progress(`kafka: formatting storage in ${logDirs} (cluster id ${id})`);
    const r = await run(javaPath, [
      `-Dlog4j2.configurationFile=${log4jConfig}`,
      '-cp',
      join(libs, '*'),
      'kafka.tools.StorageTool',
      'format',
      '--ignore-formatted',
      '-t',
      id,
      '-c',
      serverProperties,
    ]);
    if (r.code !== 0) {
      throw new InfraError(
        'INFRA_START_FAILED',
        `kafka: storage format failed:\n${tail(r.stdout + r.stderr)}`,
        {
          details: { service: 'kafka' },
        },
      );
    }
  }

  async function serves(timeoutMs: number): Promise<boolean> {
    const admin = createAdmin({
      bootstrapServers: bootstrap,
      clientId: 'outflow-infra',
      requestTimeoutMs: timeoutMs,
      retries: 0,
    });
    try {
      await ensureTopic(admin, READY_TOPIC);
      return true;
    } catch {
      return false;
    } finally {
      await admin.close().catch(() => {});
    }
  }

  /** True once the SASL_SSL listener authenticates the SCRAM user (its credential has propagated). */
  async function servesSasl(timeoutMs: number): Promise<boolean> {
    const admin = createAdmin({
      bootstrapServers: `127.0.0.1:${config.kafkaSaslPort}`,
      clientId: 'outflow-infra',
      requestTimeoutMs: timeoutMs,
      retries: 0,
      clientProperties: saslClientProperties(config),
    });
    try {
      await admin.listTopics();
      return true;
    } catch {
      return false;
    } finally {
      await admin.close().catch(() => {});
    }
  }

  return {
    name: 'kafka',
    port: config.kafkaPort,
    listens: [
      { port: config.kafkaPort, variable: 'OUTFLOW_KAFKA_PORT' },
      { port: config.kafkaControllerPort, variable: 'OUTFLOW_KAFKA_CONTROLLER_PORT' },
      { port: config.kafkaSaslPort, variable: 'OUTFLOW_KAFKA_SASL_PORT' },
    ],
    dataDir: dir,
    logFile,
    pidFile,
    processMarkers: ['kafka.Kafka', serverProperties],
    program: 'java',
    stopSignal: 'SIGTERM',
    async checkPrerequisites() {
      await java();
      if (!existsSync(brokerJar) && which('mvn') === undefined) throw missing('mvn', 'maven');
    },
    async start(progress) {
      const javaPath = await java();
      mkdirSync(dir, { recursive: true });
      await fetchJars(progress);
      const broker = await localServerCertificate(config, 'broker');
      writeConfig(broker.keystoreFile);
      await format(javaPath, progress);
      rotateLog(logFile);
      const proc = spawnDetached(
        javaPath,
        [
          '-Xms256m',
          '-Xmx512m',
          '-XX:+UseG1GC',
          '-XX:MaxGCPauseMillis=20',
          '-Djava.awt.headless=true',
          `-Dlog4j2.configurationFile=${log4jConfig}`,
          '-cp',
          join(libs, '*'),
          'kafka.Kafka',
          serverProperties,
        ],
        { logFile, cwd: dir },
      );
      writePid(pidFile, proc.pid);
      const ready = await waitFor(() => serves(2000), {
        timeoutMs: READY_TIMEOUT_MS,
        intervalMs: 200,
        giveUp: () =>
          proc.exited && `kafka: the broker exited during start-up; see ${logFile}:\n${tail(logFile)}`,
      });
      if (!ready) {
        throw new InfraError(
          'INFRA_START_TIMEOUT',
          `kafka: not ready after ${READY_TIMEOUT_MS / 1000} s; see ${logFile}`,
          {
            details: { service: 'kafka', logFile },
            retriable: true,
          },
        );
      }
      await upsertScramUser(config);
      await waitFor(() => servesSasl(2000), { timeoutMs: READY_TIMEOUT_MS, intervalMs: 200 });
      return proc.pid;
    },
    isReady: () => serves(2000),
  };
}
