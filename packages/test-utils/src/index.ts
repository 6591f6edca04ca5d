export { rejectsWith, throwsWith } from './errors.js';
export { storageContract, type StorageFixture } from './storage-contract.js';
