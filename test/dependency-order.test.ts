import { ApiObject, App, Chart, DependencyGraph } from 'cdk8s';
import { IConstruct } from 'constructs';
import { dependencyOrder } from '../lib/output/dependency-order';

/** A deterministic pseudo-random sequence (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An app of nested charts and objects with acyclic dependencies between them, some across charts. */
function randomApp(seed: number): App {
  const next = random(seed);
  const app = new App();
  const constructs: IConstruct[] = [];
  const charts: Chart[] = [];
  for (let i = 0; i < 40; i++) {
    const parent = charts.length > 0 && next() < 0.3 ? charts[Math.floor(next() * charts.length)] : undefined;
    if (charts.length === 0 || next() < 0.2) {
      const chart = new Chart(parent ?? app, `chart${i}`);
      charts.push(chart);
      constructs.push(chart);
    } else {
      const chart = parent ?? charts[Math.floor(next() * charts.length)];
      constructs.push(new ApiObject(chart, `object${i}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `o${i}` } }));
    }
  }
  // Edges only from a later construct to an earlier one: no cycles, yet in every direction of the tree.
  for (let i = 0; i < 60; i++) {
    const a = Math.floor(next() * constructs.length);
    const b = Math.floor(next() * constructs.length);
    if (a > b && !constructs[b].node.scopes.includes(constructs[a])) constructs[a].node.addDependency(constructs[b]);
  }
  return app;
}

describe('dependencyOrder', () => {
  test.each([1, 2, 3, 4, 5, 6, 7, 8])('is the order of cdk8s\' DependencyGraph, for the app and each chart (random app %i)', seed => {
    const app = randomApp(seed);
    const paths = (list: IConstruct[]) => list.map(c => c.node.path);
    expect(paths(dependencyOrder(app))).toEqual(paths(new DependencyGraph(app.node).topology()));
    for (const chart of app.node.findAll().filter(c => c instanceof Chart)) {
      expect(paths(dependencyOrder(chart))).toEqual(paths(new DependencyGraph(chart.node).topology()));
    }
  });

  test('orders top-level ids that look like numbers the way cdk8s does (ascending, before the others)', () => {
    const app = new App();
    const charts = ['b', '10', 'a', '2', '007'].map(id => new Chart(app, id));
    charts[0].node.addDependency(charts[2]);
    const paths = (list: IConstruct[]) => list.map(c => c.node.path);
    expect(paths(dependencyOrder(app))).toEqual(paths(new DependencyGraph(app.node).topology()));
    expect(paths(dependencyOrder(app)).filter(p => p !== '')).toEqual(['2', '10', 'a', 'b', '007']);
  });

  test('lists every dependency before its dependant', () => {
    const app = randomApp(42);
    const order = dependencyOrder(app);
    for (const construct of order) {
      for (const target of construct.node.dependencies) expect(order.indexOf(target)).toBeLessThan(order.indexOf(construct));
    }
  });

  test('fails on a cycle, naming it', () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    const a = new ApiObject(chart, 'a', { apiVersion: 'v1', kind: 'ConfigMap' });
    const b = new ApiObject(chart, 'b', { apiVersion: 'v1', kind: 'ConfigMap' });
    a.node.addDependency(b);
    b.node.addDependency(a);
    expect(() => dependencyOrder(chart)).toThrow('Dependency cycle detected: c/a => c/b => c/a');
  });
});
