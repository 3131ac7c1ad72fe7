/**
 * A strict RFC 8259 JSON parser that keeps what `JSON.parse` loses and Debezium's schema inference needs:
 * the kind of each number as Jackson reads it (int32, int64, bigger integer, floating point) and the order
 * of object keys exactly as written (JavaScript objects move integer-like keys first).
 */

/** A parsed JSON value. Numbers keep their Jackson node class; objects keep key order (last duplicate wins). */
export type JsonNode =
  | { readonly type: 'null' }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'number'; readonly kind: NumberKind; readonly text: string }
  | { readonly type: 'array'; readonly items: readonly JsonNode[] }
  | { readonly type: 'object'; readonly entries: ReadonlyMap<string, JsonNode> };

/** Jackson's node class for a number: IntNode, LongNode, BigIntegerNode, DoubleNode. */
export type NumberKind = 'int' | 'long' | 'bigint' | 'double';

const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

/** Parses one JSON document; throws a SyntaxError naming the offset of the first problem. */
export function parseJson(text: string): JsonNode {
  const parser = new Parser(text);
  parser.skipWhitespace();
  const node = parser.value(0);
  parser.skipWhitespace();
  if (parser.pos !== text.length) parser.fail('unexpected content after the JSON value');
  return node;
}

class Parser {
  readonly text: string;
  pos = 0;

  constructor(text: string) {
    this.text = text;
  }

  fail(message: string): never {
    throw new SyntaxError(`${message} at offset ${this.pos}`);
  }

  skipWhitespace(): void {
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') return;
      this.pos += 1;
    }
  }

  value(depth: number): JsonNode {
    if (depth > 1000) this.fail('nesting too deep');
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return { type: 'string', value: this.string() };
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    if (this.text.startsWith('true', this.pos)) {
      this.pos += 4;
      return { type: 'boolean', value: true };
    }
    if (this.text.startsWith('false', this.pos)) {
      this.pos += 5;
      return { type: 'boolean', value: false };
    }
    if (this.text.startsWith('null', this.pos)) {
      this.pos += 4;
      return { type: 'null' };
    }
    return this.fail(c === undefined ? 'unexpected end of input' : `unexpected character '${c}'`);
  }

  object(depth: number): JsonNode {
    this.pos += 1;
    const entries = new Map<string, JsonNode>();
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos += 1;
      return { type: 'object', entries };
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail('expected a property name');
      const key = this.string();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos += 1;
      this.skipWhitespace();
      entries.set(key, this.value(depth + 1));
      this.skipWhitespace();
      const c = this.text[this.pos];
      this.pos += 1;
      if (c === '}') return { type: 'object', entries };
      if (c !== ',') this.fail("expected ',' or '}'");
    }
  }

  array(depth: number): JsonNode {
    this.pos += 1;
    const items: JsonNode[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos += 1;
      return { type: 'array', items };
    }
    for (;;) {
      this.skipWhitespace();
      items.push(this.value(depth + 1));
      this.skipWhitespace();
      const c = this.text[this.pos];
      this.pos += 1;
      if (c === ']') return { type: 'array', items };
      if (c !== ',') this.fail("expected ',' or ']'");
    }
  }

  string(): string {
    const start = this.pos;
    this.pos += 1;
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail('unterminated string');
      if (c === '"') break;
      if (c === '\\') this.pos += c === '\\' && this.text[this.pos + 1] === 'u' ? 6 : 2;
      else {
        if (c < ' ') this.fail('control character in string');
        this.pos += 1;
      }
    }
    this.pos += 1;
    try {
      return JSON.parse(this.text.slice(start, this.pos)) as string;
    } catch {
      this.pos = start;
      return this.fail('invalid string escape');
    }
  }

  number(): JsonNode {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (match === null) return this.fail('invalid number');
    const text = match[0];
    this.pos += text.length;
    if (match[1] !== undefined || match[2] !== undefined) return { type: 'number', kind: 'double', text };
    const n = BigInt(text);
    const kind: NumberKind =
      n >= INT_MIN && n <= INT_MAX ? 'int' : n >= LONG_MIN && n <= LONG_MAX ? 'long' : 'bigint';
    return { type: 'number', kind, text };
  }
}
