export { decodeZ85, encodeZ85 } from './z85.js';
export { crc32 } from './crc32.js';
export {
  ROARING_ARRAY_MAGIC,
  parseRoaringBitmapArray,
  serializeRoaringBitmapArray,
  type DeletedRows,
} from './roaring.js';
export {
  DV_FILE_FORMAT_VERSION,
  dvFileUrl,
  dvUniqueId,
  encodeDvFile,
  encodeInlineDv,
  loadDeletionVector,
  uuidToZ85,
  z85ToUuid,
  type DeletionVectorDescriptor,
} from './descriptor.js';
