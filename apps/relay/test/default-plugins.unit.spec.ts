import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

describe('default plugins', () => {
  it("load a source's database driver only when a connector of its class creates its task", () => {
    // A fresh process that records every module Node resolves, so a driver loaded at import shows up.
    const script = `
      import module from 'node:module';
      const resolved = new Set();
      module.registerHooks({ resolve(specifier, context, next) { resolved.add(specifier); return next(specifier, context); } });
      const drivers = () => ['pg', 'mysql2', '@vlasky/zongji'].filter((d) => resolved.has(d));
      const { defaultPlugins } = await import(${JSON.stringify(new URL('../src/default-plugins.ts', import.meta.url).href)});
      const plugins = defaultPlugins();
      const atImport = drivers();
      const postgres = plugins.findConnector('io.debezium.connector.postgresql.PostgresConnector');
      const { values } = postgres.configDef.parse(
        { 'database.hostname': 'h', 'database.user': 'u', 'database.dbname': 'd', 'topic.prefix': 't' },
      );
      const silent = { debug() {}, info() {}, warn() {}, error() {}, child() { return silent; } };
      const task = await postgres.createTask(values, silent);
      console.log(JSON.stringify({ atImport, afterTask: drivers(), standby: task.isStandby() }));
    `;
    const out = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: new URL('.', import.meta.url),
        encoding: 'utf8',
      }),
    ) as { atImport: string[]; afterTask: string[]; standby: boolean };
    assert.deepEqual(out.atImport, []);
    assert.deepEqual(out.afterTask, ['pg']);
    assert.equal(out.standby, false);
  });
});
