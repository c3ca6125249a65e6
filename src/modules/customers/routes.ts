import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DB } from '../../db/connection.js';
import { contextOf, DeletedSchema, errorResponses, expectedVersion, IdParams } from '../../platform/http.js';
import { listEnvelopeSchema, listQuerySchema } from '../../platform/list.js';
import { registerTimelineRoute } from '../events/index.js';
import { CreateCustomerBody, CustomerSchema, DeleteCustomerQuery, UpdateCustomerBody } from './schemas.js';
import {
  createCustomer,
  customerListSpec,
  deleteCustomer,
  getCustomer,
  listCustomers,
  updateCustomer,
} from './service.js';

const tags = ['Customers'];
const read = { scope: 'customers:read' };
const write = { scope: 'customers:write' };

export async function customerRoutes(app: FastifyInstance, { db }: { db: DB }) {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/customers',
    {
      config: write,
      schema: {
        tags,
        summary: 'Create a customer',
        description:
          'A body id (StateSet\'s requests send one) becomes the customer\'s id when it is "cus_" followed by up to 60 letters, digits, "_" or "-" (400 otherwise) and unused (409 already_exists otherwise); without one, an id is generated. A taken email is a 409 too. Also answers at POST /v1/customer, with StateSet\'s camelCase names.',
        body: CreateCustomerBody,
        response: { 201: CustomerSchema, ...errorResponses(409) },
      },
    },
    async (req, reply) => reply.code(201).send(await createCustomer(db, contextOf(req), req.body)),
  );

  r.get(
    '/v1/customers',
    {
      config: read,
      schema: {
        tags,
        summary: 'List customers',
        querystring: listQuerySchema(customerListSpec),
        response: { 200: listEnvelopeSchema(CustomerSchema), ...errorResponses() },
      },
    },
    async (req) => listCustomers(db, req.query),
  );

  r.get(
    '/v1/customers/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'Retrieve a customer',
        params: IdParams,
        response: { 200: CustomerSchema, ...errorResponses(404) },
      },
    },
    async (req) => getCustomer(db, req.params.id),
  );

  // PATCH is the update; PUT and POST on the same path are accepted as aliases (StateSet uses both).
  for (const method of ['PATCH', 'PUT', 'POST'] as const) {
    r.route({
      method,
      url: '/v1/customers/:id',
      config: write,
      schema: {
        tags,
        summary: `Update a customer${method === 'PATCH' ? '' : ` (${method} alias of PATCH)`}`,
        description:
          "A body id is accepted (StateSet's update repeats it) and must equal the id in the path: 400 otherwise.",
        params: IdParams,
        body: UpdateCustomerBody,
        response: { 200: CustomerSchema, ...errorResponses(404, 409, 412) },
      },
      handler: async (req) => updateCustomer(db, contextOf(req), req.params.id, req.body, expectedVersion(req)),
    });
  }

  r.delete(
    '/v1/customers/:id',
    {
      config: write,
      schema: {
        tags,
        summary: 'Delete a customer',
        description:
          'Refused (409 customer_has_orders) while the customer has orders, unless force=true, which anonymises the personal data and keeps the record for its orders.',
        params: IdParams,
        querystring: DeleteCustomerQuery,
        response: { 200: DeletedSchema, ...errorResponses(404, 409, 412) },
      },
    },
    async (req) => deleteCustomer(db, contextOf(req), req.params.id, req.query.force === 'true', expectedVersion(req)),
  );

  registerTimelineRoute(app, db, {
    resource: 'customers',
    tag: 'Customers',
    objectName: 'customer',
    load: (id) => getCustomer(db, id),
  });
}
