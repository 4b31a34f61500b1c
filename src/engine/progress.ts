// Progress of `up` on stderr. On a terminal: one status line per service, redrawn in place
// below the engine's own output. Otherwise (CI logs, pipes): a plain line each time a
// service's state changes, never a control sequence. Both keep the engine's lines whole:
// engine output is passed through a line at a time, so it never lands inside a status line.
import { describe, type TunnelState } from './readiness.js';

export interface Progress {
  /** Output from the engine, as it comes (partial lines are held until their newline). */
  engine(chunk: string): void;
  /** The current state of every tunnel, in display order. */
  update(states: ReadonlyMap<string, TunnelState>, elapsedMs: number): void;
  /** Flushes held engine output; a terminal board is left as last drawn. */
  close(): void;
}

export function createProgress(write: (s: string) => void, tty: boolean): Progress {
  return tty ? new Board(write) : new Plain(write);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

class Lines {
  private held = '';
  constructor(private readonly emit: (line: string) => void) {}
  push(chunk: string): void {
    const text = this.held + chunk;
    const cut = text.lastIndexOf('\n');
    if (cut < 0) {
      this.held = text;
      return;
    }
    this.held = text.slice(cut + 1);
    this.emit(text.slice(0, cut + 1));
  }
  flush(): void {
    if (this.held) this.emit(`${this.held}\n`);
    this.held = '';
  }
}

class Plain implements Progress {
  private readonly last = new Map<string, string>();
  private readonly lines: Lines;
  constructor(private readonly write: (s: string) => void) {
    this.lines = new Lines(write);
  }
  engine(chunk: string): void {
    this.lines.push(chunk);
  }
  update(states: ReadonlyMap<string, TunnelState>, elapsedMs: number): void {
    for (const [name, s] of states) {
      const text = describe(s);
      if (this.last.get(name) === text) continue;
      this.last.set(name, text);
      // "waiting" is the state before anything happened: not news.
      if (s.kind === 'waiting') continue;
      this.write(`wg-compose: ${name}: ${text} (${seconds(elapsedMs)})\n`);
    }
  }
  close(): void {
    this.lines.flush();
  }
}

const ESC = '\u001b[';

class Board implements Progress {
  private drawn = 0;
  private current: string[] = [];
  private readonly lines: Lines;
  constructor(private readonly write: (s: string) => void) {
    // Engine output goes above the board: erase it, print, draw it again below.
    this.lines = new Lines((text) => {
      this.write(this.erase() + text);
      this.draw();
    });
  }
  engine(chunk: string): void {
    this.lines.push(chunk);
  }
  update(states: ReadonlyMap<string, TunnelState>, elapsedMs: number): void {
    const width = Math.max(0, ...[...states.keys()].map((n) => n.length));
    this.current = [...states].map(([name, s]) => `${s.kind === 'ready' ? '✔' : '…'} ${name.padEnd(width)}  ${describe(s)}`);
    this.current.push(`  tunnels: ${[...states.values()].filter((s) => s.kind === 'ready').length}/${states.size} ready (${seconds(elapsedMs)})`);
    this.write(this.erase());
    this.draw();
  }
  close(): void {
    this.lines.flush();
  }
  private erase(): string {
    if (this.drawn === 0) return '';
    const n = this.drawn;
    this.drawn = 0;
    return `${ESC}${n}A\r${ESC}J`;
  }
  private draw(): void {
    if (this.current.length === 0) return;
    this.write(`${this.current.map((l) => `${ESC}2K${l}`).join('\n')}\n`);
    this.drawn = this.current.length;
  }
}
