import type { EmulatorDirectory } from './directory';
import type { EmuApp, EmuMember } from './model';

/** What one token may see: an app its visible range, the contact-sync assistant everything. */
export class Visibility {
  private cache: { version: number; key: string; departments: Set<number> } | null = null;

  constructor(private readonly directory: EmulatorDirectory) {}

  departments(app: EmuApp | null): Set<number> | 'all' {
    if (!app) return 'all';
    const key = app.visibleDepartments.join(',');
    if (this.cache?.version !== this.directory.version || this.cache.key !== key) {
      const set = new Set<number>();
      for (const root of app.visibleDepartments) for (const d of this.directory.subtree(root)) set.add(d.id);
      this.cache = { version: this.directory.version, key, departments: set };
    }
    return this.cache.departments;
  }

  departmentVisible(app: EmuApp | null, id: number): boolean {
    const visible = this.departments(app);
    return visible === 'all' || visible.has(id);
  }

  memberVisible(app: EmuApp | null, m: EmuMember): boolean {
    if (!app) return true;
    const visible = this.departments(app);
    return visible === 'all' || m.department.some((d) => visible.has(d)) || app.visibleUsers.some((u) => u.toLowerCase() === m.userid.toLowerCase());
  }
}
