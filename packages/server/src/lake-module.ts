import { AlertMonitor } from './alerts/monitor.js';
import { alertRoutes } from './alerts/routes.js';
import { AlertStore } from './alerts/store.js';
import { AuditLog, auditRequests } from './audit.js';
import { catalogRoutes } from './catalog-routes.js';
import { jobRoutes } from './jobs/routes.js';
import { JobRunner, JobStore } from './jobs/runner.js';
import { DashboardRefresher } from './dashboards/refresher.js';
import { dashboardRoutes } from './dashboards/routes.js';
import { DashboardStore } from './dashboards/store.js';
import { EventHub, eventRoutes } from './events.js';
import { Ingestor, ingestRoutes } from './ingest-routes.js';
import type { ServerModule } from './server.js';
import { statementRoutes } from './sql/statement-routes.js';
import { StatementStore, type StatementStoreOptions } from './sql/statement-store.js';
import { StreamsView, streamsRoutes } from './streams-routes.js';

export interface LakeApiOptions {
  readonly statements?: StatementStoreOptions;
}

/**
 * The lake's own APIs beside MLflow's: SQL statements, catalog, ingest, streams, dashboards,
 * alerts, jobs and the live event stream. Its schedulers and listeners end when the server closes.
 */
export function lakeApiModule(options: LakeApiOptions = {}): ServerModule {
  return {
    name: 'lake-api',
    async register(app, ctx) {
      const hub = new EventHub();
      const statements = new StatementStore(ctx.lake, options.statements);
      const streams = new StreamsView(ctx.lake, hub);
      const dashboards = new DashboardStore(ctx.lake);
      const refresher = new DashboardRefresher(ctx.lake, dashboards, (r) => hub.publish('dashboard-refreshed', { id: r.id, refreshed_at: r.refreshed_at }));
      const alerts = new AlertStore(ctx.lake);
      const monitor = new AlertMonitor(ctx.lake, alerts, (s) => hub.publish('alert-state', s));
      const audit = new AuditLog(ctx.lake);
      auditRequests(app, audit, ctx.token);
      statementRoutes(app, statements);
      alertRoutes(app, alerts, monitor);
      const jobs = new JobStore(ctx.lake);
      const runner = new JobRunner(ctx.lake, jobs, (r) => hub.publish('job-run', r));
      jobRoutes(app, jobs, runner);
      catalogRoutes(app, ctx.lake);
      ingestRoutes(app, new Ingestor(ctx.lake));
      streamsRoutes(app, streams);
      dashboardRoutes(app, dashboards, refresher);
      eventRoutes(app, hub);
      app.addHook('onClose', async () => {
        refresher.stop();
        monitor.stop();
        runner.stop();
        streams.close();
        // Statements under way finish their writes before the lake is let go.
        await Promise.all(statements.running().map((e) => e.done));
        await audit.flush();
      });
      // Scheduled dashboards start refreshing once the server is up; a lake without any costs nothing.
      app.addHook('onReady', async () => {
        await refresher.start().catch((e) => process.stderr.write(`warning: dashboards not scheduled: ${(e as Error).message}\n`));
        await runner.start().catch((e) => process.stderr.write(`warning: jobs not scheduled: ${(e as Error).message}\n`));
        await monitor.start().catch((e) => process.stderr.write(`warning: alerts not scheduled: ${(e as Error).message}\n`));
      });
    },
  };
}
