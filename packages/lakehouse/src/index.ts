/** The public API; importing it also makes Arrow output available (`toArrow()`). */
export * from './core.js';
export { rowsToArrow, arrowType } from './scan/arrow.js';
