import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@outflow/relay-core';
import { envName, parseProperties } from '../src/properties.ts';
import { loadWorkerConfig } from '../src/worker-config.ts';

describe('parseProperties (java.util.Properties#load)', () => {
  it('reads =, : and whitespace separators, and skips # and ! comments', () => {
    const props = parseProperties(
      [
        '# a comment',
        '! another comment',
        '',
        'bootstrap.servers=127.0.0.1:9092',
        'rest.port : 8084',
        'group.id outflow-test',
        '   indented.key   =   value with spaces  ',
        'empty.value=',
        'key.only',
      ].join('\n'),
    );
    assert.deepEqual(props, {
      'bootstrap.servers': '127.0.0.1:9092',
      'rest.port': '8084',
      'group.id': 'outflow-test',
      'indented.key': 'value with spaces  ',
      'empty.value': '',
      'key.only': '',
    });
  });

  it('joins continued lines and drops the leading blanks of the continuation', () => {
    const props = parseProperties('table.include.list=course.outbox,\\\n    billing.outbox\r\nnext=1\n');
    assert.deepEqual(props, { 'table.include.list': 'course.outbox,billing.outbox', next: '1' });
  });

  it('keeps an escaped backslash at the end of a line, and a comment inside a continuation', () => {
    const props = parseProperties('path=C:\\\\dir\\\\\nmulti=a\\\n# not a comment\n');
    assert.deepEqual(props, { path: 'C:\\dir\\', multi: 'a# not a comment' });
  });

  it('understands \\t \\n \\uXXXX and escaped separators in keys', () => {
    const props = parseProperties('a\\=b\\:c\\ d=x\\ty\\nz\\u00e9\\q\nunicode=\\u0041\\u0042');
    assert.deepEqual(props, { 'a=b:c d': 'x\ty\nzéq', unicode: 'AB' });
  });

  it('rejects a malformed \\u escape', () => {
    assert.throws(() => parseProperties('a=\\u12'), /Malformed \\uxxxx/);
  });
});

describe('loadWorkerConfig', () => {
  it('has the documented defaults', () => {
    const c = loadWorkerConfig({}, {});
    assert.deepEqual(c.bootstrapServers, ['127.0.0.1:9092']);
    assert.equal(c.restHost, '127.0.0.1');
    assert.equal(c.restPort, 8083);
    assert.equal(c.groupId, 'outflow');
    assert.equal(c.offsetStorageTopic, 'outflow-offsets');
    assert.equal(c.configStorageTopic, 'outflow-configs');
    assert.equal(c.offsetStorageFile, null);
    assert.equal(c.offsetStoragePartitions, 25);
    assert.equal(c.offsetStorageReplicationFactor, 1);
    assert.equal(c.offsetFlushIntervalMs, 1000);
    assert.equal(c.logLevel, 'info');
    assert.deepEqual(c.connectorDefaults, {});
  });

  it('lets OUTFLOW_RELAY_* variables override the file', () => {
    assert.equal(envName('rest.port'), 'OUTFLOW_RELAY_REST_PORT');
    const c = loadWorkerConfig(
      { 'rest.port': '9000', 'group.id': 'file' },
      { OUTFLOW_RELAY_REST_PORT: '9100', OUTFLOW_RELAY_OFFSET_STORAGE_FILE_FILENAME: '/tmp/o.json' },
    );
    assert.equal(c.restPort, 9100);
    assert.equal(c.groupId, 'file');
    assert.equal(c.offsetStorageFile, '/tmp/o.json');
  });

  it('takes listeners over rest.host.name/rest.port, and converter defaults for connectors', () => {
    const c = loadWorkerConfig(
      {
        listeners: 'http://0.0.0.0:8090',
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter.schemas.enable': 'false',
        'plugin.path': '/usr/share/java',
      },
      {},
    );
    assert.equal(c.restHost, '0.0.0.0');
    assert.equal(c.restPort, 8090);
    assert.deepEqual(c.connectorDefaults, {
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': 'false',
    });
    assert.deepEqual(c.pluginPath, ['/usr/share/java']);
  });

  it('names every wrong or unknown property', () => {
    try {
      loadWorkerConfig({ 'rest.port': 'eighty', 'log.level': 'loud', 'rest.prot': '1' }, {});
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(
        error.problems.map((p) => p.property),
        ['rest.port', 'log.level', 'rest.prot'],
      );
    }
    assert.throws(() => loadWorkerConfig({ listeners: 'https://x:1' }, {}), /listeners/);
  });
});
