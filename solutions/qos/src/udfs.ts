/**
 * The QoS pipeline's UDFs as a module to register by name, so that the pipeline file runs under
 * the plain `loch` command:
 *
 *   loch pipeline run solutions/qos/pipelines/qos.sql --udf @loch/qos/udfs \
 *     --conf LANDING_EVENTS=./landing/events --conf LANDING_CDN_LOGS=./landing/cdn-logs
 *
 * Importing it opens the IP databases (once per process).
 */
import { IpDatabase } from './ip/ip-database.js';
import { qosFunctions } from './pipeline/functions.js';

const functions = qosFunctions(await IpDatabase.open());

export const qos_ip = functions.qos_ip;
export const qos_anonymize_ips = functions.qos_anonymize_ips;
