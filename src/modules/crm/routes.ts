import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DB } from '../../db/connection.js';
import type { RequestContext } from '../../platform/context.js';
import { contextOf, DeletedSchema, errorResponses, expectedVersion, IdParams } from '../../platform/http.js';
import { listEnvelopeSchema, listQuerySchema } from '../../platform/list.js';
import { includeInTimeline, registerTimelineRoute } from '../events/index.js';
import {
  addCaseNote,
  assignCase,
  caseListSpec,
  caseNoteListSpec,
  closeCase,
  createCase,
  deleteCase,
  escalateCase,
  getCase,
  listCaseNotes,
  listCases,
  reopenCase,
  resolveCase,
  updateCase,
} from './cases.js';
import {
  acceptLead,
  convertLead,
  createLead,
  deleteLead,
  getLead,
  leadListSpec,
  listLeads,
  rejectLead,
  updateLead,
} from './leads.js';
import {
  AddCaseNoteBody,
  AssignCaseBody,
  CaseNoteSchema,
  CaseSchema,
  CreateCaseBody,
  CreateLeadBody,
  EscalateCaseBody,
  LeadSchema,
  RejectLeadBody,
  ResolveCaseBody,
  UpdateCaseBody,
  UpdateLeadBody,
  type Case,
  type Lead,
} from './schemas.js';

const IF_MATCH = 'With If-Match: <version>, a stale version is a 412.';
const LEAD_MACHINE =
  'Status machine: new -> accepted | rejected; convert (once) from new or accepted; a refused transition is 409 invalid_transition naming the status.';
const CASE_MACHINE =
  'Status machine: new -> in_progress -> pending_customer -> resolved -> closed; reopen from resolved or closed to in_progress; a refused transition is 409 invalid_transition naming the status.';

export async function leadRoutes(app: FastifyInstance, { db }: { db: DB }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['Leads'];
  const read = { scope: 'leads:read' };
  const write = { scope: 'leads:write' };
  const ALIASES =
    "StateSet's camelCase names are accepted: firstName, lastName, leadSource, leadOwner, companyName, jobTitle, phoneNumber, doNotCall, emailOptOut.";

  r.post(
    '/v1/leads',
    {
      config: write,
      schema: {
        tags,
        summary: 'Create a lead',
        description: `Starts as new. An email another lead has is a 409 already_exists. ${ALIASES}`,
        body: CreateLeadBody,
        response: { 201: LeadSchema, ...errorResponses(409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createLead(db, contextOf(req), req.body)),
  );
  r.get(
    '/v1/leads',
    {
      config: read,
      schema: {
        tags,
        summary: 'List leads',
        querystring: listQuerySchema(leadListSpec),
        response: { 200: listEnvelopeSchema(LeadSchema), ...errorResponses() },
      },
    },
    async (req) => listLeads(db, req.query),
  );
  r.get(
    '/v1/leads/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'Retrieve a lead',
        params: IdParams,
        response: { 200: LeadSchema, ...errorResponses(404) },
      },
    },
    async (req) => getLead(db, req.params.id),
  );
  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/leads/:id',
      config: write,
      schema: {
        tags,
        summary: `Update a lead${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description: `Not once converted. ${ALIASES} ${IF_MATCH}`,
        params: IdParams,
        body: UpdateLeadBody,
        response: { 200: LeadSchema, ...errorResponses(404, 409, 412) },
      },
      handler: async (req) => updateLead(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
    });
  }
  r.delete(
    '/v1/leads/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Delete a lead',
        description: `A converted lead's customer stays. ${IF_MATCH}`,
        params: IdParams,
        response: { 200: DeletedSchema, ...errorResponses(404, 412) },
      },
    },
    async (req) => deleteLead(db, contextOf(req), req.params.id, expectedVersion(req)),
  );
  const action = <B extends z.ZodType>(
    name: string,
    summary: string,
    description: string,
    body: B | undefined,
    run: (id: string, body: z.output<B>, expected: number | undefined, ctx: RequestContext) => Promise<Lead>,
  ) =>
    r.post(
      `/v1/leads/:id/${name}`,
      {
        config: write,
        schema: {
          tags,
          summary,
          description: `${description} ${LEAD_MACHINE} ${IF_MATCH}`,
          params: IdParams,
          ...(body ? { body } : {}),
          response: { 200: LeadSchema, ...errorResponses(404, 409, 412) },
        },
      },
      async (req) => run(req.params.id, req.body as z.output<B>, expectedVersion(req), contextOf(req)),
    );
  action('accept', 'Accept a lead', 'new -> accepted.', undefined, (id, _b, v, ctx) => acceptLead(db, ctx, id, v));
  action(
    'reject',
    'Reject a lead',
    'new or accepted -> rejected, with the reason.',
    RejectLeadBody,
    (id, body, v, ctx) => rejectLead(db, ctx, id, body.reason, v),
  );
  action(
    'convert',
    'Convert a lead into a customer',
    "Links the customer with the lead's email, or creates one from the lead (name, phone, company, address); converted_customer_id names it. Once: a second convert, even at the same moment, is a 409 invalid_transition (converted).",
    undefined,
    (id, _b, v, ctx) => convertLead(db, ctx, id, v),
  );
  registerTimelineRoute(app, db, {
    resource: 'leads',
    tag: 'Leads',
    objectName: 'lead',
    load: (id) => getLead(db, id),
  });
}

export async function caseRoutes(app: FastifyInstance, { db }: { db: DB }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['Cases'];
  const read = { scope: 'cases:read' };
  const write = { scope: 'cases:write' };
  const BY_NUMBER = 'The case is named by id or number (CASE-000001).';
  const LINKS =
    "customer_id, order_id (id or ORD number) and return_id (id or RMA) are checked: a missing one is a 404 naming the field; an order or return of another customer is a 400. Without customer_id, the customer is the return's or order's.";
  const ALIASES =
    "StateSet's caseName (subject) and caseStatus (status) are accepted; submitter and resolver are fields.";

  // A customer's timeline (GET /v1/customers/:id/events) shows the events of its cases.
  includeInTimeline('customer', { objectType: 'case', table: 'cases', column: 'customer_id' });

  r.post(
    '/v1/cases',
    {
      config: write,
      schema: {
        tags,
        summary: 'Create a case',
        description: `subject (or caseName) is required; priority defaults to medium, status to new. ${LINKS} ${ALIASES}`,
        body: CreateCaseBody,
        response: { 201: CaseSchema, ...errorResponses(404) },
      },
    },
    async (req, reply) => reply.code(201).send(await createCase(db, contextOf(req), req.body)),
  );
  r.get(
    '/v1/cases',
    {
      config: read,
      schema: {
        tags,
        summary: 'List cases',
        querystring: listQuerySchema(caseListSpec),
        response: { 200: listEnvelopeSchema(CaseSchema), ...errorResponses() },
      },
    },
    async (req) => listCases(db, req.query),
  );
  r.get(
    '/v1/cases/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'Retrieve a case',
        description: BY_NUMBER,
        params: IdParams,
        response: { 200: CaseSchema, ...errorResponses(404) },
      },
    },
    async (req) => getCase(db, req.params.id),
  );
  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/cases/:id',
      config: write,
      schema: {
        tags,
        summary: `Update a case${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description: `Not once closed (reopen it). status (or caseStatus) moves an open case between in_progress and pending_customer. ${LINKS} ${ALIASES} ${BY_NUMBER} ${IF_MATCH}`,
        params: IdParams,
        body: UpdateCaseBody,
        response: { 200: CaseSchema, ...errorResponses(404, 409, 412) },
      },
      handler: async (req) => updateCase(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
    });
  }
  r.delete(
    '/v1/cases/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Delete a case',
        description: `Deletes it and its notes. ${BY_NUMBER} ${IF_MATCH}`,
        params: IdParams,
        response: { 200: DeletedSchema, ...errorResponses(404, 412) },
      },
    },
    async (req) => deleteCase(db, contextOf(req), req.params.id, expectedVersion(req)),
  );
  const action = <B extends z.ZodType>(
    name: string,
    summary: string,
    description: string,
    body: B | undefined,
    run: (id: string, body: z.output<B>, expected: number | undefined, ctx: RequestContext) => Promise<Case>,
  ) =>
    r.post(
      `/v1/cases/:id/${name}`,
      {
        config: write,
        schema: {
          tags,
          summary,
          description: `${description} ${BY_NUMBER} ${CASE_MACHINE} ${IF_MATCH}`,
          params: IdParams,
          ...(body ? { body } : {}),
          response: { 200: CaseSchema, ...errorResponses(404, 409, 412) },
        },
      },
      async (req) => run(req.params.id, req.body as z.output<B>, expectedVersion(req), contextOf(req)),
    );
  action(
    'assign',
    'Assign a case',
    'Sets the assignee; an open case goes to in_progress.',
    AssignCaseBody,
    (id, body, v, ctx) => assignCase(db, ctx, id, body.assignee, v),
  );
  action(
    'escalate',
    'Escalate a case',
    'Raises escalation_level by one and the priority to the one given (never lower; 400 otherwise), or one step up (low, medium, high, urgent). Open cases only.',
    EscalateCaseBody,
    (id, body, v, ctx) => escalateCase(db, ctx, id, body?.priority, v),
  );
  action(
    'resolve',
    'Resolve a case',
    'An open case -> resolved, with the resolution (and resolver).',
    ResolveCaseBody,
    (id, body, v, ctx) => resolveCase(db, ctx, id, body, v),
  );
  action('close', 'Close a case', 'resolved -> closed.', undefined, (id, _b, v, ctx) => closeCase(db, ctx, id, v));
  action('reopen', 'Reopen a case', 'resolved or closed -> in_progress.', undefined, (id, _b, v, ctx) =>
    reopenCase(db, ctx, id, v),
  );

  r.post(
    '/v1/cases/:id/notes',
    {
      config: write,
      schema: {
        tags,
        summary: 'Add a note to a case',
        description: `Not to a closed case (409 invalid_transition: reopen it first). Records case.note_added. ${BY_NUMBER}`,
        params: IdParams,
        body: AddCaseNoteBody,
        response: { 201: CaseNoteSchema, ...errorResponses(404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await addCaseNote(db, contextOf(req), req.params.id, req.body)),
  );
  r.get(
    '/v1/cases/:id/notes',
    {
      config: read,
      schema: {
        tags,
        summary: "List a case's notes",
        description: `Newest first by default (sort=created_at for oldest first). ${BY_NUMBER}`,
        params: IdParams,
        querystring: listQuerySchema(caseNoteListSpec),
        response: { 200: listEnvelopeSchema(CaseNoteSchema), ...errorResponses(404) },
      },
    },
    async (req) => listCaseNotes(db, req.params.id, req.query),
  );
  registerTimelineRoute(app, db, {
    resource: 'cases',
    tag: 'Cases',
    objectName: 'case',
    load: (id) => getCase(db, id),
  });
}
