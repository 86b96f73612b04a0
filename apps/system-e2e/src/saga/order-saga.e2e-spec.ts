import { TestSystem } from '../support/system';
import { orderSagaScenarios } from './order-saga';

/** The order saga with the three services as separate Nest apps in this process. */
describe('order saga over real Kafka, Postgres and Redis', () => {
  orderSagaScenarios(() => TestSystem.start());
});
