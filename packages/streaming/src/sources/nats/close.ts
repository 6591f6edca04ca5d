import type { NatsConnection } from 'nats';

/**
 * Closes a NATS connection without risking an uncaught exception when the server has just gone
 * away. The client writes what it has queued (an UNSUB from stopping a consumer, an ack, a
 * publish) in a microtask; on a socket the server has just ended that write fails with
 * ERR_STREAM_WRITE_AFTER_END, which Node emits as the socket's 'error' on the next tick. A close()
 * in the same turn removes the client's 'error' listener before that tick, so the error had no
 * listener and ended the process (a query stopped while its broker restarted). Waiting for the
 * next macrotask lets the error reach the client's listener first; close() itself writes nothing.
 */
export async function closeNats(nc: NatsConnection): Promise<void> {
  await new Promise((r) => setImmediate(r));
  await nc.close().catch(() => undefined);
}
