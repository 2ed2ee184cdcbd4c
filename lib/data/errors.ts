// The one error type of lib/data: a data file the user named is missing, malformed or holds a bad value.
// It names the file, and where known the line, the column and the offending value, so a person can open
// the file at that line and fix it.

export interface DataLocation {
  file: string;
  /** 1-based line number in the file (the header is line 1). */
  line?: number;
  column?: string;
  value?: string;
}

export class DataError extends Error {
  override name = "DataError";
  readonly file: string;
  readonly line?: number;
  readonly column?: string;
  readonly value?: string;

  constructor(where: DataLocation, detail: string) {
    super(`${where.file}${where.line === undefined ? "" : `:${where.line}`}: ${detail}`);
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.value = where.value;
  }
}

/** A file or folder that is not there at all (as opposed to one that is there but malformed). */
export class MissingDataError extends DataError {
  override name = "MissingDataError";
}
