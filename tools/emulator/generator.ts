import { EmulatorDirectory, MAX_DEPARTMENT_DEPTH } from './directory';
import type { EmuMemberStatus } from './model';

export interface GeneratorOptions {
  corpName?: string;
  members: number;
  departments: number;
  seed: number;
  /** Deepest level (root = 1), at most 15. */
  maxDepth?: number;
}

/** mulberry32: tiny, fast, and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SURNAMES: Array<[string, string]> = [
  ['王', 'wang'],
  ['李', 'li'],
  ['张', 'zhang'],
  ['刘', 'liu'],
  ['陈', 'chen'],
  ['杨', 'yang'],
  ['黄', 'huang'],
  ['赵', 'zhao'],
  ['吴', 'wu'],
  ['周', 'zhou'],
  ['徐', 'xu'],
  ['孙', 'sun'],
  ['马', 'ma'],
  ['朱', 'zhu'],
  ['胡', 'hu'],
  ['郭', 'guo'],
  ['何', 'he'],
  ['高', 'gao'],
  ['林', 'lin'],
  ['罗', 'luo'],
  ['郑', 'zheng'],
  ['梁', 'liang'],
  ['谢', 'xie'],
  ['宋', 'song'],
  ['唐', 'tang'],
  ['许', 'xu'],
  ['韩', 'han'],
  ['冯', 'feng'],
  ['邓', 'deng'],
  ['曹', 'cao'],
  ['彭', 'peng'],
  ['曾', 'zeng'],
  ['欧阳', 'ouyang'],
  ['司马', 'sima'],
];
const GIVEN: Array<[string, string]> = [
  ['伟', 'wei'],
  ['芳', 'fang'],
  ['娜', 'na'],
  ['敏', 'min'],
  ['静', 'jing'],
  ['丽', 'li'],
  ['强', 'qiang'],
  ['磊', 'lei'],
  ['军', 'jun'],
  ['洋', 'yang'],
  ['勇', 'yong'],
  ['艳', 'yan'],
  ['杰', 'jie'],
  ['娟', 'juan'],
  ['涛', 'tao'],
  ['明', 'ming'],
  ['超', 'chao'],
  ['秀', 'xiu'],
  ['霞', 'xia'],
  ['平', 'ping'],
  ['刚', 'gang'],
  ['桂', 'gui'],
  ['英', 'ying'],
  ['华', 'hua'],
  ['文', 'wen'],
  ['晨', 'chen'],
  ['雪', 'xue'],
  ['宇', 'yu'],
  ['浩', 'hao'],
  ['婷', 'ting'],
  ['欣', 'xin'],
  ['子', 'zi'],
];
const DEPARTMENT_NAMES = [
  '研发部',
  '产品部',
  '设计部',
  '测试部',
  '运维部',
  '市场部',
  '销售部',
  '客服部',
  '财务部',
  '人力资源部',
  '行政部',
  '法务部',
  '采购部',
  '质量部',
  '供应链部',
  '数据部',
  '安全部',
  '战略部',
  '品牌部',
  '渠道部',
];
const REGIONS = ['华东', '华南', '华北', '西南', '西北', '东北', '华中', '北京', '上海', '深圳', '杭州', '成都'];
const POSITIONS = ['工程师', '高级工程师', '产品经理', '设计师', '销售经理', '会计', '人事专员', '行政助理', '总监', '经理', ''];

/** Mobile prefixes the three Chinese operators issue (China Mobile, Unicom, Telecom), all valid in libphonenumber. */
export const MOBILE_PREFIXES = [
  '134',
  '135',
  '136',
  '137',
  '138',
  '139',
  '147',
  '150',
  '151',
  '152',
  '157',
  '158',
  '159',
  '178',
  '182',
  '183',
  '184',
  '187',
  '188',
  '198',
  '130',
  '131',
  '132',
  '145',
  '155',
  '156',
  '166',
  '175',
  '176',
  '185',
  '186',
  '133',
  '153',
  '173',
  '177',
  '180',
  '181',
  '189',
  '191',
  '199',
];
/**
 * Kept on purpose, one member in ODD_EVERY: prefixes no operator issues to people (140 and 144 are IoT
 * ranges, 160 is unassigned), as real directories hold a few and WeCom returns them all the same.
 */
export const ODD_MOBILE_PREFIXES = ['140', '144', '160'];
export const ODD_EVERY = 200;

/** The four spellings of one mobile seen in real directories. */
export function mobileSpelling(digits: string, variant: number): string {
  switch (variant % 4) {
    case 0:
      return digits;
    case 1:
      return `+86 ${digits}`;
    case 2:
      return `+86${digits}`;
    default:
      return `${digits.slice(0, 3)}-${digits.slice(3, 7)}-${digits.slice(7)}`;
  }
}

/**
 * A deterministic corp: a department tree (root id 1, depth ≤ 15), members in one to three
 * departments with leaders, a main department, statuses 1/2/4/5 in realistic proportions,
 * mobiles of real operator prefixes (and one in ODD_EVERY of a prefix nobody issues) in several
 * spellings, and Chinese names with pinyin userids.
 */
export function generateDirectory(opts: GeneratorOptions): EmulatorDirectory {
  const random = seededRandom(opts.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const maxDepth = Math.min(opts.maxDepth ?? MAX_DEPARTMENT_DEPTH, MAX_DEPARTMENT_DEPTH);
  const dir = new EmulatorDirectory(opts.corpName ?? '示例科技有限公司');

  const departmentCount = Math.max(1, opts.departments);
  dir.addDepartment({ id: 1, name: dir.corpName, parentid: 0, order: 100_000_000 }, { silent: true });
  const depth = new Map<number, number>([[1, 1]]);
  const ids = [1];
  for (let id = 2; id <= departmentCount; id++) {
    // Prefer recent departments as parents so the tree grows deep as well as wide.
    let parent = random() < 0.6 ? ids[ids.length - 1 - Math.floor(random() * Math.min(ids.length, 5))] : pick(ids);
    while (depth.get(parent)! >= maxDepth) parent = dir.department(parent)!.parentid;
    const base = depth.get(parent) === 1 ? pick(REGIONS) + pick(DEPARTMENT_NAMES) : pick(DEPARTMENT_NAMES).replace('部', '') + `${id}组`;
    dir.addDepartment({ id, name: base, parentid: parent, order: Math.floor(random() * 100_000) }, { silent: true });
    depth.set(id, depth.get(parent)! + 1);
    ids.push(id);
  }

  const usedUserids = new Set<string>();
  const led = new Set<number>();
  for (let i = 0; i < opts.members; i++) {
    const [surname, surnamePinyin] = pick(SURNAMES);
    const given = random() < 0.6 ? [pick(GIVEN), pick(GIVEN)] : [pick(GIVEN)];
    let userid = surnamePinyin + given.map(([, p]) => p).join('');
    if (usedUserids.has(userid.toLowerCase())) userid = `${userid}${i}`;
    usedUserids.add(userid.toLowerCase());

    const r = random();
    const count = r < 0.8 ? 1 : r < 0.95 ? 2 : 3;
    const department: number[] = [];
    while (department.length < Math.min(count, ids.length)) {
      const id = ids.length > 1 && random() < 0.97 ? ids[1 + Math.floor(random() * (ids.length - 1))] : 1;
      if (!department.includes(id)) department.push(id);
    }
    const isLeader = department.map((id) => (led.has(id) || random() < 0.7 ? 0 : (led.add(id), 1)));
    const s = random();
    const status: EmuMemberStatus = s < 0.9 ? 1 : s < 0.93 ? 2 : s < 0.98 ? 4 : 5;
    // One draw either way, so the rest of a seed's directory is what it always was.
    const draw = random();
    const prefix =
      i % ODD_EVERY === ODD_EVERY - 1
        ? ODD_MOBILE_PREFIXES[((i / ODD_EVERY) % ODD_MOBILE_PREFIXES.length) | 0]
        : MOBILE_PREFIXES[Math.floor(draw * MOBILE_PREFIXES.length)];
    const mobile = `${prefix}${String(i).padStart(8, '0')}`;
    dir.addMember(
      {
        userid,
        name: surname + given.map(([c]) => c).join(''),
        department,
        order: department.map(() => Math.floor(random() * 1000)),
        is_leader_in_dept: isLeader,
        main_department: department[0],
        position: pick(POSITIONS),
        mobile: mobileSpelling(mobile, Math.floor(random() * 4)),
        gender: random() < 0.5 ? '1' : '2',
        email: random() < 0.7 ? `${userid.toLowerCase()}@example.com` : '',
        status,
      },
      { silent: true },
    );
  }
  return dir;
}
