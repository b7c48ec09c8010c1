/** Public surface of the RDB codec; other parts of Sabre import from here. See docs/rdb.md. */
export type { RdbAggregateType, RdbAuxField, RdbEntry, RdbHashField, RdbValue, RdbValueType, RdbZsetEntry } from './value.ts';
export { rdbValueLength } from './value.ts';
export { RdbError, type RdbErrorCode } from './errors.ts';
export { Crc64, crc64, crc64Update } from './crc64.ts';
export { lzfCompress, lzfDecompress } from './lzf.ts';
export { RdbEncoder, encodeRdbFile, concatBytes, type AggregateHead, type AggregateType, type EvictionHint, type RdbEncoderOptions, type RdbHeaderOptions, type StringHead } from './encoder.ts';
export { decodeRdb, decodeRdbStream, iterateRdb, iterateRdbStream, type DecodeOptions, type RdbEvent, type RdbFile } from './decoder.ts';
export { RdbSaveError, readRdbFile, removeStaleTempFiles, saveRdbAtomically, writeFully, type StaleTempFile, type ChunkSource, type ChunkWriter, type SaveOptions, type SaveResult } from './file.ts';
export { RDB_VERSION_MAX_READ, RDB_VERSION_WRITTEN } from './constants.ts';
