import { counter } from '@orders/platform-observability';

export const reservationOutcomes = counter({
  name: 'inventory_reservations_total',
  help: 'Reservation ledger moves by outcome and path',
  labelNames: ['outcome', 'path'],
});
