import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { EmulatorDirectory } from './directory';

/**
 * A hand-made directory. Departments must list parents before children; member fields are
 * WeCom's (`department`, `main_department`, `is_leader_in_dept`…), only userid, name and
 * department are required.
 */
export const directoryFixture = z.object({
  corpName: z.string().default('测试公司'),
  departments: z
    .array(
      z.object({
        id: z.number().int().positive(),
        name: z.string().min(1),
        name_en: z.string().optional(),
        parentid: z.number().int().min(0),
        order: z.number().int().optional(),
      }),
    )
    .min(1),
  members: z.array(
    z.object({
      userid: z.string().min(1),
      name: z.string().min(1),
      department: z.array(z.number().int()).min(1),
      order: z.array(z.number().int()).optional(),
      is_leader_in_dept: z.array(z.number().int().min(0).max(1)).optional(),
      main_department: z.number().int().optional(),
      position: z.string().optional(),
      mobile: z.string().optional(),
      gender: z.enum(['0', '1', '2']).optional(),
      email: z.string().optional(),
      biz_mail: z.string().optional(),
      telephone: z.string().optional(),
      alias: z.string().optional(),
      address: z.string().optional(),
      direct_leader: z.array(z.string()).optional(),
      status: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(5)]).optional(),
    }),
  ),
});

export type DirectoryFixture = z.input<typeof directoryFixture>;

export function directoryFromFixture(input: unknown): EmulatorDirectory {
  const parsed = directoryFixture.safeParse(input);
  if (!parsed.success) {
    throw new Error(`invalid directory fixture: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const f = parsed.data;
  const dir = new EmulatorDirectory(f.corpName);
  for (const d of f.departments) dir.addDepartment(d, { silent: true });
  for (const m of f.members) dir.addMember(m, { silent: true });
  return dir;
}

export function directoryFromFile(path: string): EmulatorDirectory {
  return directoryFromFixture(JSON.parse(readFileSync(path, 'utf8')));
}
