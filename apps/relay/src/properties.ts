/**
 * Java `.properties` files, as Kafka Connect reads its worker and standalone connector files.
 * Follows `java.util.Properties#load`: `#`/`!` comment lines, `=`, `:` or whitespace between key and value,
 * a trailing odd `\` continues the line (leading whitespace of the next line dropped), and the escapes
 * `\t \n \r \f \uXXXX` (any other escaped character stands for itself).
 */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const logical of logicalLines(text)) {
    const { key, value } = splitKeyValue(logical);
    out[unescapeJava(key)] = unescapeJava(value);
  }
  return out;
}

/** Prefix of the environment variables that override worker properties. */
export const ENV_PREFIX = 'OUTFLOW_RELAY_';

/** `rest.port` → `OUTFLOW_RELAY_REST_PORT`. */
export function envName(property: string): string {
  return ENV_PREFIX + property.toUpperCase().replace(/[.-]/g, '_');
}

/** Joins continued lines and drops blank and comment lines. */
function logicalLines(text: string): string[] {
  const physical = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const lines: string[] = [];
  let current: string | null = null;
  for (const raw of physical) {
    const line = raw.replace(/^[ \t\f]+/, '');
    if (current === null) {
      if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
      current = '';
    }
    if (endsWithContinuation(line)) {
      current += line.slice(0, -1);
      continue;
    }
    lines.push(current + line);
    current = null;
  }
  if (current !== null) lines.push(current);
  return lines;
}

function endsWithContinuation(line: string): boolean {
  let backslashes = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 1;
}

/** The key ends at the first unescaped `=`, `:` or whitespace; the separator's surrounding blanks are dropped. */
function splitKeyValue(line: string): { key: string; value: string } {
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break;
    i++;
  }
  const key = line.slice(0, i);
  let j = i;
  while (j < line.length && /[ \t\f]/.test(line[j]!)) j++;
  if (j < line.length && (line[j] === '=' || line[j] === ':')) {
    j++;
    while (j < line.length && /[ \t\f]/.test(line[j]!)) j++;
  }
  return { key, value: line.slice(j) };
}

function unescapeJava(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\' || i === text.length - 1) {
      out += c;
      continue;
    }
    const next = text[++i]!;
    switch (next) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        const hex = text.slice(i + 1, i + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Error(`Malformed \\uxxxx encoding in '${text}'`);
        out += String.fromCharCode(Number.parseInt(hex, 16));
        i += 4;
        break;
      }
      default:
        out += next;
    }
  }
  return out;
}
