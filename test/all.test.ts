/**
 * The one test entry: imports every test file so the suite shares one database per run (SQLite by
 * default, PostgreSQL when DATABASE_URL is a postgres URL) and ends with node:test's summary.
 */
import { after } from 'node:test';
import { closeTestDatabase } from './helpers.js';

import './architecture.test.js';
import './foundation.test.js';
import './customers.test.js';
import './inventory.test.js';
import './idempotency.test.js';
import './events.test.js';
import './cli.test.js';
import './orders.test.js';
import './orders-totals.test.js';
import './orders-fulfillment.test.js';
import './orders-restructure.test.js';
import './orders-money-checks.test.js';
import './orders-line-sku.test.js';
import './returns.test.js';
import './warranties.test.js';
import './order-documents.test.js';
import './promotions.test.js';
import './manufacturing.test.js';
import './group-commit.test.js';
import './lock-order.test.js';
import './crash.test.js';
import './edge.test.js';
import './fuzz.test.js';
import './security.test.js';
import './locations-allocation.test.js';
import './wholesale.test.js';
import './crm.test.js';
import './operator-experience.test.js';
import './docs.test.js';
import './client.test.js';
import './purchasing.test.js';
import './cycle-counts.test.js';
import './packing.test.js';
import './webhooks.test.js';
import './webhooks-processes.test.js';
import './planning.test.js';
import './scale.test.js';
// Last: it adds 10,000 orders to the shared database.
import './console.test.js';

after(closeTestDatabase);
