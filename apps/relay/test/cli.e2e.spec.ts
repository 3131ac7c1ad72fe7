import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SEED_BODY } from './fakes.ts';

const CLI = join(import.meta.dirname, '..', 'src', 'cli.ts');
/** The shell's environment without OUTFLOW_RELAY_* variables, which would override the worker files here. */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OUTFLOW_RELAY_')));

let dir: string;

/** Starts the CLI and resolves with the REST URL it prints. */
async function startCli(args: string[]): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const deadline = Date.now() + 20_000;
  while (!/listening on (\S+)/.test(stderr)) {
    if (child.exitCode !== null) assert.fail(`the CLI exited: ${stderr}`);
    if (Date.now() > deadline) assert.fail(`the CLI did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url: /listening on (\S+)/.exec(stderr)![1]!, stderr: () => stderr };
}

describe('outflow-relay CLI', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'outflow-relay-cli-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints its usage', async () => {
    const child = spawn(process.execPath, [CLI, '--help'], { stdio: ['ignore', 'pipe', 'ignore'], env });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    const [code] = await once(child, 'exit');
    assert.equal(code, 0);
    assert.match(out, /^Usage: outflow-relay \[worker\.properties\]/);
  });

  it('loads a worker file and the seed connector JSON, answers the seed curl, stops on SIGTERM', async () => {
    const worker = join(dir, 'worker.properties');
    await writeFile(
      worker,
      [
        '# development worker: files instead of Kafka topics',
        'rest.port=0',
        `config.storage.file.filename=${join(dir, 'configs.json')}`,
        `offset.storage.file.filename=${join(dir, 'offsets.json')}`,
        'bootstrap.servers=127.0.0.1:1',
      ].join('\n'),
    );
    const connector = join(dir, 'outbox-connector.json');
    await writeFile(connector, SEED_BODY);
    const { child, url, stderr } = await startCli([worker, connector]);
    try {
      const names = await (
        await fetch(`${url}/connectors/`, { headers: { Accept: 'application/json' } })
      ).json();
      assert.deepEqual(names, ['outbox-connector']);
      const info = (await (await fetch(`${url}/connectors/outbox-connector`)).json()) as {
        config: Record<string, string>;
      };
      assert.equal(info.config['database.password'], '********');
      const stored = JSON.parse(await readFile(join(dir, 'configs.json'), 'utf8'));
      assert.equal(stored['outbox-connector'].config['database.password'], 'mysqlpw');
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, stderr());
    assert.match(stderr(), /SIGTERM received/);
  });

  it('fails at start naming a wrong worker property', async () => {
    const worker = join(dir, 'bad.properties');
    await writeFile(worker, 'rest.port=eighty\n');
    const child = spawn(process.execPath, [CLI, worker], { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const [code] = await once(child, 'exit');
    assert.equal(code, 1);
    assert.match(stderr, /rest\.port: must be an integer/);
  });
});
