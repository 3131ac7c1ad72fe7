import type { SourceConnectorPlugin, TransformPlugin } from '@outflow/relay-core';

/** The connector and transform classes a relay knows, looked up by the class names users configure. */
export interface PluginRegistry {
  readonly connectors: readonly SourceConnectorPlugin[];
  readonly transforms: readonly TransformPlugin[];
  findConnector(className: string): SourceConnectorPlugin | undefined;
  findTransform(className: string): TransformPlugin | undefined;
}

/** Builds a registry from plugin lists; a class name claimed twice is a programming error. */
export function createPluginRegistry(plugins: {
  connectors: readonly SourceConnectorPlugin[];
  transforms: readonly TransformPlugin[];
}): PluginRegistry {
  const connectors = indexByClass(plugins.connectors);
  const transforms = indexByClass(plugins.transforms);
  return {
    connectors: plugins.connectors,
    transforms: plugins.transforms,
    findConnector: (className) => connectors.get(className.trim()),
    findTransform: (className) => transforms.get(className.trim()),
  };
}

function indexByClass<P extends { readonly classNames: readonly string[] }>(
  plugins: readonly P[],
): Map<string, P> {
  const map = new Map<string, P>();
  for (const plugin of plugins) {
    for (const name of plugin.classNames) {
      if (map.has(name)) throw new Error(`Two plugins claim the class ${name}`);
      map.set(name, plugin);
    }
  }
  return map;
}
