// The one error type every parser throws, so callers (the API, the CLI) can report bad uploads precisely
// instead of crashing or guessing.

export interface SnapshotParseErrorDetails {
  file: string;
  /** 1-based line of the offending input. */
  line: number;
  column?: number;
  /** For JSON/YAML input: where in the document, e.g. `items[3].spec.ports[0].port`. */
  path?: string;
  kind?: string;
}

export class SnapshotParseError extends Error {
  override readonly name = 'SnapshotParseError';
  readonly file: string;
  readonly line: number;
  readonly column?: number;
  readonly path?: string;
  readonly kind?: string;
  readonly reason: string;

  constructor(details: SnapshotParseErrorDetails, reason: string) {
    const where = `${details.file}:${details.line}${details.column ? `:${details.column}` : ''}`;
    super(`${where}${details.path ? ` (at ${details.path})` : ''}: ${reason}`);
    this.file = details.file;
    this.line = details.line;
    this.column = details.column;
    this.path = details.path;
    this.kind = details.kind;
    this.reason = reason;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      file: this.file,
      line: this.line,
      column: this.column,
      path: this.path,
      kind: this.kind,
      message: this.message,
    };
  }
}

/** Thrown by line-oriented parsers; `parseSnapshot` adds the file name. */
export class LineError extends Error {
  constructor(
    readonly line: number,
    message: string,
    readonly column?: number,
    readonly path?: string,
  ) {
    super(message);
  }
}

/** Thrown while reading a JSON/YAML document; the path is located back to a line afterwards. */
export class ShapeError extends Error {
  constructor(
    readonly path: (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

export function formatPath(path: (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out || '$';
}
