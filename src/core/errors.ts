/**
 * The user-facing error types (src/cli/errors.ts turns each into one line on
 * stderr and its exit code). Every layer throws these; none of them knows
 * about the command line.
 */

/** A user error in a sweep file or option; the message is one line naming the field (exit 2). */
export class SweepSpecError extends Error {
  override name = 'SweepSpecError';
}

/** A bad command-line option value (exit 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A folder that cannot be used as asked (not an output folder, another sweep's, missing): exit 2. */
export class FolderError extends Error {
  override name = 'FolderError';
  readonly exitCode = 2;
}

/** A second run on an output folder that is in use (exit 3). */
export class LockedError extends Error {
  override name = 'LockedError';
}

/**
 * An I/O error as one line: `<path>: cannot <action>: <what> (<CODE>); <what
 * to do>` (built by `ioError` in src/io.ts). `exitCode` is 2 when the path
 * given by the user is unusable (read-only, permissions, a file in the way),
 * 1 otherwise (disk full, EIO).
 */
export class IoError extends Error {
  override name = 'IoError';
  constructor(message: string, readonly path: string, readonly code: string | undefined, readonly exitCode: number) {
    super(message);
  }
}
