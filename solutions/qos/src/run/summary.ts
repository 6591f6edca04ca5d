import type { QosRunResult } from './run-qos.js';

const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - s.length));

/** The run's summary for people: alerts fired, rows per table, where the lake is, how to look at it. */
export function summaryText(r: QosRunResult): string {
  const lines: string[] = [];
  lines.push(`Alerts fired: ${r.alerts.length}`);
  for (const a of r.alerts) lines.push(`  [${a.rule}] ${a.message}`);
  if (r.notifications.length > 0) lines.push(`  (${r.notifications.length} notifications received by the run's webhook)`);
  lines.push('', 'Rows per table:');
  const width = Math.max(...r.rowsPerTable.map((t) => t.table.length));
  for (const t of r.rowsPerTable) lines.push(`  ${pad(t.table, width)}  ${t.rows}`);
  lines.push('', `Lake: ${r.layout.lake}`);
  lines.push(`Landing files: ${r.layout.root}/landing   checkpoints: ${r.layout.checkpoints}`);
  lines.push('', 'Look at it:');
  lines.push(`  npx loch server --lake ${r.layout.lake}        # the console (http://127.0.0.1:5000), dashboard '${r.dashboard}'`);
  lines.push(`  npx loch sql "SELECT * FROM qos_alerts" --lake ${r.layout.lake} --format table`);
  lines.push(`  npx loch demo                                   # the earlier Delta walkthrough`);
  return `${lines.join('\n')}\n`;
}
