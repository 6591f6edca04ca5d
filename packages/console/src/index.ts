export { consoleModule } from './module.js';
export { PUBLIC_DIR } from './static-assets.js';
