import deepmerge from 'deepmerge';

/** Helm chart values: a tree of maps, lists and scalars. */
export type ChartValues = { [key: string]: unknown };

/**
 * Merges values layers the way Helm merges `--values` files: maps merge key by key, later layers
 * win, and a list is replaced whole (never concatenated).
 */
export function mergeValues(...layers: ReadonlyArray<ChartValues | undefined>): ChartValues {
  return deepmerge.all(layers.filter((l): l is ChartValues => l !== undefined), {
    arrayMerge: (_target, source) => source,
  }) as ChartValues;
}
