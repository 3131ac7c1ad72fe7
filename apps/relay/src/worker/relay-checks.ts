import type { ConfigProblem } from '@outflow/relay-core';
import { checkNewConnectorName } from './connector-name.ts';
import { CONFIG_WRITE_MAX_BYTES, configWriteBytes } from './kafka-config-store.ts';

/** `database.server.id`: the replica id a MySQL/MariaDB connector registers with the server. */
const SERVER_ID = 'database.server.id';

/**
 * Checks that need more than the configuration itself: the other connectors of this relay, and what the
 * config store can keep. Run when a configuration is submitted (create, update, validate), so that these
 * fail as a 400 naming the property instead of later, when the connector runs or is stored.
 *
 * - Two connectors with one `database.server.id` register as the same replica; the server drops one
 *   whenever the other connects, so they knock each other off in turn.
 * - The configuration must fit in one write to the config topic.
 * - A new connector's name must be addressable by every route (`checkNewConnectorName`).
 *
 * `others` are the relay's other connectors (name → stored properties), without the one being checked;
 * `isNew` says that no connector is called `name` yet.
 */
export function checkAgainstRelay(
  name: string,
  config: Readonly<Record<string, string>>,
  others: Iterable<readonly [string, Readonly<Record<string, string>>]>,
  isNew: boolean,
  maxWriteBytes: number = CONFIG_WRITE_MAX_BYTES,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const nameProblem = isNew ? checkNewConnectorName(name) : undefined;
  if (nameProblem !== undefined) problems.push({ property: 'name', message: nameProblem });
  const serverId = numericId(config[SERVER_ID]);
  if (serverId !== undefined) {
    for (const [other, otherConfig] of others) {
      if (numericId(otherConfig[SERVER_ID]) !== serverId) continue;
      problems.push({
        property: SERVER_ID,
        message: `${serverId} is already used by connector '${other}' of this relay; each connector must use its own replica id, or the server disconnects one whenever the other connects`,
      });
      break;
    }
  }
  const bytes = configWriteBytes(name, config);
  if (bytes > maxWriteBytes) {
    const [biggest, size] = largestProperty(config);
    problems.push({
      property: biggest,
      message: `makes the configuration ${bytes} bytes as stored, over the ${maxWriteBytes} bytes one write to the config topic may take (Kafka's max.request.size); this property alone holds ${size} bytes`,
    });
  }
  return problems;
}

/** The id as a number, or undefined when it is not a plain integer (the ConfigDef reports that). */
function numericId(raw: string | undefined): bigint | undefined {
  const text = raw?.trim();
  return text !== undefined && /^\d+$/.test(text) ? BigInt(text) : undefined;
}

function largestProperty(config: Readonly<Record<string, string>>): [string, number] {
  let best: [string, number] = ['name', 0];
  for (const [k, v] of Object.entries(config)) {
    const size = Buffer.byteLength(k) + Buffer.byteLength(v);
    if (size > best[1]) best = [k, size];
  }
  return best;
}
