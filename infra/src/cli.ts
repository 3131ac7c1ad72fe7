/**
 * `npm run infra -- up|down|status|restart|kill|pause|resume [--only mariadb,postgres,kafka]`: the project's
 * local services, and faults to inject into them.
 * Exit code 0 on success, 1 when a service could not be started or stopped, 2 on a usage error.
 */
import { isAbsolute, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { ENV_VARS, parseServices, type ServiceName } from './config.ts';
import {
  down,
  type FaultResult,
  InfraError,
  killServices,
  loadConfig,
  pauseServices,
  restartServices,
  resumeServices,
  status,
  up,
} from './index.ts';
import { KAFKA_SASL_PASSWORD, KAFKA_SASL_USER, localCaFile } from './kafka-sasl.ts';

const USAGE = `usage: npm run infra -- <command> [--only mariadb,postgres,kafka]

  up       start the services that are not running (data in .data/), wait until they answer
  down     stop the services started from this data folder, each with its whole process tree
  status   show which services run, with pid and port
  restart  down, then up
  kill     SIGKILL each service's whole process tree (a crash; \`up\` starts it again)
  pause    SIGSTOP each service's process tree (a hung host)
  resume   SIGCONT each service's process tree

environment:
${ENV_VARS.map((v) => `  ${v.name.padEnd(30)} ${v.description} (default ${v.default})`).join('\n')}`;

/** `path` relative to the working directory when inside it, else absolute. */
const show = (path: string) => {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
};
const pad = (name: string) => name.padEnd(8);

function report(results: readonly FaultResult[], done: string): number {
  for (const r of results) {
    const what =
      r.outcome === 'not-running' ? 'not running' : `${done}: pid ${r.pid}, ${r.processes} processes`;
    console.log(`${pad(r.service)} ${what}`);
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { only: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const command = positionals[0];
  if (values.help || command === 'help' || command === undefined) {
    console.log(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (positionals.length > 1)
    throw new InfraError('INFRA_CONFIG_INVALID', `unexpected argument "${positionals[1]}"`);
  const only: ServiceName[] | undefined = values.only === undefined ? undefined : parseServices(values.only);

  switch (command) {
    case 'up': {
      const began = Date.now();
      const result = await up({ only, progress: (message) => console.log(message) });
      for (const s of result.services) {
        const what = s.outcome === 'started' ? `started in ${s.elapsedMs} ms` : 'already running';
        console.log(
          `${pad(s.service)} ${what.padEnd(20)} 127.0.0.1:${s.port}  pid ${s.pid}  data ${show(s.dataDir)}  log ${show(s.logFile)}`,
        );
      }
      console.log(`ready in ${Date.now() - began} ms`);
      return 0;
    }
    case 'down': {
      for (const s of await down({ only })) {
        const what =
          s.outcome === 'not-running'
            ? 'not running'
            : `${s.outcome} (pid ${s.pid}, ${s.processes} processes) in ${s.elapsedMs} ms`;
        console.log(`${pad(s.service)} ${what}`);
      }
      return 0;
    }
    case 'restart': {
      const result = await restartServices({ only, progress: (message) => console.log(message) });
      for (const s of result.services) console.log(`${pad(s.service)} restarted, pid ${s.pid}`);
      return 0;
    }
    case 'kill':
      return report(await killServices({ only }), 'killed');
    case 'pause':
      return report(await pauseServices({ only }), 'paused (SIGSTOP)');
    case 'resume':
      return report(await resumeServices({ only }), 'resumed (SIGCONT)');
    case 'status': {
      for (const s of await status({ only })) {
        const what = !s.running ? 'stopped' : s.ready ? 'running' : 'running (not answering)';
        const pid = s.pid === undefined ? '' : `  pid ${s.pid}`;
        console.log(`${pad(s.service)} ${what.padEnd(23)} 127.0.0.1:${s.port}${pid}  log ${show(s.logFile)}`);
        if (s.service === 'kafka') {
          const config = loadConfig();
          console.log(
            `${pad('')} SASL_SSL ${'(SCRAM-SHA-512)'.padEnd(14)} 127.0.0.1:${config.kafkaSaslPort}  user ${KAFKA_SASL_USER} / ${KAFKA_SASL_PASSWORD}, CA ${show(localCaFile(config))}`,
          );
        }
      }
      return 0;
    }
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof InfraError) {
    console.error(`error: ${error.message}`);
    const started = error.details.started;
    if (Array.isArray(started) && started.length > 0) {
      console.error(`(still running: ${started.join(', ')}; stop them with: npm run infra -- down)`);
    }
    process.exitCode = error.code === 'INFRA_CONFIG_INVALID' ? 2 : 1;
  } else if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
