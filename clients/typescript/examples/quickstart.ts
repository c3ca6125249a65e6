// The README's example: stock, an order, its shipment. OPSLINE_URL=http://127.0.0.1:8080 OPSLINE_KEY=sk_... npx tsx clients/typescript/examples/quickstart.ts
import { Opsline } from '../src/index.js';

const opsline = new Opsline({
  apiKey: process.env.OPSLINE_KEY!,
  baseUrl: process.env.OPSLINE_URL ?? 'http://127.0.0.1:8080',
});
const sku = `MUG-${Date.now()}`;
await opsline.inventoryItems.create({ sku, on_hand: 25 });
const order = await opsline.orders.create({
  customer: { email: 'ada@example.com' },
  line_items: [{ sku, quantity: 3, price: 1250 }],
  payment: { method: 'card', status: 'paid' },
});
const shipped = await opsline.orders.ship(order.id, { carrier: 'UPS', tracking_number: '1Z999AA10123456784' });
console.log(shipped.order_number, shipped.status); // ORD-..., shipped
for await (const o of opsline.orders.list({ status: 'shipped', limit: 50 }))
  console.log(o.order_number, o.totals.total);
