import type { Alert } from './rules.js';

/** Where alert notifications go: a webhook always, a broker when one is configured. */
export interface Notifier {
  readonly description: string;
  send(alerts: readonly Alert[]): Promise<void>;
  close?(): Promise<void>;
}

/** The JSON body of a notification: the alert, in snake_case, with the time it was sent. */
export function notificationBody(a: Alert): Record<string, unknown> {
  return {
    alert_id: a.alertId,
    rule: a.rule,
    entity_kind: a.entityKind,
    entity: a.entity,
    window: { start: a.windowStart, end: a.windowEnd },
    measured: a.measured,
    threshold: a.threshold,
    baseline: a.baseline,
    unit: a.unit,
    message: a.message,
    sent_at: new Date().toISOString(),
  };
}

/**
 * POSTs each alert as JSON to a webhook URL (a chat hook, an incident tool, a remediation
 * service), retrying a failed delivery a few times; an endpoint that stays down fails the batch
 * with QOS_NOTIFY_FAILED naming it, so the alerts are sent again when the batch is.
 */
export class WebhookNotifier implements Notifier {
  readonly description: string;

  constructor(
    private readonly url: string,
    private readonly retries = 3,
  ) {
    this.description = `webhook ${url}`;
  }

  async send(alerts: readonly Alert[]): Promise<void> {
    for (const a of alerts) await this.post(JSON.stringify(notificationBody(a)));
  }

  private async post(body: string): Promise<void> {
    let last: unknown;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      try {
        const r = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        if (r.ok) return;
        last = new Error(`HTTP ${r.status}`);
      } catch (e) {
        last = e;
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
    throw Object.assign(new Error(`QOS_NOTIFY_FAILED: webhook ${this.url} did not take the notification: ${(last as Error)?.message ?? last}`), { code: 'QOS_NOTIFY_FAILED' });
  }
}

/** Sends to every notifier in turn. */
export class FanOutNotifier implements Notifier {
  readonly description: string;

  constructor(private readonly notifiers: readonly Notifier[]) {
    this.description = notifiers.map((n) => n.description).join(', ');
  }

  async send(alerts: readonly Alert[]): Promise<void> {
    if (alerts.length === 0) return;
    for (const n of this.notifiers) await n.send(alerts);
  }

  async close(): Promise<void> {
    for (const n of this.notifiers) await n.close?.();
  }
}
