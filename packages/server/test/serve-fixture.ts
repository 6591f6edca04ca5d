/** A server process for crash tests: `node serve-fixture.js <lake>`; prints `listening on <url>`. */
import { createServer } from '../src/index.js';

const server = createServer({ lake: process.argv[2], port: 0 });
const url = await server.start();
process.stdout.write(`listening on ${url}\n`);
process.once('SIGTERM', () => void server.stop());
