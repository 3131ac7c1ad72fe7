/** One login module line of a JAAS configuration: `<class> <flag> key="value" …;`. */
export interface JaasLoginModule {
  readonly loginModule: string;
  /** `required`, `requisite`, `sufficient` or `optional`. */
  readonly flag: string;
  readonly options: Readonly<Record<string, string>>;
}

/** One named section of a JAAS file: `KafkaConnect { …modules… };`. */
export interface JaasSection {
  readonly name: string;
  readonly modules: readonly JaasLoginModule[];
}

const FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional']);

type Token = { kind: 'word' | 'quoted'; text: string } | { kind: 'punct'; text: '{' | '}' | ';' | '=' };

/**
 * Splits JAAS text the way Java's `StreamTokenizer` reads it for `ConfigFile` and Kafka's `JaasConfig`:
 * words, double- or single-quoted strings with backslash escapes, the punctuation `{ } ; =`, and `//`,
 * `/* … *\/` and `#` comments.
 */
function tokenize(text: string, what: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end === -1) throw new Error(`${what}: unterminated comment`);
      i = end + 2;
    } else if (c === '{' || c === '}' || c === ';' || c === '=') {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else if (c === '"' || c === "'") {
      let value = '';
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < text.length) {
          const next = text[i + 1]!;
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next;
          i += 2;
        } else value += text[i++];
      }
      if (i >= text.length) throw new Error(`${what}: unterminated quoted value`);
      i++;
      tokens.push({ kind: 'quoted', text: value });
    } else {
      const start = i;
      while (i < text.length && !/[\s{};="']/.test(text[i]!)) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i) });
    }
  }
  return tokens;
}

/** Reads `<class> <flag> (key=value)* ;` from `tokens` at `at`; returns the module and the next index. */
function readModule(tokens: Token[], at: number, what: string): [JaasLoginModule, number] {
  const cls = tokens[at];
  const flag = tokens[at + 1];
  if (cls?.kind !== 'word') throw new Error(`${what}: expected a login module class`);
  if (flag?.kind !== 'word' || !FLAGS.has(flag.text.toLowerCase()))
    throw new Error(`${what}: expected required, requisite, sufficient or optional after ${cls.text}`);
  const options: Record<string, string> = {};
  let i = at + 2;
  for (;;) {
    const t = tokens[i];
    if (t === undefined) throw new Error(`${what}: missing ';' after the options of ${cls.text}`);
    if (t.kind === 'punct' && t.text === ';')
      return [{ loginModule: cls.text, flag: flag.text, options }, i + 1];
    const eq = tokens[i + 1];
    const value = tokens[i + 2];
    if (t.kind !== 'word' || eq?.text !== '=' || value === undefined || value.kind === 'punct')
      throw new Error(`${what}: expected key=value options after ${cls.text}`);
    options[t.text] = value.text;
    i += 3;
  }
}

/**
 * Parses a Kafka `sasl.jaas.config` value: one or more login module lines, as Java writes it, e.g.
 * `org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";`.
 */
export function parseJaasModules(text: string, what = 'sasl.jaas.config'): JaasLoginModule[] {
  const tokens = tokenize(text, what);
  const modules: JaasLoginModule[] = [];
  let i = 0;
  while (i < tokens.length) {
    const [module, next] = readModule(tokens, i, what);
    modules.push(module);
    i = next;
  }
  if (modules.length === 0) throw new Error(`${what}: no login module`);
  return modules;
}

/** Parses a JAAS login configuration file (`Name { module flag opts; … };` sections), as Java reads one. */
export function parseJaasFile(text: string, what = 'JAAS file'): JaasSection[] {
  const tokens = tokenize(text, what);
  const sections: JaasSection[] = [];
  let i = 0;
  while (i < tokens.length) {
    const name = tokens[i];
    if (name?.kind !== 'word' || tokens[i + 1]?.text !== '{')
      throw new Error(`${what}: expected 'Name {' to open a section`);
    i += 2;
    const modules: JaasLoginModule[] = [];
    while (tokens[i] !== undefined && tokens[i]!.text !== '}') {
      const [module, next] = readModule(tokens, i, `${what} (${name.text})`);
      modules.push(module);
      i = next;
    }
    if (tokens[i]?.text !== '}' || tokens[i + 1]?.text !== ';')
      throw new Error(`${what}: section ${name.text} must end with '};'`);
    i += 2;
    sections.push({ name: name.text, modules });
  }
  return sections;
}
