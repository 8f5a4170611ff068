import { IConstruct } from 'constructs';

const ARRAY_INDEX = /^(?:0|[1-9]\d*)$/;

/**
 * The constructs under `scope` (itself included) in the order of cdk8s'
 * `new DependencyGraph(scope.node).topology()`: dependencies before their dependants, otherwise in
 * tree order. cdk8s walks every path of the graph again for each edge (to look for cycles) and for the
 * order itself, which is exponential in the number of dependency chains; a stack with a few hundred
 * rendered objects that depend on each other spends seconds there. This visits each construct once.
 *
 * The same order, step by step: vertices in `findAll()` order; edges in that order and then in the
 * order each construct's dependencies were added, ignoring dependencies outside `scope`; the roots are
 * the constructs nothing in `scope` depends on, in the order of the keys of an object keyed by path
 * (array-index-like paths first, ascending, then the rest in vertex order); a depth-first walk from each root
 * lists a construct after everything it depends on, the first time it is reached.
 */
export function dependencyOrder(scope: IConstruct): IConstruct[] {
  const all = scope.node.findAll();
  const inScope = new Set(all);
  const outbound = new Map<IConstruct, Set<IConstruct>>();
  const dependedOn = new Set<IConstruct>();
  for (const source of all) {
    for (const target of source.node.dependencies) {
      if (!inScope.has(target)) continue;
      let targets = outbound.get(source);
      if (!targets) outbound.set(source, targets = new Set());
      targets.add(target);
      dependedOn.add(target);
    }
  }

  const order: IConstruct[] = [];
  const done = new Set<IConstruct>();
  const path: IConstruct[] = [];
  const onPath = new Set<IConstruct>();
  const visit = (construct: IConstruct): void => {
    if (done.has(construct)) return;
    if (onPath.has(construct)) {
      const cycle = [...path.slice(path.indexOf(construct)), construct].map(c => c.node.path);
      throw new Error(`Dependency cycle detected: ${cycle.join(' => ')}`);
    }
    path.push(construct);
    onPath.add(construct);
    for (const target of outbound.get(construct) ?? []) visit(target);
    onPath.delete(construct);
    path.pop();
    done.add(construct);
    order.push(construct);
  };
  // cdk8s keeps its vertices in a plain object keyed by path, which lists array-index-like keys (the
  // paths of top-level constructs with ids such as '2' or '10') first, in ascending order.
  const indexLike = (c: IConstruct) => ARRAY_INDEX.test(c.node.path) && Number(c.node.path) < 2 ** 32 - 1;
  const vertices = [...all.filter(indexLike).sort((a, b) => Number(a.node.path) - Number(b.node.path)), ...all.filter(c => !indexLike(c))];
  for (const construct of vertices) if (!dependedOn.has(construct)) visit(construct);
  // Constructs that are only on a cycle are reached from no root; cdk8s fails on them too.
  for (const construct of all) visit(construct);
  return order;
}
