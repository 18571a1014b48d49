/**
 * Exceptional failures (STYLE 2.3 kind b): bad usage/config and unreadable inputs. Each carries a stable
 * `code` and maps to the CLI's exit codes: 1 for usage/config errors, 2 for unreadable or corrupt input.
 */
export class SensorError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = new.target.name
  }
}

/** Bad command line or configuration (exit 1). */
export class UsageError extends SensorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('usage.invalid', message, 1, options)
  }
}

/** An input that cannot be read or is corrupt (exit 2), after everything decodable before it was processed. */
export class InputError extends SensorError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, 2, options)
  }
}
