/** Splits a child process's text output into lines as chunks arrive. */
export interface LineSplitter {
  /** Feeds a chunk; `onLine` runs for every line it completes. */
  push: (chunk: string) => void;
  /** What arrived after the last newline (shown when a process fails mid-line). */
  rest: () => string;
}

export function lineSplitter(onLine: (line: string) => void): LineSplitter {
  let pending = '';
  return {
    // Arrow functions: `push` is handed to stream.on('data') unbound.
    push: (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    },
    rest: () => pending,
  };
}
