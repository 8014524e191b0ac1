/** Progress lines of the bench, on stderr (the report goes to stdout). */
let muted = false;

export const log = (message: string): void => {
  if (!muted)
    process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
};

/** After an interrupt: what is still running is being torn down; its complaints are noise. */
export const mute = (): void => {
  muted = true;
};
