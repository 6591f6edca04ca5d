/** The public API; importing it also makes Arrow output available (`toArrow()`). */
export * from './core.js';
export { rowsToArrow, arrowType } from './scan/arrow.js';
export { writeArrowStream } from './scan/arrow-ipc.js';
