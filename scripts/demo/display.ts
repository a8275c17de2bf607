/**
 * The demo's terminal output: event lines as things happen, and on a terminal one status line
 * kept at the bottom and redrawn in place (plain lines when stdout is a pipe or a file).
 */
const tty = process.stdout.isTTY === true;
const color = tty && !process.env.NO_COLOR;

const paint = (code: number) => (text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
export const bold = paint(1);
export const dim = paint(2);
export const green = paint(32);
export const yellow = paint(33);
export const red = paint(31);
export const cyan = paint(36);

export class Display {
  private status = '';
  private readonly started = Date.now();

  elapsed(): string {
    const s = Math.floor((Date.now() - this.started) / 1000);
    return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  }

  /** One line of what happened, stamped with the demo's elapsed time. */
  line(text: string): void {
    this.write(`${dim(this.elapsed())}  ${text}`);
  }

  /** Free text (headings, rendered messages, the summary). */
  block(text: string): void {
    this.write(text);
  }

  setStatus(text: string): void {
    this.status = text;
    if (tty) process.stdout.write(`\r\x1b[K${dim(this.elapsed())}  ${text}`);
  }

  clearStatus(): void {
    if (tty && this.status) process.stdout.write('\r\x1b[K');
    this.status = '';
  }

  private write(text: string): void {
    if (tty && this.status) process.stdout.write('\r\x1b[K');
    process.stdout.write(`${text}\n`);
    if (tty && this.status) process.stdout.write(`${dim(this.elapsed())}  ${this.status}`);
  }
}
