import type { Lakehouse } from '@loch/lakehouse/core';
import { DocumentStore } from '../document-store.js';
import { parseAlert, type Alert } from './format.js';
import { keepSecrets } from './secrets.js';

export const ALERTS_TABLE = 'console.alerts';

/** Alerts stored in the lake (`console.alerts`), one row per alert id. */
export class AlertStore extends DocumentStore<Alert> {
  constructor(lake: Lakehouse) {
    super(lake, ALERTS_TABLE, 'alert', parseAlert);
  }

  /** A masked secret sent back keeps the stored one (the rule is keepSecrets'). */
  protected override async prepare(a: Alert): Promise<Alert> {
    return keepSecrets(a, await this.find(a.id));
  }
}
