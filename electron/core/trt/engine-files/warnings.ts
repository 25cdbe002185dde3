/**
 * The warnings collector every engine-file reader (and the ONNX mapping) shares: the readers never
 * throw on odd content, they say what they skipped, and a file with thousands of bad records should
 * not produce thousands of warnings.
 */
const MAX_WARNINGS = 100;

export class Warnings {
  readonly list: string[] = [];
  private extra = 0;
  constructor(initial: readonly string[] = []) {
    for (const w of initial) this.add(w);
  }
  add(message: string): void {
    if (this.list.length < MAX_WARNINGS) this.list.push(message);
    else this.extra++;
  }
  done(): string[] {
    if (this.extra > 0) this.list.push(`… and ${this.extra} more warnings`);
    this.extra = 0;
    return this.list;
  }
}
