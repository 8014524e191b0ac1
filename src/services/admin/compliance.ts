import { toCsv } from '../../domain/csv.ts';
import {
  complianceStanding,
  describeComplianceReason,
  matchesComplianceFilter,
  type ComplianceFilter,
  type ComplianceReason,
  type ComplianceStatus,
} from '../../domain/two-factor-compliance.ts';
import type { TotpFactor } from '../../factors/totp/totp-factor.ts';
import type { Store } from '../../store/index.ts';
import type { User } from '../../store/repos/users.repo.ts';
import { loadAccessProfile } from '../access-profile.ts';

/** One user in the 2FA compliance report. */
export interface ComplianceRow {
  id: string;
  email: string;
  name: string;
  disabled: boolean;
  /** Must use 2FA: an enforcing role, or admin (when admins need 2FA). */
  required: boolean;
  reasons: ComplianceReason[];
  hasTwoFactor: boolean;
  /** When their authenticator was turned on; null without one. */
  twoFactorSince: Date | null;
  status: ComplianceStatus;
  /** End of the grace period (in the past when it ran out); null when there is none (yet). */
  deadline: Date | null;
  graceStartsAtNextSignIn: boolean;
  /** Codes refused for now: stopped for good (until an admin unlocks) or delayed. */
  locked: boolean;
  lock: { hardStop: boolean; lockedUntil: Date | null; failures: number };
}

/** How many users of the report (before the status filter) are in each state. */
export type ComplianceCounts = Record<ComplianceStatus | 'required' | 'locked' | 'total', number>;

/** Which users the report covers. */
export interface ComplianceQuery {
  status?: ComplianceFilter | undefined;
  /** Part of an email or name (case-insensitive). */
  q?: string | undefined;
}

/** The report: the matching rows, sorted by email, and the counts of every state. */
export interface ComplianceReport {
  items: ComplianceRow[];
  counts: ComplianceCounts;
}

/** A CSV file ready to download. */
export interface CsvFile {
  filename: string;
  content: string;
}

/** Users read per page of the user list while building the report. */
const BATCH = 200;

const CSV_HEADER = [
  'email',
  'name',
  'disabled',
  'status',
  'required',
  'reasons',
  'has_2fa',
  '2fa_since',
  'grace_until',
  'grace_starts_at_next_sign_in',
  'locked',
  'lock_hard_stop',
  'locked_until',
  'failed_codes',
  'id',
];

const iso = (date: Date | null) => date?.toISOString() ?? null;

function csvRecord(row: ComplianceRow) {
  return [
    row.email,
    row.name,
    row.disabled,
    row.status,
    row.required,
    row.reasons.map(describeComplianceReason).join('; '),
    row.hasTwoFactor,
    iso(row.twoFactorSince),
    iso(row.deadline),
    row.graceStartsAtNextSignIn,
    row.locked,
    row.lock.hardStop,
    iso(row.lock.lockedUntil),
    row.lock.failures,
    row.id,
  ];
}

function countsOf(rows: readonly ComplianceRow[]): ComplianceCounts {
  const count = (test: (row: ComplianceRow) => boolean) => rows.filter(test).length;
  return {
    total: rows.length,
    enrolled: count((r) => r.status === 'enrolled'),
    in_grace: count((r) => r.status === 'in_grace'),
    overdue: count((r) => r.status === 'overdue'),
    not_required: count((r) => r.status === 'not_required'),
    required: count((r) => r.required),
    locked: count((r) => r.locked),
  };
}

/**
 * The 2FA compliance report for admins: who must use 2FA and why (role, group, admin), who has
 * it, who is in a grace period and until when, who is overdue, and who is locked out by wrong
 * codes. Reads stay cheap: roles and groups come from the in-process catalog cache, and each
 * user costs two `_id` reads (their authenticator and their code counter) besides the user list.
 */
export function complianceReport(deps: {
  store: Store;
  totp: TotpFactor;
  adminsNeedTwoFactor: boolean;
}) {
  const { store, totp, adminsNeedTwoFactor } = deps;

  async function rowOf(user: User, now: Date): Promise<ComplianceRow> {
    const [profile, status, lock] = await Promise.all([
      loadAccessProfile(store, user),
      totp.status(user.id),
      totp.lockOf(user.id),
    ]);
    const standing = complianceStanding(
      {
        hasTwoFactor: status !== null,
        roleReasons: profile.enforcement.reasons,
        graceDays: profile.enforcement.graceDays,
        owedSince: user.twoFactorOwedSince,
        adminNeedsTwoFactor: adminsNeedTwoFactor && profile.isAdmin,
      },
      now,
    );
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      disabled: user.disabled,
      ...standing,
      hasTwoFactor: status !== null,
      twoFactorSince: status?.enabledAt ?? null,
      locked: lock.hardStop || lock.lockedUntil !== null,
      lock: { hardStop: lock.hardStop, lockedUntil: lock.lockedUntil, failures: lock.failures },
    };
  }

  /**
   * Every user matching the search, once each (a user created meanwhile may shift the pages),
   * sorted by email, read a batch at a time.
   */
  async function rowsMatching(search: string | undefined, now: Date): Promise<ComplianceRow[]> {
    const rows = new Map<string, ComplianceRow>();
    for (let page = 1; ; page++) {
      const { items } = await store.users.list({
        ...(search ? { search } : {}),
        page,
        pageSize: BATCH,
      });
      for (const row of await Promise.all(items.map((user) => rowOf(user, now)))) {
        rows.set(row.id, row);
      }
      if (items.length < BATCH) break;
    }
    return [...rows.values()].sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  }

  async function report(query: ComplianceQuery, now = new Date()): Promise<ComplianceReport> {
    const all = await rowsMatching(query.q, now);
    const { status } = query;
    return {
      items: status ? all.filter((row) => matchesComplianceFilter(row, status)) : all,
      counts: countsOf(all),
    };
  }

  return {
    /**
     * One row per user matching `q`, sorted by email, narrowed to `status`; the counts cover
     * every user matching `q` whatever the status filter, so they can be shown as a summary.
     */
    report,

    /** The same rows as a CSV file named after today's date (UTC). */
    async csv(query: ComplianceQuery, now = new Date()): Promise<CsvFile> {
      const { items } = await report(query, now);
      return {
        filename: `twofold-2fa-compliance-${now.toISOString().slice(0, 10)}.csv`,
        content: toCsv(CSV_HEADER, items.map(csvRecord)),
      };
    },
  };
}

export type ComplianceReportService = ReturnType<typeof complianceReport>;
