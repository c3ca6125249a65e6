// Compiled by `npm run typecheck` (tsc --strict), never run: the client's types are the API's, so a
// misspelled field, a wrong enum value or a missing path parameter does not compile.
import { Opsline, OpslineError } from '../src/index.js';

export async function typeErrors(opsline: Opsline): Promise<void> {
  // @ts-expect-error: a misspelled field (quantity) of an order line
  await opsline.orders.create({ line_items: [{ sku: 'MUG-BLUE', quantitty: 3 }] });
  // @ts-expect-error: not a status of an order
  await opsline.orders.list({ status: 'shiped' });
  // @ts-expect-error: the path needs params.id
  await opsline.request('post', '/v1/orders/{id}/ship', {});
  // @ts-expect-error: no such path
  await opsline.request('get', '/v1/order_list');

  const order = await opsline.orders.retrieve('ORD-000001');
  // @ts-expect-error: answers are typed too: no field named "totl"
  order.totals.totl;
  const total: number = order.totals.total;
  const shipment = await opsline.request('post', '/v1/orders/{id}/ship', {
    params: { id: order.id },
    body: { carrier: 'UPS' },
  });
  const status: string = shipment.status;
  try {
    await opsline.orders.cancel(order.id);
  } catch (error) {
    if (error instanceof OpslineError)
      console.log(error.status, error.type, error.code, error.param, error.requestId, total, status);
  }
}
