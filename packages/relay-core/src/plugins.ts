import type { ConfigDef } from './config-def.ts';
import type { SourceTask, Transform } from './contracts.ts';
import type { Logger } from './logger.ts';

/**
 * A source connector class, registered under Debezium's class names (`connector.class`).
 * `configDef` declares only the connector's own properties; the worker owns the framework ones
 * (`name`, `connector.class`, `tasks.max`, `transforms*`, `*.converter*`, `errors.*`).
 */
export interface SourceConnectorPlugin {
  /** Class names that select this plugin, e.g. `io.debezium.connector.mysql.MySqlConnector`. */
  readonly classNames: readonly string[];
  readonly version: string;
  readonly configDef: ConfigDef;
  /**
   * Properties outside `configDef` the plugin accepts as they are (e.g. `database.*` driver settings
   * that Debezium passes through).
   */
  acceptsProperty?(name: string): boolean;
  /** Checks properties together, after each was parsed; returns the problems found. */
  validate?(values: Readonly<Record<string, unknown>>): readonly { property: string; message: string }[];
  /**
   * Creates the (single) task of a connector from its parsed properties. It may resolve later: a plugin loads
   * its database driver only when a connector of its class runs, so a relay does not load drivers it never uses.
   */
  createTask(values: Readonly<Record<string, unknown>>, logger: Logger): SourceTask | Promise<SourceTask>;
}

/** A transform class (`transforms.<name>.type`), e.g. `io.debezium.transforms.outbox.EventRouter`. */
export interface TransformPlugin {
  readonly classNames: readonly string[];
  readonly version: string;
  /** Declares every option the transform supports; any other `transforms.<name>.*` option is rejected. */
  readonly configDef: ConfigDef;
  /**
   * Checks options together, after each was parsed (e.g. a replacement against its regex), so that a
   * configuration that would fail in `create` is refused when it is submitted; returns the problems found.
   */
  validate?(values: Readonly<Record<string, unknown>>): readonly { property: string; message: string }[];
  create(values: Readonly<Record<string, unknown>>, logger: Logger): Transform;
}
