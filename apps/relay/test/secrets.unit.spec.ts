import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskSecretText, SecretScrubber } from '../src/secrets.ts';

describe('maskSecretText (by key, never by value)', () => {
  it('masks the values of secret-named JSON members and leaves the others, even when equal', () => {
    const line =
      '{"level":30,"config":{"database.user":"outflow","database.password":"outflow"},"msg":"connected as outflow"}';
    assert.equal(
      maskSecretText(line),
      '{"level":30,"config":{"database.user":"outflow","database.password":"********"},"msg":"connected as outflow"}',
    );
    assert.equal(maskSecretText('{"password": "p\\"w"}'), '{"password": "********"}');
  });

  it('masks key=value assignments whose key is a secret, quoted or bare, also JSON-escaped', () => {
    assert.equal(
      maskSecretText('ScramLoginModule required username="outflow" password="outflow-secret";'),
      'ScramLoginModule required username="outflow" password="********";',
    );
    assert.equal(
      maskSecretText(JSON.stringify({ msg: 'login password="s3cret" failed' })),
      '{"msg":"login password=\\"********\\" failed"}',
    );
    assert.equal(maskSecretText('db?user=a&password=x1&ssl=true'), 'db?user=a&password=********&ssl=true');
  });

  it("masks a URL's password", () => {
    assert.equal(
      maskSecretText('cannot connect to mysql://outflow:outflow@db:3306/shop'),
      'cannot connect to mysql://outflow:********@db:3306/shop',
    );
  });

  it('masks in linear time: a 9 MB word (a huge property value in a message) is scanned once', {
    timeout: 20_000,
  }, () => {
    const word = 'h'.repeat(9 * 1024 * 1024);
    const text = `database.hostname: ${word} is too long; password=s3cret https://u:pw@host/${word}`;
    const masked = maskSecretText(text);
    assert.equal(masked.length, text.length - 's3cret'.length - 'pw'.length + 2 * 8);
    assert.match(masked, /password=\*{8} https:\/\/u:\*{8}@host\//);
  });

  it('leaves text that merely contains a password: a checkout path, a user name', () => {
    const text = "ENOENT /home/outflow/checkout/node_modules/x; Access denied for user 'outflow'@'localhost'";
    assert.equal(maskSecretText(text), text);
  });
});

describe('SecretScrubber', () => {
  it('masks each log line written through its stream', async () => {
    const chunks: string[] = [];
    const sink = new (await import('node:stream')).Writable({
      write(chunk, _e, cb) {
        chunks.push(String(chunk));
        cb();
      },
    });
    const stream = new SecretScrubber().stream(sink);
    await new Promise<void>((resolve) => stream.write('{"sasl.jaas.config":"x y=z;"}\n', () => resolve()));
    assert.deepEqual(chunks, ['{"sasl.jaas.config":"********"}\n']);
  });
});
