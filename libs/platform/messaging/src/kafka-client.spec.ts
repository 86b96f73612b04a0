import { logLevel } from 'kafkajs';
import { kafkaLogLevelOf } from './kafka-client';

describe('kafkajs log levels', () => {
  it('logs the routine answers of a rebalance or coordinator move as information', () => {
    expect(kafkaLogLevelOf(logLevel.ERROR, { error: 'The group is rebalancing, so a rejoin is needed' })).toBe('log');
    expect(kafkaLogLevelOf(logLevel.ERROR, { error: "The coordinator is loading and hence can't process requests for this group" })).toBe('log');
    expect(kafkaLogLevelOf(logLevel.ERROR, { error: 'The group coordinator is not available' })).toBe('log');
    expect(kafkaLogLevelOf(logLevel.WARN, { error: 'This is not the correct coordinator for this group' })).toBe('log');
  });

  it('keeps real failures at their level', () => {
    expect(kafkaLogLevelOf(logLevel.ERROR, { error: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' })).toBe('error');
    expect(kafkaLogLevelOf(logLevel.ERROR, {})).toBe('error');
    expect(kafkaLogLevelOf(logLevel.WARN, { error: 'Topic authorization failed' })).toBe('warn');
  });

  it('writes nothing below warn (the clients log at WARN)', () => {
    expect(kafkaLogLevelOf(logLevel.INFO, {})).toBeNull();
  });
});
