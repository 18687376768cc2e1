/** Default minimum level (as the reference). */
export const DEFAULT_LEVEL = 20 // LogLevel.INFO
/** Size in bytes past which the log file is rotated (as the reference: 10 MiB). */
export const DEFAULT_FILE_ROTATION_SIZE = 10 * 1024 * 1024
/** Rotated files kept: `file.1` … `file.5` (as the reference). */
export const DEFAULT_FILE_BACKUP_COUNT = 5
/**
 * Characters of not-yet-written lines held in memory in async mode before the writer stops deferring and writes
 * synchronously (backpressure). The reference counts lines (100) and drops the oldest past it; we never drop.
 */
export const DEFAULT_BUFFER_SIZE = 1024 * 1024
/** Width the level tag is padded to in text lines. */
export const LEVEL_TAG_WIDTH = 5
/** Separator between a parent's name and a child's name (`veltix:server`). */
export const CHILD_NAME_SEPARATOR = ':'
