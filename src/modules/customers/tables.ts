/** Customer tables (see src/db/schema.ts for the conventions). */
export interface CustomersTable {
  id: string;
  email: string;
  email_normalized: string;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  company: string | null;
  stripe_customer_id: string | null;
  addresses: string; // JSON array
  default_shipping_address: string | null; // JSON
  default_billing_address: string | null; // JSON
  tags: string; // JSON array
  tags_index: string; // "|tag1|tag2|" lower-cased, for portable tag filters
  search_text: string; // lower-cased name, email and company, for portable search
  notes: string | null;
  status: 'active' | 'inactive' | 'suspended';
  activation_date: string | null;
  metadata: string; // JSON object
  order_count: number;
  lifetime_value: number;
  anonymized_at: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface CustomerTables {
  customers: CustomersTable;
}
