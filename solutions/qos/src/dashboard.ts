import type { Lakehouse } from '@loch/lakehouse';
import { DashboardStore, type Dashboard } from '@loch/server';
import { readFileSync } from 'node:fs';

/** The NOC dashboard's JSON, as shipped in the package (`dashboards/noc.json`). */
export function nocDashboard(): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL('../../dashboards/noc.json', import.meta.url), 'utf8')) as Record<string, unknown>;
}

/** Imports the NOC dashboard into the lake's console (the same id replaces it): `loch server` shows it at once. */
export function importNocDashboard(lake: Lakehouse): Promise<Dashboard> {
  return new DashboardStore(lake).save(nocDashboard());
}
