export { rejectsWith, throwsWith } from './errors.js';
export { storageContract, type StorageFixture } from './storage-contract.js';
export { importSpecifiers, importsUnder, packageDir, sourceFiles } from './imports.js';
