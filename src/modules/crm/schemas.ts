import { z } from 'zod';
import { AddressOutSchema, AddressSchema, E164Schema, MetadataSchema } from '../../platform/schemas.js';
import { CASE_STATUSES, LEAD_STATUSES } from './transitions.js';

export const LEAD_SOURCES = [
  'website',
  'referral',
  'trade_show',
  'cold_call',
  'social_media',
  'partner',
  'other',
] as const;
export const CASE_PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;

/** StateSet's camelCase lead fields, accepted on input (see applyAliases). */
export const LEAD_ALIASES = {
  firstName: 'first_name',
  lastName: 'last_name',
  leadSource: 'source',
  leadOwner: 'owner',
  companyName: 'company',
  jobTitle: 'title',
  phoneNumber: 'phone',
  doNotCall: 'do_not_call',
  emailOptOut: 'email_opt_out',
};

/** StateSet's case fields: caseName is the subject, caseStatus the status. */
export const CASE_ALIASES = { caseName: 'subject', caseStatus: 'status' };

const Name = z.string().max(100).nullish();
const leadFields = {
  first_name: Name,
  last_name: Name,
  phone: E164Schema.nullish(),
  company: z.string().max(200).nullish(),
  title: z.string().max(200).nullish(),
  source: z.enum(LEAD_SOURCES).optional(),
  owner: z.string().max(200).nullish().describe('Who works the lead (a person or team name)'),
  description: z.string().max(5000).nullish(),
  address: AddressSchema.nullish(),
  do_not_call: z.boolean().optional(),
  email_opt_out: z.boolean().optional(),
  metadata: MetadataSchema.optional(),
  firstName: Name.describe('Alias of first_name'),
  lastName: Name.describe('Alias of last_name'),
  leadSource: z.enum(LEAD_SOURCES).optional().describe('Alias of source'),
  leadOwner: z.string().max(200).nullish().describe('Alias of owner'),
  companyName: z.string().max(200).nullish().describe('Alias of company'),
  jobTitle: z.string().max(200).nullish().describe('Alias of title'),
  phoneNumber: E164Schema.nullish().describe('Alias of phone'),
  doNotCall: z.boolean().optional().describe('Alias of do_not_call'),
  emailOptOut: z.boolean().optional().describe('Alias of email_opt_out'),
};

export const CreateLeadBody = z.strictObject({
  email: z.email().max(254).describe('Unique among leads (case-insensitive): a second lead with it is a 409'),
  ...leadFields,
});
export const UpdateLeadBody = z.strictObject({ email: z.email().max(254).optional(), ...leadFields });
export type CreateLeadInput = z.output<typeof CreateLeadBody>;
export type UpdateLeadInput = z.output<typeof UpdateLeadBody>;

export const RejectLeadBody = z.strictObject({ reason: z.string().trim().min(1).max(500) });
export const LeadSchema = z
  .object({
    id: z.string(),
    object: z.literal('lead'),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    email: z.string(),
    phone: z.string().nullable(),
    company: z.string().nullable(),
    title: z.string().nullable(),
    source: z.enum(LEAD_SOURCES),
    status: z.enum(LEAD_STATUSES),
    owner: z.string().nullable(),
    description: z.string().nullable(),
    address: AddressOutSchema.nullable(),
    do_not_call: z.boolean(),
    email_opt_out: z.boolean(),
    rejection_reason: z.string().nullable(),
    converted_customer_id: z.string().nullable(),
    converted_at: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Lead' });
export type Lead = z.output<typeof LeadSchema>;

const Person = z.string().max(200).nullish();
const LinkId = z.string().min(1).max(100).nullish();
const caseFields = {
  description: z.string().max(10000).nullish(),
  customer_id: LinkId.describe(
    'The customer (404 naming customer_id when missing); taken from the order or return when not given',
  ),
  order_id: LinkId.describe('An order id or number (404 naming order_id when missing)'),
  return_id: LinkId.describe('A return id or RMA number (404 naming return_id when missing)'),
  priority: z.enum(CASE_PRIORITIES).optional(),
  assignee: Person,
  submitter: Person.describe('Who reported it'),
  metadata: MetadataSchema.optional(),
  caseName: z.string().trim().min(1).max(300).optional().describe('Alias of subject'),
};

export const CreateCaseBody = z.strictObject({
  subject: z.string().trim().min(1).max(300).optional().describe('Required (or caseName)'),
  status: z.enum(['new', 'in_progress', 'pending_customer']).optional().describe('Initial status, default new'),
  caseStatus: z.enum(['new', 'in_progress', 'pending_customer']).optional().describe('Alias of status'),
  ...caseFields,
});
export const UpdateCaseBody = z.strictObject({
  subject: z.string().trim().min(1).max(300).optional(),
  status: z
    .enum(['in_progress', 'pending_customer'])
    .optional()
    .describe('Moves an open case between in_progress and pending_customer; resolve, close and reopen are actions'),
  caseStatus: z.enum(['in_progress', 'pending_customer']).optional().describe('Alias of status'),
  resolver: Person,
  ...caseFields,
});
export type CreateCaseInput = z.output<typeof CreateCaseBody>;
export type UpdateCaseInput = z.output<typeof UpdateCaseBody>;

export const AssignCaseBody = z.strictObject({ assignee: z.string().trim().min(1).max(200) });
export const EscalateCaseBody = z
  .strictObject({
    priority: z
      .enum(CASE_PRIORITIES)
      .optional()
      .describe('The new priority, not lower than the current one; default: one step up'),
  })
  .nullish();
export const ResolveCaseBody = z.strictObject({
  resolution: z.string().trim().min(1).max(5000),
  resolver: Person.describe('Who resolved it'),
});
export const AddCaseNoteBody = z.strictObject({
  body: z.string().trim().min(1).max(10000),
  author: Person,
});

export const CaseNoteSchema = z
  .object({
    id: z.string(),
    object: z.literal('case_note'),
    case_id: z.string(),
    body: z.string(),
    author: z.string().nullable(),
    created_at: z.string(),
  })
  .meta({ id: 'CaseNote' });
export type CaseNote = z.output<typeof CaseNoteSchema>;

export const CaseSchema = z
  .object({
    id: z.string(),
    object: z.literal('case'),
    case_number: z.string(),
    subject: z.string(),
    description: z.string().nullable(),
    customer_id: z.string().nullable(),
    order_id: z.string().nullable(),
    return_id: z.string().nullable(),
    status: z.enum(CASE_STATUSES),
    priority: z.enum(CASE_PRIORITIES),
    assignee: z.string().nullable(),
    submitter: z.string().nullable(),
    resolver: z.string().nullable(),
    resolution: z.string().nullable(),
    escalation_level: z.number().int().describe('How many times the case was escalated'),
    notes: z.array(CaseNoteSchema).describe('Its notes, oldest first (also GET /v1/cases/:id/notes)'),
    metadata: z.record(z.string(), z.unknown()),
    resolved_at: z.string().nullable(),
    closed_at: z.string().nullable(),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Case' });
export type Case = z.output<typeof CaseSchema>;
