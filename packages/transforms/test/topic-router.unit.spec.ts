// biome-ignore-all lint/suspicious/noTemplateCurlyInString: '${name}' is Java's regex replacement syntax here, not a template
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigRegexError } from '@outflow/relay-core';
import { compileTopicRouter } from '../src/index.ts';

const route = (regex: string, replacement: string, value: string): string =>
  compileTopicRouter(regex, replacement).route(value);

describe('topic router (Kafka RegexRouter semantics, Java syntax)', () => {
  it('applies the default outbox route', () => {
    assert.equal(
      route('(?<routedByValue>.*)', 'outbox.event.${routedByValue}', 'Course'),
      'outbox.event.Course',
    );
  });

  it('needs the regex to match the whole value, else keeps the value', () => {
    assert.equal(route('Order', 'orders', 'Order'), 'orders');
    assert.equal(route('Order', 'orders', 'OrderLine'), 'OrderLine');
    assert.equal(route('(.*)Event', '$1', 'CreatedEvent'), 'Created');
  });

  it('replaces only the first match a search finds, as Matcher.replaceFirst does', () => {
    // matches() succeeds with 'ab', but the search finds 'a' first: the 'b' stays.
    assert.equal(route('a|ab', 'X', 'ab'), 'Xb');
  });

  it('reads $n greedily while the group exists, and ${name}', () => {
    assert.equal(route('(a)(b)', '$2$1', 'ab'), 'ba');
    assert.equal(route('(a)(b)', '$10', 'ab'), 'a0');
    assert.equal(route('(?<x>a)(?<y>b)', '${y}-${x}-$0', 'ab'), 'b-a-ab');
  });

  it('treats a backslash as an escape and an unmatched group as empty', () => {
    assert.equal(route('(.*)', '\\$1.\\\\', 'v'), '$1.\\');
    assert.equal(route('(a)?(b)', '[$1]$2', 'b'), '[]b');
  });

  it('translates leading inline flags and \\A / \\z anchors', () => {
    assert.equal(route('(?i)(?<t>order)', 'o.${t}', 'ORDER'), 'o.ORDER');
    assert.equal(route('\\A(?<t>.+)\\z', 'x.${t}', 'a'), 'x.a');
    assert.equal(route('a\\+', 'plus', 'a+'), 'plus');
  });

  it('routes the formerly catastrophic (a+)+ in linear time and still answers right', () => {
    const router = compileTopicRouter('(?<routedByValue>(a+)+)', 'outbox.event.${routedByValue}');
    const long = 'a'.repeat(100_000);
    assert.equal(router.route(`${long}!`), `${long}!`);
    assert.equal(router.route(long), `outbox.event.${long}`);
    assert.equal(router.route(`${'a'.repeat(40)}!`), `${'a'.repeat(40)}!`);
  });

  it('keeps answering the same for a value it has routed before', () => {
    const router = compileTopicRouter('(?<t>[A-Z]\\w*)', 'e.${t}');
    for (let i = 0; i < 2000; i++) assert.equal(router.route(`T${i % 1500}`), `e.T${i % 1500}`);
    assert.equal(router.route('lower'), 'lower');
  });

  it('rejects replacements and regexes it cannot honour', () => {
    for (const [regex, replacement] of [
      ['(.*)', 'x$'],
      ['(.*)', 'x\\'],
      ['(.*)', '${name'],
      ['(.*)', '${1a}'],
      ['(.*)', '$x'],
      ['(.*)', '$2'],
      ['(?<t>.*)', '${u}'],
      ['a*+', 'x'],
      ['(?>a)', 'x'],
      ['\\p{javaLowerCase}', 'x'],
      ['(?x)a', 'x'],
      ['[', 'x'],
      ['(a)\\1', 'x'],
      ['(?=a)a', 'x'],
      ['(?<!a)b', 'x'],
    ] as const) {
      assert.throws(
        () => compileTopicRouter(regex, replacement),
        ConfigRegexError,
        `${regex} / ${replacement}`,
      );
    }
  });
});
