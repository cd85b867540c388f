// A progress bar on stderr for long offline jobs, only when stderr is a terminal (never
// in pipes, logs or CI), redrawn at most ten times a second and erased when done.
export class ProgressBar {
  private last = 0;
  private shown = false;
  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly enabled = out.isTTY === true,
  ) {}

  update(done: number): void {
    if (!this.enabled || this.total <= 0) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    const frac = Math.min(1, done / this.total);
    const width = 30;
    const fill = Math.round(frac * width);
    const mb = (n: number) => (n / 1e6).toFixed(n < 1e7 ? 1 : 0);
    this.out.write(`\r${this.label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(frac * 100).toFixed(0).padStart(3)}% ${mb(Math.min(done, this.total))}/${mb(this.total)} MB\x1b[K`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }
}
