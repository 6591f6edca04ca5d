import { streamingError } from '../errors.js';
import type { DatasetDef, PipelineDef, StreamSource } from './definition.js';

/** A dataset with what it depends on: datasets of the pipeline, and tables or files from outside it. */
export interface GraphNode {
  readonly dataset: DatasetDef;
  /** Datasets of this pipeline it reads (they update first). */
  readonly dependsOn: readonly string[];
  /** Lake tables outside the pipeline it reads. */
  readonly external: readonly string[];
}

/**
 * The pipeline's datasets in an order where each comes after every dataset it reads (file order
 * among independent ones), from the tables each query names. A cycle fails naming its tables.
 */
export function pipelineGraph(def: PipelineDef): GraphNode[] {
  const byName = new Map(def.datasets.map((d) => [d.name.toLowerCase(), d]));
  const nodes = def.datasets.map((d) => {
    const reads = new Set(d.reads.map((r) => r.toLowerCase()));
    if (d.kind === 'streamingTable' && d.source.kind === 'table') reads.add(d.source.name.toLowerCase());
    reads.delete(d.name.toLowerCase());
    const dependsOn = [...reads].filter((r) => byName.has(r)).map((r) => byName.get(r)!.name);
    const external = [...reads].filter((r) => !byName.has(r));
    return { dataset: d, dependsOn, external };
  });
  const done = new Set<string>();
  const ordered: GraphNode[] = [];
  while (ordered.length < nodes.length) {
    const next = nodes.find((n) => !done.has(n.dataset.name.toLowerCase()) && n.dependsOn.every((x) => done.has(x.toLowerCase())));
    if (!next) {
      const stuck = nodes.filter((n) => !done.has(n.dataset.name.toLowerCase()));
      throw streamingError('PIPELINE_CYCLE', `${def.file}: these tables read each other in a cycle: ${stuck.map((n) => `${n.dataset.name} (line ${n.dataset.line}) reads ${n.dependsOn.join(', ')}`).join('; ')}`);
    }
    done.add(next.dataset.name.toLowerCase());
    ordered.push(next);
  }
  return ordered;
}

/** How the graph names a stream source: `read_files('/landing', format => 'json')`, `STREAM(bronze)`. */
export function describeSource(s: StreamSource): string {
  const args = (o: Readonly<Record<string, string>>) => Object.entries(o).map(([k, v]) => `${k} => '${v}'`);
  switch (s.kind) {
    case 'files':
      return `read_files(${[`'${s.path}'`, ...args(s.options)].join(', ')})`;
    case 'table':
      return `STREAM(${s.name})`;
    case 'reader':
      return `${s.function}(${args(s.options).join(', ')})`;
  }
}

/** The graph as text: one line per dataset, in update order. */
export function formatGraph(nodes: readonly GraphNode[]): string {
  const lines = nodes.map((n) => {
    const d = n.dataset;
    const kind = d.kind === 'streamingTable' ? 'streaming table' : 'materialized view';
    const from = [...(d.kind === 'streamingTable' && d.source.kind !== 'table' ? [describeSource(d.source)] : []), ...n.dependsOn.map((x) => (d.kind === 'streamingTable' && d.source.kind === 'table' && d.source.name.toLowerCase() === x.toLowerCase() ? `STREAM(${x})` : x)), ...n.external.map((x) => `${x} (external)`)];
    const expectations = d.expectations.length > 0 ? `  [expect: ${d.expectations.map((e) => `${e.name}${e.action === 'warn' ? '' : ` ${e.action === 'drop' ? 'DROP ROW' : 'FAIL UPDATE'}`}`).join(', ')}]` : '';
    return `${d.name} (${kind}, line ${d.line}) <- ${from.length > 0 ? from.join(', ') : '(nothing)'}${expectations}`;
  });
  return lines.join('\n') + '\n';
}
