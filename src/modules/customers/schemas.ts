import { z } from 'zod';
import {
  AddressOutSchema,
  AddressSchema,
  E164Schema,
  IsoDateTimeSchema,
  MetadataSchema,
  TagsSchema,
} from '../../platform/schemas.js';

export const CUSTOMER_STATUSES = ['active', 'inactive', 'suspended'] as const;

/** StateSet's older camelCase names, accepted on input. */
export const CUSTOMER_ALIASES = {
  firstName: 'first_name',
  lastName: 'last_name',
  activationDate: 'activation_date',
  timestamp: 'activation_date',
};

const customerFields = {
  email: z.email().max(254),
  first_name: z.string().max(100).nullish(),
  last_name: z.string().max(100).nullish(),
  phone: E164Schema.nullish(),
  company: z.string().max(200).nullish(),
  stripe_customer_id: z.string().max(100).nullish(),
  addresses: z.array(AddressSchema).max(20).optional(),
  default_shipping_address: AddressSchema.nullish(),
  default_billing_address: AddressSchema.nullish(),
  tags: TagsSchema.optional(),
  notes: z.string().max(5000).nullish(),
  status: z.enum(CUSTOMER_STATUSES).optional(),
  activation_date: IsoDateTimeSchema.nullish(),
  metadata: MetadataSchema.optional(),
  firstName: z.string().max(100).nullish().describe('Alias of first_name'),
  lastName: z.string().max(100).nullish().describe('Alias of last_name'),
  activationDate: IsoDateTimeSchema.nullish().describe('Alias of activation_date'),
  timestamp: IsoDateTimeSchema.nullish().describe('Alias of activation_date'),
};

/** A customer id given by the caller (StateSet's requests carry one): "cus_" and up to 60 letters, digits, "_" or "-". */
export const CUSTOMER_ID = /^cus_[A-Za-z0-9_-]{1,60}$/;

export const CreateCustomerBody = z.strictObject({
  id: z
    .string()
    .regex(CUSTOMER_ID, 'Must be "cus_" followed by up to 60 letters, digits, "_" or "-"')
    .optional()
    .describe(
      'The new customer\'s id, when the caller keeps its own ids (as StateSet\'s requests do): "cus_" followed by up to 60 letters, digits, "_" or "-". Omitted: one is generated. Already taken: 409 already_exists.',
    ),
  ...customerFields,
});
export const UpdateCustomerBody = z.strictObject({
  id: z
    .string()
    .optional()
    .describe(
      "Accepted for StateSet's requests, which repeat the id in the body: must equal the id in the path (400 otherwise); an id never changes.",
    ),
  ...customerFields,
  email: customerFields.email.optional(),
});
export type CreateCustomerInput = z.output<typeof CreateCustomerBody>;
export type UpdateCustomerInput = z.output<typeof UpdateCustomerBody>;

export const CustomerSchema = z
  .object({
    id: z.string(),
    object: z.literal('customer'),
    email: z.string(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    phone: z.string().nullable(),
    company: z.string().nullable(),
    stripe_customer_id: z.string().nullable(),
    addresses: z.array(AddressOutSchema),
    default_shipping_address: AddressOutSchema.nullable(),
    default_billing_address: AddressOutSchema.nullable(),
    tags: z.array(z.string()),
    notes: z.string().nullable(),
    status: z.enum(CUSTOMER_STATUSES),
    activation_date: z.string().nullable(),
    order_count: z.number().int(),
    lifetime_value: z.number().int().describe('Paid minus refunded over all orders, in cents'),
    metadata: z.record(z.string(), z.unknown()),
    anonymized_at: z.string().nullable(),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Customer' });
export type Customer = z.output<typeof CustomerSchema>;

export const DeleteCustomerQuery = z.strictObject({
  force: z.enum(['true', 'false']).optional().describe('Anonymise a customer who has orders instead of refusing'),
});
