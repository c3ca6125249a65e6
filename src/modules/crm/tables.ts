/** CRM tables: leads, cases and case notes (see src/db/schema.ts for the conventions). */
export type LeadStatus = 'new' | 'accepted' | 'rejected' | 'converted';
export type LeadSource = 'website' | 'referral' | 'trade_show' | 'cold_call' | 'social_media' | 'partner' | 'other';
export type CaseStatus = 'new' | 'in_progress' | 'pending_customer' | 'resolved' | 'closed';
export type CasePriority = 'low' | 'medium' | 'high' | 'urgent';

export interface LeadsTable {
  id: string;
  first_name: string | null;
  last_name: string | null;
  email: string;
  email_normalized: string;
  phone: string | null;
  company: string | null;
  title: string | null;
  source: LeadSource;
  status: LeadStatus;
  owner: string | null;
  description: string | null;
  address: string | null; // JSON
  do_not_call: number; // 0/1
  email_opt_out: number; // 0/1
  rejection_reason: string | null;
  converted_customer_id: string | null;
  converted_at: string | null;
  metadata: string;
  search_text: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface CasesTable {
  id: string;
  case_number: string;
  subject: string;
  description: string | null;
  customer_id: string | null;
  order_id: string | null;
  return_id: string | null;
  status: CaseStatus;
  priority: CasePriority;
  assignee: string | null;
  submitter: string | null;
  resolver: string | null;
  resolution: string | null;
  escalation_level: number;
  metadata: string;
  search_text: string;
  resolved_at: string | null;
  closed_at: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface CaseNotesTable {
  id: string;
  case_id: string;
  body: string;
  author: string | null;
  created_at: string;
}

export interface CrmTables {
  leads: LeadsTable;
  cases: CasesTable;
  case_notes: CaseNotesTable;
}
