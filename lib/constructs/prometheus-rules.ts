import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import type { PrometheusRuleSpecGroups, PrometheusRuleSpecGroupsRules } from '../../imports/prometheusrule-monitoring.coreos.com';
import { Severity } from './alerting/routing';
import { DNS_SUBDOMAIN } from './kube-names';
import { checkProps, PropShape } from './known-props';
import { KubePrometheusStack } from './kube-prometheus-stack';
import { INamespace, NAMESPACE_REFERENCE_SHAPE } from './namespace';
import { prometheusDuration } from './prometheus-duration';
import { asNumber } from './quantity';
import { kubePrometheusStackOf, MonitoringTarget, namespaceNotSelected, prometheusSelection, requireInsideStack, SelectedKind } from './prometheus-selection';

/** An alerting rule: fires while `expr` returns series, after `for`. */
export interface AlertingRule {
  /** Alert name, in CamelCase by convention (`HighErrorRate`): letters, digits and '_'. */
  readonly alert: string;
  /** The PromQL expression; every series it returns is one alert. */
  readonly expr: string;
  /** How bad it is: the `severity` label Alertmanager routes and inhibits on. */
  readonly severity: Severity;
  /**
   * How long the expression must hold before the alert fires (a cdk8s Duration or Prometheus syntax, '5m').
   * @default - fires on the first evaluation that returns the series
   */
  readonly for?: Duration | string;
  /**
   * How long the alert keeps firing after the expression stops returning it.
   * @default - stops at once
   */
  readonly keepFiringFor?: Duration | string;
  /**
   * One line saying what is wrong (the `summary` annotation); may use `{{ $labels.x }}` and `{{ $value }}`.
   * @default - none
   */
  readonly summary?: string;
  /**
   * What it means and what to do (the `description` annotation).
   * @default - none
   */
  readonly description?: string;
  /**
   * Link to the runbook (the `runbook_url` annotation).
   * @default - none
   */
  readonly runbookUrl?: string;
  /**
   * Further labels of the alert (besides `severity`).
   * @default - none
   */
  readonly labels?: { readonly [name: string]: string };
  /**
   * Further annotations.
   * @default - none
   */
  readonly annotations?: { readonly [name: string]: string };
}

/** A recording rule: stores the result of `expr` as a new series named `record`. */
export interface RecordingRule {
  /** Name of the recorded metric, by convention `level:metric:operations` (e.g. `job:http_requests:rate5m`). */
  readonly record: string;
  /** The PromQL expression. */
  readonly expr: string;
  /**
   * Labels added to the recorded series.
   * @default - none
   */
  readonly labels?: { readonly [name: string]: string };
}

/** A group of rules, evaluated in order, together, at one interval. */
export interface PrometheusRuleGroup {
  /** Group name; unique within the PrometheusRules object. */
  readonly name: string;
  /** The rules in evaluation order (a recording rule before the alerts that use it). */
  readonly rules: ReadonlyArray<AlertingRule | RecordingRule>;
  /**
   * How often the group is evaluated.
   * @default - the Prometheus' evaluationInterval (30s in kube-prometheus-stack)
   */
  readonly interval?: Duration | string;
  /**
   * Most alerts (or recorded series) one rule may produce per evaluation; 0 for no limit.
   * @default 0
   */
  readonly limit?: number;
}

/** Props of {@link PrometheusRules}. */
export interface PrometheusRulesProps {
  /** The stack whose Prometheus evaluates the rules: its rule selector labels are set for you. */
  readonly monitoring: MonitoringTarget;
  /**
   * The rule groups; more can be added with `addGroup`.
   * @default - none
   */
  readonly groups?: PrometheusRuleGroup[];
  /**
   * Labels every alerting rule must have, besides `severity` (e.g. `['team']` when Alertmanager routes by team).
   * @default - none
   */
  readonly requiredLabels?: string[];
  /**
   * Namespace of the PrometheusRule object.
   * @default - the stack's namespace
   */
  readonly namespace?: INamespace;
  /**
   * Name of the PrometheusRule object.
   * @default - derived from the construct path
   */
  readonly name?: string;
}

// Each group, and each rule by its kind, is checked by checkRuleGroup: the constructor and addGroup take groups.
const PROMETHEUS_RULES_PROPS: PropShape<PrometheusRulesProps> = { monitoring: true, groups: [true], requiredLabels: [true], namespace: NAMESPACE_REFERENCE_SHAPE, name: true };
const RULE_GROUP_PROPS: PropShape<PrometheusRuleGroup> = { name: true, rules: [true], interval: true, limit: true };
const ALERTING_RULE_PROPS: PropShape<AlertingRule> = {
  alert: true, expr: true, severity: true, for: true, keepFiringFor: true, summary: true, description: true, runbookUrl: true, labels: true, annotations: true,
};
const RECORDING_RULE_PROPS: PropShape<RecordingRule> = { record: true, expr: true, labels: true };

const ALERT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * A prometheus-operator PrometheusRule with typed alerting and recording rules, labelled so that the
 * stack's Prometheus loads it. Names, durations, labels and the brackets of each expression are checked
 * when the rules are added; every alert has a `severity` (and the `requiredLabels`).
 */
export class PrometheusRules extends Construct {
  /** The PrometheusRule object. */
  public readonly apiObject: ApiObject;
  private readonly groups: PrometheusRuleSpecGroups[] = [];
  private readonly requiredLabels: readonly string[];
  /** This construct as messages name it. */
  private readonly construct: string;

  constructor(scope: Construct, id: string, props: PrometheusRulesProps) {
    super(scope, id);
    this.construct = `PrometheusRules '${id}'`;
    checkProps(this.construct, props, PROMETHEUS_RULES_PROPS);
    props.groups?.forEach((group, i) => checkRuleGroup(this.construct, group, `groups[${i}].`));
    const stack = kubePrometheusStackOf(props.monitoring);
    requireInsideStack(this, props.monitoring, !(props.monitoring instanceof KubePrometheusStack), 'monitoring');
    this.requiredLabels = props.requiredLabels ?? [];
    for (const label of this.requiredLabels) checkLabelName('requiredLabels', label);
    const namespace = (props.namespace ?? stack.namespace).name;
    if (props.name !== undefined && !DNS_SUBDOMAIN.test(props.name)) {
      throw new Error(`name is '${props.name}' but must be a DNS subdomain (lowercase letters, digits, '-' and '.')`);
    }
    const selection = prometheusSelection(stack, SelectedKind.RULE, 'monitoring');
    const generated = require('../../imports/prometheusrule-monitoring.coreos.com') as typeof import('../../imports/prometheusrule-monitoring.coreos.com');
    // The generated class writes keepFiringFor as the CRD's keep_firing_for; the groups array fills as groups are added.
    this.apiObject = new generated.PrometheusRule(this, 'Resource', {
      metadata: { ...(props.name && { name: props.name }), namespace, labels: selection.labels },
      spec: { groups: this.groups },
    });
    this.node.addDependency(stack);
    for (const group of props.groups ?? []) this.addGroup(group);
    this.node.addValidation({
      validate: () => {
        const errors: string[] = [];
        if (this.groups.length === 0) errors.push('has no rule groups; pass groups or call addGroup');
        const notSelected = namespaceNotSelected(this, selection, SelectedKind.RULE, namespace);
        if (notSelected) errors.push(notSelected);
        return errors;
      },
    });
  }

  /** Adds a rule group (after those already added). */
  public addGroup(group: PrometheusRuleGroup): void {
    checkRuleGroup(`${this.construct}.addGroup`, group, '');
    const where = `group '${group.name}'`;
    if (!group.name) throw new Error(`a rule group has name '${group.name}'; give every group a name`);
    if (this.groups.some(g => g.name === group.name)) {
      throw new Error(`${where} is added twice to ${this.node.path}; Prometheus refuses a rule file whose groups share a name, so give each its own`);
    }
    if (!group.rules?.length) throw new Error(`${where} has no rules; add at least one, or leave the group out`);
    if (group.limit !== undefined && (!Number.isInteger(group.limit) || group.limit < 0)) {
      throw new Error(`${where} has limit ${asNumber(group.limit)} but it must be a whole number >= 0 (0: no limit)`);
    }
    const { PrometheusRuleSpecGroupsRulesExpr } = require('../../imports/prometheusrule-monitoring.coreos.com') as typeof import('../../imports/prometheusrule-monitoring.coreos.com');
    const rules: PrometheusRuleSpecGroupsRules[] = group.rules.map(rule => {
      const rendered = 'alert' in rule ? this.alertingRule(where, rule) : recordingRule(where, rule);
      checkExpression(`${where}, rule ${'alert' in rule ? rule.alert : rule.record}`, rule.expr);
      return { ...rendered, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(rule.expr) };
    });
    this.groups.push({
      name: group.name,
      rules,
      ...(group.interval !== undefined && { interval: prometheusDuration(`${where} interval`, group.interval, { unit: 'seconds' }) }),
      ...(group.limit !== undefined && { limit: group.limit }),
    });
  }

  private alertingRule(where: string, rule: AlertingRule): Omit<PrometheusRuleSpecGroupsRules, 'expr'> {
    const what = `${where}, alert '${rule.alert}'`;
    if (!ALERT_NAME.test(rule.alert ?? '')) {
      throw new Error(`${where} has an alert named '${rule.alert}' but alert names are letters, digits and '_', not starting with a digit (e.g. 'HighErrorRate')`);
    }
    if (!Object.values(Severity).includes(rule.severity)) {
      throw new Error(`${what} has severity '${rule.severity}' but must have one of Severity.CRITICAL, Severity.WARNING, Severity.INFO`);
    }
    const labels = checkLabels(what, 'labels', rule.labels);
    if ('severity' in labels) throw new Error(`${what} sets labels.severity; set the severity prop instead`);
    for (const required of this.requiredLabels) {
      if (!labels[required]) throw new Error(`${what} has no label '${required}', which requiredLabels asks every alert for; add labels: { ${required}: '...' }`);
    }
    const annotations: Record<string, string> = {
      ...(rule.summary && { summary: rule.summary }),
      ...(rule.description && { description: rule.description }),
      ...(rule.runbookUrl && { runbook_url: rule.runbookUrl }),
      ...checkLabels(what, 'annotations', rule.annotations),
    };
    return {
      alert: rule.alert,
      ...(rule.for !== undefined && { for: prometheusDuration(`${what} for`, rule.for, { unit: 'minutes' }) }),
      ...(rule.keepFiringFor !== undefined && { keepFiringFor: prometheusDuration(`${what} keepFiringFor`, rule.keepFiringFor, { unit: 'minutes' }) }),
      labels: { severity: rule.severity, ...labels },
      ...(Object.keys(annotations).length > 0 && { annotations }),
    };
  }
}

/** Throws on a misspelt key of `group` or of one of its rules (by the rule's kind), named as `construct` took it, at `at`. */
function checkRuleGroup(construct: string, group: PrometheusRuleGroup, at: string): void {
  checkProps(construct, group, RULE_GROUP_PROPS, at);
  group.rules?.forEach((rule, i) => checkProps(construct, rule,
    'record' in rule ? RECORDING_RULE_PROPS : 'alert' in rule ? ALERTING_RULE_PROPS : { ...ALERTING_RULE_PROPS, ...RECORDING_RULE_PROPS }, `${at}rules[${i}].`));
}

function recordingRule(where: string, rule: RecordingRule): Omit<PrometheusRuleSpecGroupsRules, 'expr'> {
  if (!METRIC_NAME.test(rule.record ?? '')) {
    throw new Error(`${where} has a recording rule named '${rule.record}' but it must be a metric name: letters, digits, '_' and ':', not starting with a digit (e.g. 'job:http_requests:rate5m')`);
  }
  const labels = checkLabels(`${where}, record '${rule.record}'`, 'labels', rule.labels);
  return { record: rule.record, ...(Object.keys(labels).length > 0 && { labels }) };
}

function checkLabels(what: string, prop: string, labels: { readonly [name: string]: string } | undefined): Record<string, string> {
  for (const name of Object.keys(labels ?? {})) checkLabelName(`${what} ${prop}`, name);
  return { ...labels };
}

function checkLabelName(prop: string, name: string): void {
  if (!LABEL_NAME.test(name) || name.startsWith('__')) {
    throw new Error(`${prop} has the name '${name}' but label and annotation names are letters, digits and '_', not starting with a digit or '__'`);
  }
}

/**
 * Rejects an empty expression and one whose brackets or quotes do not pair up: a cheap check of the
 * most common slip. Prometheus parses the rest when it loads the rules, and skips a group it cannot parse.
 */
function checkExpression(what: string, expr: string): void {
  if (!expr || !expr.trim()) throw new Error(`${what} has an empty expr`);
  const open: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '"' || c === "'" || c === '`') {
      const end = findClosingQuote(expr, i);
      if (end < 0) throw new Error(`${what} has expr ${JSON.stringify(expr)} with a string opened by ${c} at ${i} that is never closed`);
      i = end;
    } else if (c === '#') {
      while (i < expr.length && expr[i] !== '\n') i++;
    } else if ('([{'.includes(c)) {
      open.push(c);
    } else if (c in pairs) {
      if (open.pop() !== pairs[c]) throw new Error(`${what} has expr ${JSON.stringify(expr)} with an unmatched '${c}' at ${i}`);
    }
  }
  if (open.length > 0) throw new Error(`${what} has expr ${JSON.stringify(expr)} with '${open[open.length - 1]}' never closed`);
}

function findClosingQuote(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\' && quote !== '`') i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}
