import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { directoryFromFixture, generateDirectory, type DirectoryFixture, type EmulatorDirectory } from '../emulator';

/**
 * The emulated company, kept in a JSON file between runs: the first run generates it, later runs load it, and every
 * change made through the emulator's admin API is written back, so the start-up sync does not undo last run's edits.
 */
export class DirectoryStore {
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly file: string) {}

  /** The saved directory, or a generated one (saved at once) when there is none. */
  load(generate: { members: number; departments: number; seed: number }): { directory: EmulatorDirectory; generated: boolean } {
    if (existsSync(this.file)) return { directory: directoryFromFixture(JSON.parse(readFileSync(this.file, 'utf8'))), generated: false };
    const directory = generateDirectory(generate);
    this.write(directory);
    return { directory, generated: true };
  }

  /** Writes the directory back a moment after each change (a burst of edits is one write). */
  follow(directory: EmulatorDirectory): void {
    directory.onChange(() => {
      if (this.timer) return;
      this.timer = setTimeout(() => {
        this.timer = null;
        this.write(directory);
      }, 200);
    });
  }

  /** Writes a pending change now (at shutdown). */
  flush(directory: EmulatorDirectory): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.write(directory);
  }

  private write(directory: EmulatorDirectory): void {
    const temp = `${this.file}.tmp`;
    writeFileSync(temp, JSON.stringify(toFixture(directory), null, 1));
    renameSync(temp, this.file);
  }
}

/** The directory as a fixture: departments parents first (a moved department may have been created before its parent). */
export function toFixture(directory: EmulatorDirectory): DirectoryFixture {
  const departments = directory.allDepartments();
  const ids = new Set(departments.map((d) => d.id));
  const children = new Map<number, typeof departments>();
  for (const d of departments) {
    const parent = ids.has(d.parentid) ? d.parentid : 0;
    children.set(parent, [...(children.get(parent) ?? []), d]);
  }
  const ordered: typeof departments = [];
  const queue = [...(children.get(0) ?? [])];
  while (queue.length) {
    const d = queue.shift()!;
    ordered.push(d);
    queue.push(...(children.get(d.id) ?? []));
  }
  return {
    corpName: directory.corpName,
    departments: ordered.map(({ id, name, name_en, parentid, order }) => ({ id, name, ...(name_en ? { name_en } : {}), parentid, order })),
    members: [...directory.allMembers()].map(({ avatar: _avatar, ...m }) => m),
  };
}
