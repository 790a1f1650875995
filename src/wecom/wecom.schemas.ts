import { z } from 'zod';

/**
 * WeCom response shapes, validated on arrival. Fields the 2022 restrictions may remove are
 * optional; unknown fields are dropped. Types are exported from here only.
 */
const num = z.number().int();

export const tokenResponse = z.object({ access_token: z.string().min(1), expires_in: num.positive() });

/** auth/getuserinfo; the legacy user/getuserinfo spelled the member id `UserId`. */
export const userInfoResponse = z.object({
  userid: z.string().optional(),
  UserId: z.string().optional(),
  user_ticket: z.string().optional(),
  openid: z.string().optional(),
  OpenId: z.string().optional(),
  external_userid: z.string().optional(),
});

export const userDetailResponse = z.object({
  userid: z.string(),
  gender: z.string().optional(),
  avatar: z.string().optional(),
  qr_code: z.string().optional(),
  mobile: z.string().optional(),
  email: z.string().optional(),
  biz_mail: z.string().optional(),
  address: z.string().optional(),
});

export const wecomUser = z.object({
  userid: z.string().min(1),
  name: z.string().optional(),
  department: z.array(num).default([]),
  order: z.array(num).optional(),
  position: z.string().optional(),
  mobile: z.string().optional(),
  gender: z.string().optional(),
  email: z.string().optional(),
  biz_mail: z.string().optional(),
  is_leader_in_dept: z.array(num).optional(),
  direct_leader: z.array(z.string()).optional(),
  avatar: z.string().optional(),
  telephone: z.string().optional(),
  alias: z.string().optional(),
  status: num.optional(),
  main_department: num.optional(),
  open_userid: z.string().optional(),
});

export const userListResponse = z.object({ userlist: z.array(wecomUser) });

export const listIdResponse = z.object({
  next_cursor: z.string().optional(),
  dept_user: z.array(z.object({ userid: z.string().min(1), department: num })).default([]),
});

export const departmentRef = z.object({ id: num, parentid: num, order: num.default(0) });
export const departmentSimpleListResponse = z.object({ department_id: z.array(departmentRef) });

export const wecomDepartment = departmentRef.extend({
  name: z.string().optional(),
  name_en: z.string().optional(),
  department_leader: z.array(z.string()).optional(),
});
export const departmentListResponse = z.object({ department: z.array(wecomDepartment) });

export type WecomUser = z.infer<typeof wecomUser>;
export type WecomDepartmentRef = z.infer<typeof departmentRef>;
export type WecomDepartment = z.infer<typeof wecomDepartment>;
export type WecomUserDetail = z.infer<typeof userDetailResponse>;

export interface WecomUserInfo {
  /** The member's userid; null for a non-member (openid only). */
  userid: string | null;
  /** Only for in-client snsapi_privateinfo logins of members in the visible range. */
  userTicket: string | null;
  openid: string | null;
}

export interface UserIdPage {
  rows: Array<{ userid: string; department: number }>;
  /** null at the end (WeCom sends an empty or missing next_cursor). */
  nextCursor: string | null;
}
